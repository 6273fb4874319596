import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { RealClock } from '../../../src/engine/clock.js';
import { writeKubeconfig } from '../../../src/sim/apiserver/kubeconfig.js';
import { DEFAULT_PARAMS } from '../../../src/sim/params.js';
import { Simulator } from '../../../src/sim/simulator.js';
import { defaultTopology } from '../../../src/sim/topology/default-topology.js';

/** One cluster of the built-in platform served as `gameday sim up` serves it, faster than real time. */
export interface ServedSim {
  sim: Simulator;
  cluster: string;
  kubeconfig: string;
  dir: string;
  kubectl(...args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }>;
  /** A raw JSON request with the kubeconfig's token, trusting the simulator's certificate as kubectl does. */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

export async function hasKubectl(): Promise<boolean> {
  try {
    await execa('kubectl', ['version', '--client'], { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

export async function serveSim(cluster = 'control', speed = 20): Promise<ServedSim> {
  const t = defaultTopology();
  const topology = { ...t, clusters: t.clusters.filter((c) => c.name === cluster) };
  const sim = await Simulator.start({
    topology,
    params: DEFAULT_PARAMS,
    clock: new RealClock(speed),
    seed: 1,
    serve: true,
    // kubectl sends the token only over TLS.
    tls: true,
  });
  await sim.settle(600_000);
  const dir = await mkdtemp(join(tmpdir(), 'gameday-served-sim-'));
  const kubeconfig = join(dir, 'kubeconfig');
  await writeKubeconfig(kubeconfig, [{ cluster, url: sim.cluster(cluster).server!.url, token: sim.token, ca: sim.ca }]);
  return {
    sim,
    cluster,
    kubeconfig,
    dir,
    kubectl: async (...args) => {
      const r = await execa(
        'kubectl',
        ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), '--request-timeout=20s', ...args],
        { reject: false, timeout: 90_000 },
      );
      return { exitCode: r.exitCode ?? -1, stdout: r.stdout, stderr: r.stderr };
    },
    request: (method, path, body) =>
      new Promise((resolve, reject) => {
        const req = httpsRequest(
          `${sim.cluster(cluster).server!.url}${path}`,
          {
            method,
            ca: sim.ca,
            headers: { authorization: `Bearer ${sim.token}`, 'content-type': 'application/json' },
          },
          (res) => {
            let text = '';
            res.on('data', (c: Buffer) => (text += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown }));
          },
        );
        req.on('error', reject);
        req.end(body === undefined ? undefined : JSON.stringify(body));
      }),
    close: async () => {
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
