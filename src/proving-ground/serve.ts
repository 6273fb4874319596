import { readFileSync, writeFileSync } from 'node:fs';
import { caFile } from './api-client.js';
import { join } from 'node:path';
import { RealClock } from '../engine/clock.js';
import { errorMessage, InvalidInputError } from '../errors.js';
import { HostBinding } from '../sim/host-binding/binding.js';
import { DEFAULT_PARAMS } from '../sim/params.js';
import { Simulator } from '../sim/simulator.js';
import { contextName } from './layout.js';
import { outputPaths } from './outputs.js';
import { loadState, SERVE_FILE, writeJsonAtomic, type ServeStatus } from './state.js';
import { groundTopology } from './topology.js';

function log(line: string): void {
  process.stdout.write(`${new Date().toISOString()} ${line}\n`);
}

/**
 * The simulator side of a ground, run by `up` as a background process (`gameday proving-ground serve`):
 * the Kubernetes API on loopback and on the network's gateway (where the hosts' agents reach it), the host
 * channel, and the cluster's objects stored in the hosts' etcd. Says how far it got in serve.json; stops on
 * SIGTERM or SIGINT.
 */
export async function serveGround(dir: string): Promise<number> {
  const state = loadState(dir);
  if (!state?.gateway) throw new InvalidInputError(`${dir} holds no proving ground that was brought up.`);
  const status: ServeStatus = { pid: process.pid, phase: 'listening' };
  const write = (): void => writeJsonAtomic(join(dir, SERVE_FILE), status);
  const clock = new RealClock(1);
  const sim = await Simulator.start({
    topology: groundTopology(state.name, state.hosts),
    params: DEFAULT_PARAMS,
    clock,
    seed: 1,
    serve: true,
    // HTTPS with the ground's token, answering on the gateway too (kubectl sends a token only over TLS).
    tls: true,
    token: state.token,
    allowedHosts: [state.gateway],
  });
  writeFileSync(caFile(dir), sim.ca ?? '', { mode: 0o644 });
  const cluster = sim.cluster(contextName(state.name));
  const server = cluster.server!;
  const gatewayApiUrl = await server.listenAlso(state.gateway);
  const cps = state.hosts.filter((h) => h.role === 'control-plane');
  const binding = await HostBinding.start(
    cluster,
    { nodes: state.hosts.map((h) => h.name), token: state.token, listen: { host: state.gateway }, onEvent: log },
    cps.map((h) => `https://${h.ip}:2379`),
  );
  Object.assign(status, { apiUrl: server.url, gatewayApiUrl, channelUrl: binding.channelUrl });
  write();
  log(`API on ${server.url} and ${gatewayApiUrl}; host channel on ${binding.channelUrl}`);

  let stop: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  const pki = outputPaths(dir).pki;
  binding
    .storeInEtcd({
      ca: readFileSync(join(pki, 'ca.crt')),
      cert: readFileSync(join(pki, 'apiserver-etcd-client.crt')),
      key: readFileSync(join(pki, 'apiserver-etcd-client.key')),
    })
    .then(
      () => {
        status.phase = 'ready';
        write();
        log(`objects stored in etcd (${binding.etcdEndpoints().join(', ')})`);
      },
      (err: unknown) => {
        status.phase = 'failed';
        status.error = errorMessage(err);
        write();
        log(`etcd: ${status.error}`);
        stop();
      },
    );
  await stopped;
  log('stopping');
  await binding.close();
  await sim.close();
  return status.phase === 'failed' ? 3 : 0;
}
