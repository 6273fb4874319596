import { accessSync, constants, mkdirSync } from 'node:fs';
import type { InitRequest, PodContainer } from './protocol.js';
import { flagValue, type StaticPodManifest } from './manifests.js';
import type { StaticPodReport } from './report.js';

/** How the agent reaches the containers init runs for it. */
export interface PodRuntime {
  list(): Promise<PodContainer[]>;
  start(req: Omit<Extract<InitRequest, { op: 'pod-start' }>, 'op'>): Promise<string>;
  stop(id: string, graceMs: number): Promise<void>;
  remove(id: string): Promise<void>;
}

/** The kubelet's crash back-off: 10 s, doubling, at most 5 minutes; reset by 10 minutes of running. */
export const BACKOFF_INITIAL_MS = 10_000;
export const BACKOFF_MAX_MS = 300_000;
const BACKOFF_RESET_MS = 600_000;

const SEARCH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** Whether a command can be run here (the binary exists on PATH). */
export function onPath(cmd: string): boolean {
  const candidates = cmd.includes('/') ? [cmd] : SEARCH.map((d) => `${d}/${cmd}`);
  return candidates.some((p) => {
    try {
      accessSync(p, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * The kubelet's static-pod loop: one container per manifest, started when the manifest appears, restarted
 * with back-off when it dies, replaced when the manifest changes, stopped (with the pod's grace period)
 * when the manifest goes. A manifest whose binary this host lacks (kube-apiserver, kube-controller-manager,
 * kube-scheduler) is reported as simulated: the simulator's model runs it.
 */
export class StaticPodSync {
  private readonly failures = new Map<string, number>();
  private readonly stopping = new Set<string>();

  constructor(
    private readonly node: string,
    private readonly internalIP: string,
    private readonly runtime: PodRuntime,
    private readonly now: () => number = Date.now,
    private readonly runnable: (cmd: string) => boolean = onPath,
  ) {}

  /** One pass: bring the containers in line with the manifests; what runs, per manifest. */
  async sync(manifests: readonly StaticPodManifest[]): Promise<StaticPodReport[]> {
    const containers = await this.runtime.list();
    const byPod = new Map<string, PodContainer[]>();
    for (const c of containers) byPod.set(c.pod, [...(byPod.get(c.pod) ?? []), c]);
    for (const list of byPod.values()) list.sort((a, b) => b.createdAt - a.createdAt);
    const reports: StaticPodReport[] = [];
    const wanted = new Set<string>();
    for (const m of manifests) {
      const pod = `${m.name}-${this.node}`;
      wanted.add(pod);
      const list = byPod.get(pod) ?? [];
      if (!this.runnable(m.argv[0]!)) {
        reports.push({ name: m.name, hash: m.hash, state: 'simulated', restarts: 0, ...this.extra(m) });
        continue;
      }
      const live = list.filter((c) => c.state !== 'exited');
      const current = live.find((c) => c.hash === m.hash);
      for (const old of live.filter((c) => c.hash !== m.hash)) this.stopInBackground(old, m.graceSeconds);
      if (current) {
        if (this.now() - current.startedAt > BACKOFF_RESET_MS) this.failures.delete(pod);
        reports.push({
          name: m.name,
          hash: m.hash,
          state: current.state === 'paused' ? 'paused' : 'running',
          restarts: current.attempt,
          ...(current.pid !== undefined ? { pid: current.pid } : {}),
          ...this.extra(m),
        });
        continue;
      }
      const last = list.find((c) => c.hash === m.hash);
      const restarts = last ? last.attempt + 1 : 0;
      if (live.length > 0 || (last && !this.dueForRestart(pod, last))) {
        reports.push({ name: m.name, hash: m.hash, state: last ? 'exited' : 'waiting', restarts, ...this.extra(m) });
        continue;
      }
      for (const d of m.createDirs) mkdirSync(d, { recursive: true });
      await this.runtime.start({
        name: m.container,
        pod,
        namespace: m.namespace,
        image: m.image,
        hash: m.hash,
        attempt: restarts,
        command: m.argv,
        env: m.env,
        log: `/var/log/pods/${m.namespace}_${pod}_${m.hash}/${m.container}/${restarts}.log`,
      });
      reports.push({ name: m.name, hash: m.hash, state: 'running', restarts, ...this.extra(m) });
      // Older exited containers of this pod are garbage now, as the kubelet's container GC would say.
      for (const c of list.filter((x) => x.state === 'exited')) await this.runtime.remove(c.id).catch(() => undefined);
    }
    for (const [pod, list] of byPod) {
      if (wanted.has(pod)) continue;
      this.failures.delete(pod);
      for (const c of list) {
        if (c.state === 'exited') await this.runtime.remove(c.id).catch(() => undefined);
        else this.stopInBackground(c, 30);
      }
    }
    return reports;
  }

  /** A container that died is restarted after the back-off for its number of failures in a row. */
  private dueForRestart(pod: string, last: PodContainer): boolean {
    const ranFor = (last.finishedAt ?? this.now()) - last.startedAt;
    const n = ranFor > BACKOFF_RESET_MS ? 1 : Math.max(1, this.failures.get(pod) ?? 1);
    const delay = Math.min(BACKOFF_INITIAL_MS * 2 ** (n - 1), BACKOFF_MAX_MS);
    if (this.now() < (last.finishedAt ?? this.now()) + delay) return false;
    this.failures.set(pod, n + 1);
    return true;
  }

  private stopInBackground(c: PodContainer, graceSeconds: number): void {
    if (this.stopping.has(c.id)) return;
    this.stopping.add(c.id);
    void this.runtime
      .stop(c.id, graceSeconds * 1000)
      .then(() => this.runtime.remove(c.id))
      .catch(() => undefined)
      .finally(() => this.stopping.delete(c.id));
  }

  /** kube-apiserver's etcd servers as seen from outside the host: its loopback is this host's address. */
  private extra(m: StaticPodManifest): Pick<StaticPodReport, 'etcdServers'> {
    const servers = m.name === 'kube-apiserver' ? flagValue(m.argv, '--etcd-servers') : undefined;
    if (!servers) return {};
    return {
      etcdServers: servers
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => s.replace(/^(https?:\/\/)(127\.0\.0\.1|localhost|\[::1\])(?=[:/]|$)/, `$1${this.internalIP}`)),
    };
  }
}
