/**
 * The kubelet of a proving-ground host, run by init as the `kubelet` unit. Towards the apiserver it does
 * what the real kubelet does for its node: renew its Lease every 10 s and post its status (Ready, or
 * NotReady with "container runtime is down" while containerd does not answer). It runs the static pods of
 * /etc/kubernetes/manifests (etcd for real; kube-apiserver and friends, which have no binary here, are left
 * to the simulator's model), and tells the simulator on the host channel what runs, every 2 s and on change.
 * When it stops, nothing renews the Lease: the node goes NotReady through the node-lifecycle controller.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { connect } from 'node:net';
import { parse } from 'yaml';
import { readHostConfig } from './host-config.js';
import { httpCall } from './http.js';
import { KubeletApi, type ApiAccess } from './kubelet-api.js';
import { readManifests } from './manifests.js';
import { askInit, BOOT_ID_FILE } from './protocol.js';
import type { HostReport, StaticPodReport } from './report.js';
import { StaticPodSync, type PodRuntime } from './static-pods.js';

const KUBECONFIG = '/etc/kubernetes/kubelet.conf';
const CONTAINERD_SOCKET = '/run/containerd/containerd.sock';
const LEASE_RENEW_MS = 10_000;
const STATUS_UPDATE_MS = 10_000;
const STATUS_REPORT_MS = 300_000;
const POD_SYNC_MS = 1_000;
const CHANNEL_MS = 2_000;

process.title = 'kubelet';

function log(level: 'I' | 'W' | 'E', msg: string): void {
  const d = new Date();
  const ts = `${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')} ${d.toISOString().slice(11, 23)}`;
  process.stdout.write(`${level}${ts} ${String(process.pid).padStart(7)} agent] ${msg}\n`);
}

function readApi(): ApiAccess {
  const kc = parse(readFileSync(KUBECONFIG, 'utf8')) as {
    clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string } }[];
    users?: { user?: { token?: string } }[];
  };
  const server = kc.clusters?.[0]?.cluster?.server;
  if (!server) throw new Error(`${KUBECONFIG} names no server`);
  const ca = kc.clusters?.[0]?.cluster?.['certificate-authority-data'];
  return {
    server,
    token: kc.users?.[0]?.user?.token ?? '',
    ...(ca ? { ca: Buffer.from(ca, 'base64').toString('utf8') } : {}),
  };
}

function runtimeAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(CONTAINERD_SOCKET);
    const t = setTimeout(() => {
      s.destroy();
      resolve(false);
    }, 1000);
    s.on('connect', () => {
      clearTimeout(t);
      s.end();
      resolve(true);
    });
    s.on('error', () => {
      clearTimeout(t);
      resolve(false);
    });
  });
}

/** What the node reports about itself: the host's real OS, kernel and runtime, and this boot. */
function hostInfo(bootID: string): Record<string, string> {
  const info: Record<string, string> = {
    bootID,
    kernelVersion: release(),
    operatingSystem: 'linux',
    architecture: 'amd64',
  };
  try {
    const os = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    if (os) info['osImage'] = os;
  } catch {
    // no os-release: leave it out
  }
  const v = /containerd\S*\s+(\d+\.\d+\.\d+)/.exec(
    spawnSync('containerd', ['--version'], { encoding: 'utf8' }).stdout ?? '',
  )?.[1];
  if (v) info['containerRuntimeVersion'] = `containerd://${v}`;
  return info;
}

const initRuntime: PodRuntime = {
  async list() {
    const r = await askInit({ op: 'pods' });
    if (!r.ok) throw new Error(r.error);
    return r.pods ?? [];
  },
  async start(req) {
    const r = await askInit({ op: 'pod-start', ...req });
    if (!r.ok || !r.id) throw new Error(r.ok ? 'no id' : r.error);
    return r.id;
  },
  async stop(id, graceMs) {
    await askInit({ op: 'pod-stop', id, graceMs });
  },
  async remove(id) {
    await askInit({ op: 'pod-remove', id });
  },
};

async function main(): Promise<void> {
  const host = readHostConfig();
  const bootID = readFileSync(BOOT_ID_FILE, 'utf8').trim();
  const api = new KubeletApi(readApi(), host.node);
  const nodeInfo = hostInfo(bootID);
  const pods = new StaticPodSync(host.node, host.internalIP, initRuntime);
  let staticPods: StaticPodReport[] = [];
  let runtimeDownSince: number | undefined;
  let lastStatusPost = Number.NEGATIVE_INFINITY;
  let lastReport = '';
  let stopping = false;
  const timers: NodeJS.Timeout[] = [];
  log('I', `starting kubelet for node ${host.node} (boot ${bootID})`);

  const report = async (final = false): Promise<void> => {
    const body: HostReport = {
      node: host.node,
      bootID,
      agentPid: process.pid,
      runtime: runtimeDownSince === undefined ? 'active' : 'inactive',
      staticPods,
      ...(final ? { stopping: true } : {}),
    };
    lastReport = JSON.stringify({ ...body, agentPid: 0 });
    try {
      const r = await httpCall(`${host.channel.url.replace(/\/+$/, '')}/hosts/${host.node}`, {
        method: 'POST',
        token: host.channel.token,
        body,
        timeoutMs: final ? 1000 : 3000,
      });
      if (r.status >= 300) log('W', `host channel answered ${r.status}: ${r.body.slice(0, 200)}`);
    } catch (err) {
      log('W', `host channel: ${(err as Error).message}`);
    }
  };

  const every = (ms: number, what: string, fn: () => Promise<void>): void => {
    let busy = false;
    const tick = (): void => {
      if (busy || stopping) return;
      busy = true;
      fn()
        .catch((err: unknown) => log('E', `${what}: ${(err as Error)?.message ?? String(err)}`))
        .finally(() => (busy = false));
    };
    timers.push(setInterval(tick, ms));
    tick();
  };

  const checkRuntime = async (): Promise<void> => {
    const up = await runtimeAnswers();
    if (up) runtimeDownSince = undefined;
    else runtimeDownSince ??= Date.now();
  };

  await checkRuntime();
  if (!(await api.getNode().catch(() => ({})))) {
    log('I', `registering node ${host.node}`);
    await api.register(host.internalIP, {}).catch((err: unknown) => log('E', `register: ${(err as Error).message}`));
  }
  every(POD_SYNC_MS, 'static pods', async () => {
    const wasDown = runtimeDownSince !== undefined;
    await checkRuntime();
    const { pods: manifests, errors } = readManifests();
    for (const e of errors) log('W', e);
    staticPods = await pods.sync(manifests);
    const now = JSON.stringify({
      node: host.node,
      bootID,
      agentPid: 0,
      runtime: runtimeDownSince === undefined ? 'active' : 'inactive',
      staticPods,
    });
    // A change is reported at once (the kubelet's inotify); the runtime going down is posted at once too.
    if (now !== lastReport) await report();
    if (wasDown !== (runtimeDownSince !== undefined)) {
      if (
        await api.postStatus(
          { runtimeDownSince, nodeInfo, internalIP: host.internalIP, now: Date.now() },
          lastStatusPost,
          STATUS_REPORT_MS,
        )
      )
        lastStatusPost = Date.now();
    }
  });
  every(LEASE_RENEW_MS, 'lease', () => api.renewLease(Date.now()));
  every(STATUS_UPDATE_MS, 'node status', async () => {
    if (
      await api.postStatus(
        { runtimeDownSince, nodeInfo, internalIP: host.internalIP, now: Date.now() },
        lastStatusPost,
        STATUS_REPORT_MS,
      )
    )
      lastStatusPost = Date.now();
  });
  every(CHANNEL_MS, 'host channel', () => report());

  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    for (const t of timers) clearInterval(t);
    log('I', 'stopping: static pods keep running, nothing renews the lease');
    void report(true).finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  log('E', `failed: ${(err as Error)?.stack ?? String(err)}`);
  process.exit(1);
});
