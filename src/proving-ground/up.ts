import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InfrastructureError, InvalidInputError } from '../errors.js';
import { groundHealth } from './api-check.js';
import { apiGet, caFile, groundApi, type GroundApi } from './api-client.js';
import { startBmc, waitBmc, writeBmc, pickBmcAddresses } from './bmc.js';
import { prepareHostBundle } from './bundle.js';
import { docker, sh } from './exec.js';
import { writeHostFiles } from './host-files.js';
import { ensureImage, type ImageResult } from './image.js';
import {
  checkName,
  contextName,
  gatewayOf,
  GROUND_LABEL,
  hostLayout,
  KIND_CLUSTER_LABEL,
  KIND_ROLE_LABEL,
  networkName,
  subnetCandidates,
} from './layout.js';
import { writeKubeconfig } from '../sim/apiserver/kubeconfig.js';
import { caFingerprint } from '../targets/common/cluster-identity.js';
import { groundProfile, outputPaths, writeHypervisorScript, writeProfile } from './outputs.js';
import { makeEtcdPki } from './pki.js';
import { provingGroundDown } from './down.js';
import { loadState, pidAlive, readServe, saveState, type GroundState, type ServeStatus } from './state.js';
import { requireDocker, requireTools, which } from './tools.js';

export interface UpOptions {
  name: string;
  dir: string;
  /** How long a host takes from power-on to its units starting. Default 3 s (a kind node's systemd boot). */
  bootDelayMs?: number;
  /** Give up after this long in all. Default 5 minutes. */
  timeoutMs?: number;
  progress: (line: string) => void;
}

export interface UpResult {
  state: GroundState;
  kubeconfig: string;
  profile: string;
  apiUrl: string;
  image: ImageResult;
  /** Milliseconds per phase, and in all. */
  timings: Record<string, number>;
}

const TOOLS = ['ipmi_sim', 'ipmitool', 'openssl', 'ssh-keygen', 'ssh', 'tar'];

async function until<T>(what: string, deadline: number, fn: () => Promise<T | undefined>, every = 500): Promise<T> {
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) {
      throw new InfrastructureError(`${what} did not happen in time${last ? `: ${(last as Error).message}` : ''}.`);
    }
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}

/** How to start this same gameday as the background simulator: from a build, or from the sources under tsx. */
function serveCommand(dir: string): string[] {
  const here = fileURLToPath(import.meta.url);
  const fromSource = here.endsWith('.ts');
  const main = fileURLToPath(new URL(`../cli/main.${fromSource ? 'ts' : 'js'}`, import.meta.url));
  const loader = fromSource ? ['--import', import.meta.resolve('tsx')] : [];
  return [process.execPath, ...loader, main, 'proving-ground', 'serve', '--state-dir', dir];
}

/**
 * Bring a proving ground up: the host image (cached), a private bridge network, kubeadm's etcd PKI, the
 * simulator in the background, three control-plane and three worker hosts, one BMC per host; then wait
 * until every host answers ssh, every agent renews its node's Lease, etcd holds the API's objects and the
 * workloads are available. Writes the kubeconfig and the lab profile. Everything created is recorded in the
 * state directory as it is created, so that `down` removes exactly that, even after a failure here.
 */
export async function provingGroundUp(o: UpOptions): Promise<UpResult> {
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const lap = (what: string, since: number): number => (timings[what] = Date.now() - since);
  const name = checkName(o.name);
  const deadline = t0 + (o.timeoutMs ?? 300_000);
  const say = (line: string): void => o.progress(`proving-ground ${name}: ${line}`);

  await requireDocker();
  requireTools(TOOLS);
  const dockerPath = which('docker')!;
  const existing = loadState(o.dir);
  if (existing) {
    const running = existing.created.pids.some((p) => pidAlive(p.pid)) || existing.created.containers.length > 0;
    if (running) {
      throw new InvalidInputError(
        `A proving ground "${name}" is already up (state in ${o.dir}). Use it, or take it down first: gameday proving-ground down --name ${name}.`,
      );
    }
    await provingGroundDown({ dir: o.dir, progress: () => undefined });
  }

  let t = Date.now();
  const image = await ensureImage(say);
  lap('image', t);
  say(`host image ${image.tag} ${image.how} in ${(image.ms / 1000).toFixed(1)} s`);

  const paths = outputPaths(o.dir);
  const state: GroundState = {
    version: 1,
    name,
    dir: o.dir,
    createdAt: new Date().toISOString(),
    image: image.tag,
    hosts: [],
    token: randomBytes(24).toString('hex'),
    created: { containers: [], pids: [] },
  };
  saveState(state);
  try {
    t = Date.now();
    // --- network: a private bridge of our own, never docker0.
    const net = networkName(name);
    for (const subnet of subnetCandidates(name)) {
      const r = await docker(
        [
          'network',
          'create',
          '--driver',
          'bridge',
          '--subnet',
          subnet,
          '--gateway',
          gatewayOf(subnet),
          '--label',
          `${GROUND_LABEL}=${name}`,
          net,
        ],
        { allowFailure: true },
      );
      if (r.exitCode === 0) {
        Object.assign(state, { subnet, gateway: gatewayOf(subnet) });
        state.created.network = net;
        break;
      }
      if (!/overlap|in use|already/i.test(r.stderr))
        throw new InfrastructureError(`docker network create ${net}: ${r.stderr.trim()}`);
    }
    if (!state.subnet)
      throw new InfrastructureError(`No free subnet for network ${net} among ${subnetCandidates(name).join(', ')}.`);
    state.hosts = hostLayout(name, state.subnet);
    saveState(state);
    say(`network ${net} ${state.subnet}`);

    // --- keys, certificates, the host programs.
    mkdirSync(join(o.dir, 'ssh'), { recursive: true });
    await sh('ssh-keygen', [
      '-q',
      '-t',
      'ed25519',
      '-N',
      '',
      '-C',
      `gameday-proving-ground-${name}`,
      '-f',
      paths.sshKey,
    ]);
    await makeEtcdPki(
      paths.pki,
      state.hosts.filter((h) => h.role === 'control-plane'),
    );
    await prepareHostBundle(paths.hostBundle);
    lap('network, keys and certificates', t);

    // --- the simulator, in the background: the hosts' agents need its addresses.
    t = Date.now();
    const [cmd, ...args] = serveCommand(o.dir);
    const logFd = openSync(paths.serveLog, 'a');
    const daemon = spawn(cmd!, args, { detached: true, stdio: ['ignore', logFd, logFd], cwd: process.cwd() });
    closeSync(logFd);
    daemon.unref();
    if (daemon.pid === undefined) throw new InfrastructureError(`The simulator did not start (see ${paths.serveLog}).`);
    state.created.pids.push({ pid: daemon.pid, what: 'simulator' });
    saveState(state);
    const serve = await until<ServeStatus>(
      'the simulator listening',
      Math.min(deadline, Date.now() + 60_000),
      async () => {
        const s = readServe(o.dir);
        if (s?.phase === 'failed') throw new InfrastructureError(`the simulator failed: ${s.error ?? ''}`);
        if (!pidAlive(daemon.pid!)) throw new InfrastructureError(`the simulator exited:\n${tail(paths.serveLog)}`);
        return s && s.pid === daemon.pid && s.gatewayApiUrl ? s : undefined;
      },
    );
    lap('simulator', t);
    say(`simulated API on ${serve.apiUrl ?? ''} (hosts reach it on ${serve.gatewayApiUrl ?? ''})`);

    // --- the hosts.
    t = Date.now();
    const sshPublicKey = readFileSync(`${paths.sshKey}.pub`, 'utf8');
    // Fixed ports: docker would pick a new one at every `docker start`, and the lab profile names them.
    const ports = await freePorts(state.hosts.length);
    state.hosts.forEach((h, i) => (h.sshPort = ports[i]!));
    for (const host of state.hosts) {
      const staging = join(o.dir, 'staging', host.name);
      writeHostFiles(staging, {
        host,
        all: state.hosts,
        apiUrl: serve.gatewayApiUrl!,
        token: state.token,
        channelUrl: serve.channelUrl!,
        pkiDir: paths.pki,
        sshPublicKey,
        apiCa: readFileSync(caFile(o.dir), 'utf8'),
        bootDelayMs: o.bootDelayMs ?? 3000,
      });
      await docker([
        'create',
        '--name',
        host.name,
        '--hostname',
        host.name,
        '--label',
        `${KIND_CLUSTER_LABEL}=${name}`,
        '--label',
        `${KIND_ROLE_LABEL}=${host.role}`,
        '--label',
        `${GROUND_LABEL}=${name}`,
        '--network',
        net,
        '--ip',
        host.ip,
        '--publish',
        `127.0.0.1:${host.sshPort}:22`,
        '--tmpfs',
        '/run:rw,nosuid,nodev,mode=755',
        '--volume',
        `${paths.hostBundle}:/opt/gameday/host:ro`,
        '--stop-timeout',
        '10',
        '--entrypoint',
        '/usr/bin/tini',
        image.tag,
        '--',
        '/usr/bin/node',
        '/opt/gameday/host/init.js',
      ]);
      state.created.containers.push(host.name);
      saveState(state);
      await docker(['cp', `${staging}/.`, `${host.name}:/`]);
      rmSync(staging, { recursive: true, force: true });
    }
    rmSync(join(o.dir, 'staging'), { recursive: true, force: true });
    await Promise.all(state.hosts.map((h) => docker(['start', h.name])));
    lap('hosts started', t);

    // --- one BMC per host.
    t = Date.now();
    const bmc = await pickBmcAddresses(state.hosts.length);
    state.bmcPort = bmc.port;
    mkdirSync(join(o.dir, 'bmc'), { recursive: true });
    // IPMI passwords are at most 20 bytes (16 for IPMI 1.5).
    writeFileSync(paths.bmcPassword, randomBytes(8).toString('hex') + '\n', { mode: 0o600 });
    const password = readFileSync(paths.bmcPassword, 'utf8').trim();
    state.hosts.forEach((h, i) => {
      h.bmc = bmc.addresses[i]!;
      const dir = join(o.dir, 'bmc', h.name);
      writeBmc(dir, { container: h.name, address: h.bmc, port: bmc.port, password, docker: dockerPath });
      state.created.pids.push({ pid: startBmc(dir), what: `ipmi_sim ${h.name}` });
    });
    saveState(state);
    await Promise.all(state.hosts.map((h) => waitBmc(h.bmc!, bmc.port, paths.bmcPassword)));
    lap('BMCs', t);
    say(`BMCs on ${bmc.addresses[0]}..${bmc.addresses[bmc.addresses.length - 1]} port ${bmc.port}`);

    // --- ssh: each host's own key in known_hosts, then a login that elevates without a password.
    t = Date.now();
    const known: string[] = [];
    for (const h of state.hosts) {
      const pub = await until(`${h.name}'s ssh host key`, deadline, async () => {
        const r = await docker(['exec', h.name, 'cat', '/etc/ssh/ssh_host_ed25519_key.pub'], { allowFailure: true });
        return r.exitCode === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
      });
      known.push(`[127.0.0.1]:${h.sshPort} ${pub.split(/\s+/).slice(0, 2).join(' ')}`);
    }
    writeFileSync(paths.knownHosts, known.join('\n') + '\n');
    await Promise.all(
      state.hosts.map((h) =>
        until(`ssh to ${h.name}`, deadline, async () => {
          const r = await sh(
            'ssh',
            [
              '-i',
              paths.sshKey,
              '-p',
              String(h.sshPort),
              '-o',
              'BatchMode=yes',
              '-o',
              'ConnectTimeout=5',
              '-o',
              `UserKnownHostsFile=${paths.knownHosts}`,
              '-o',
              'StrictHostKeyChecking=yes',
              '-o',
              'LogLevel=ERROR',
              'gameday@127.0.0.1',
              'sudo',
              '-n',
              'true',
            ],
            { allowFailure: true, timeoutMs: 15_000 },
          );
          return r.exitCode === 0 ? true : undefined;
        }),
      ),
    );
    lap('ssh', t);

    // --- outputs.
    const api = groundApi(o.dir, serve.apiUrl!, state.token);
    await writeKubeconfig(paths.kubeconfig, [
      { cluster: contextName(name), url: api.url, token: api.token, ca: api.ca },
    ]);
    // --- ready: etcd holds the objects, every agent renews its Lease, nodes Ready, workloads available.
    t = Date.now();
    await until("etcd taking the API's objects", deadline, async () => {
      const s = readServe(o.dir);
      if (s?.phase === 'failed') throw new InfrastructureError(`the simulator failed: ${s.error ?? ''}`);
      if (!pidAlive(daemon.pid!)) throw new InfrastructureError(`the simulator exited:\n${tail(paths.serveLog)}`);
      return s?.phase === 'ready' ? true : undefined;
    });
    lap('etcd', t);
    // The profile pins kube-system's UID as the API serves it from etcd, once it has moved there (the
    // simulator's listener is busy with that move before: a read then can end in 'socket hang up').
    writeHypervisorScript(paths.hypervisor, net, state.hosts, dockerPath);
    writeProfile(
      paths.profile,
      groundProfile({
        name,
        apiUrl: serve.apiUrl!,
        apiCaFingerprint: caFingerprint(api.ca),
        kubeSystemUid: await until('the kube-system namespace', deadline, () => kubeSystemUid(api)),
        dir: o.dir,
        kubeconfig: paths.kubeconfig,
        hosts: state.hosts,
        sshKey: paths.sshKey,
        knownHosts: paths.knownHosts,
        bmcPort: bmc.port,
        bmcPasswordFile: paths.bmcPassword,
        hypervisor: paths.hypervisor,
      }),
    );

    t = Date.now();
    let lastHealth = '';
    await until(
      'every node Ready with its agent renewing, and every workload available',
      deadline,
      async () => {
        const h = await groundHealth(api, t0);
        const line = [
          h.notRenewed.length ? `no lease renewal yet: ${h.notRenewed.join(', ')}` : '',
          h.notReady.length ? `not Ready: ${h.notReady.join(', ')}` : '',
          h.unavailable.length ? `${h.unavailable.length} workloads coming up` : '',
        ]
          .filter(Boolean)
          .join('; ');
        if (line && line !== lastHealth) say(line);
        lastHealth = line;
        return line ? undefined : true;
      },
      1000,
    );
    lap('ready', t);
    timings['total'] = Date.now() - t0;
    say(`up in ${(timings['total'] / 1000).toFixed(1)} s`);
    return { state, kubeconfig: paths.kubeconfig, profile: paths.profile, apiUrl: serve.apiUrl!, image, timings };
  } catch (err) {
    say(`failed; removing what was created (${(err as Error).message.split('\n')[0] ?? ''})`);
    if (!process.env['GAMEDAY_PROVING_GROUND_KEEP'])
      await provingGroundDown({ dir: o.dir, progress: say }).catch(() => undefined);
    throw err;
  }
}

function tail(file: string): string {
  try {
    return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').slice(-8).join('\n') : '';
  } catch {
    return '';
  }
}

/** TCP ports free on 127.0.0.1 now (held together while picking, so they differ). */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

/** The kube-system namespace's UID: what makes this cluster this one (the lab profile pins it). */
async function kubeSystemUid(api: GroundApi): Promise<string> {
  const ns = await apiGet<{ metadata?: { uid?: string } }>(api, '/api/v1/namespaces/kube-system');
  if (!ns.metadata?.uid)
    throw new InfrastructureError(`The simulated API at ${api.url} gave no kube-system namespace UID.`);
  return ns.metadata.uid;
}
