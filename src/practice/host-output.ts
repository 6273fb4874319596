import { conditionOf, type KubeObject } from '../kube/objects.js';
import { tryParseQuantity } from '../kube/quantity.js';
import type { NodeService } from '../targets/target.js';
import { KUBERNETES_VERSION } from '../sim/kubernetes-version.js';

/**
 * Output shaped like the real host tools (systemd, journald, docker, crictl, procps, coreutils), made from
 * what the API and NodeOps show of a simulated node. Pure functions of their inputs, so tests can pin them.
 */

export type ServiceState = 'active' | 'inactive' | 'unknown';

export const UNITS: Record<
  string,
  { service: NodeService; unit: string; description: string; exec: string; docs: string }
> = {
  kubelet: {
    service: 'kubelet',
    unit: 'kubelet.service',
    description: 'kubelet: The Kubernetes Node Agent',
    exec: '/usr/bin/kubelet',
    docs: 'https://kubernetes.io/docs/home/',
  },
  docker: {
    service: 'container-runtime',
    unit: 'docker.service',
    description: 'Docker Application Container Engine',
    exec: '/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock',
    docs: 'https://docs.docker.com',
  },
  containerd: {
    service: 'container-runtime',
    unit: 'containerd.service',
    description: 'containerd container runtime',
    exec: '/usr/bin/containerd',
    docs: 'https://containerd.io',
  },
};

/** "kubelet", "kubelet.service" -> the unit's key in UNITS. */
export function unitKey(name: string): string | undefined {
  const k = name.replace(/\.service$/, '');
  return k in UNITS ? k : undefined;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** systemd's timestamp: "Thu 2026-01-01 00:00:00 UTC". */
export function systemdTime(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]} ${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${clockTime(ms)} UTC`;
}

/** journald's short timestamp: "Jan 01 00:00:00". */
export function journalTime(ms: number): string {
  const d = new Date(ms);
  return `${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate())} ${clockTime(ms)}`;
}

function clockTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** klog's header: "I0101 00:00:00.123456". */
function klogTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())} ${clockTime(ms)}.${pad(d.getUTCMilliseconds(), 3)}000`;
}

/** systemd's "5min ago", "2h 3min ago", "1 day 2h ago". */
export function ago(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}min ${s % 60}s ago`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h}h ${m % 60}min ago`;
  const days = Math.floor(h / 24);
  return `${days} day${days > 1 ? 's' : ''} ${h % 24}h ago`;
}

/** A stable small number from a string (PIDs, container IDs): the same node shows the same PIDs. */
export function stableNumber(text: string, mod: number): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h % mod;
}

export function stableHex(text: string, len: number): string {
  let out = '';
  for (let i = 0; out.length < len; i++) out += stableNumber(`${text}#${i}`, 0x10000000).toString(16).padStart(7, '0');
  return out.slice(0, len);
}

/** `systemctl status <unit>`, as systemd 245+ prints it. Exit code: 0 active, 3 inactive. */
export function systemctlStatus(
  key: string,
  state: ServiceState,
  since: number,
  now: number,
  node: string,
): { text: string; exitCode: number } {
  const u = UNITS[key]!;
  const lines = [`● ${u.unit} - ${u.description}`];
  lines.push(`     Loaded: loaded (/lib/systemd/system/${u.unit}; enabled; vendor preset: enabled)`);
  if (key === 'kubelet')
    lines.push('    Drop-In: /etc/systemd/system/kubelet.service.d', '             └─10-kubeadm.conf');
  if (state === 'active') {
    const pid = 1000 + stableNumber(`${node}/${key}/${since}`, 30000);
    lines.push(`     Active: active (running) since ${systemdTime(since)}; ${ago(now - since)}`);
    lines.push(`       Docs: ${u.docs}`);
    lines.push(`   Main PID: ${pid} (${key === 'docker' ? 'dockerd' : key})`);
    lines.push(`      Tasks: ${20 + stableNumber(node + key, 40)}`);
    lines.push(`     CGroup: /system.slice/${u.unit}`);
    lines.push(`             └─${pid} ${u.exec}`);
    return { text: lines.join('\n') + '\n', exitCode: 0 };
  }
  lines.push(`     Active: inactive (dead) since ${systemdTime(since)}; ${ago(now - since)}`);
  lines.push(`       Docs: ${u.docs}`);
  lines.push('');
  lines.push(`${journalTime(since)} ${node} systemd[1]: Stopping ${u.description}...`);
  lines.push(`${journalTime(since)} ${node} systemd[1]: ${u.unit}: Deactivated successfully.`);
  lines.push(`${journalTime(since)} ${node} systemd[1]: Stopped ${u.description}.`);
  return { text: lines.join('\n') + '\n', exitCode: 3 };
}

/** What the kubelet's journal would show, from the node's state as the API and NodeOps see it. */
export interface JournalFacts {
  node: string;
  now: number;
  kubelet: ServiceState;
  runtime: ServiceState;
  /** When kubelet last changed state (stopped or started), when known. */
  kubeletSince: number;
  nodeObject: KubeObject | undefined;
  /** An apiserver address the kubelet talks to, for error lines. */
  apiserver: string;
}

/**
 * `journalctl -u kubelet`: a plausible tail of the kubelet's log. It says what a person diagnosing the node
 * would look for: the stop, a runtime that cannot be reached, node-status updates that fail because the
 * network is cut, the eviction manager under pressure.
 */
export function kubeletJournal(f: JournalFacts): string[] {
  const pid = 1000 + stableNumber(`${f.node}/kubelet/${f.kubeletSince}`, 30000);
  const line = (at: number, text: string): string => `${journalTime(at)} ${f.node} kubelet[${pid}]: ${text}`;
  const sys = (at: number, text: string): string => `${journalTime(at)} ${f.node} systemd[1]: ${text}`;
  const out: string[] = [];
  const every = (start: number, stepMs: number, make: (at: number) => string[]): void => {
    const first = Math.max(start, f.now - 12 * stepMs);
    for (let at = first + ((f.now - first) % stepMs); at <= f.now; at += stepMs) out.push(...make(at));
  };
  const started = f.kubeletSince;
  if (f.kubelet !== 'active') {
    const before = started - 10_000;
    out.push(
      line(
        before - 10_000,
        `I${klogTime(before - 10_000)}    ${pid} kubelet_node_status.go:486] "Fast updating node status as it just became ready"`,
      ),
    );
    out.push(line(before, `I${klogTime(before)}    ${pid} kubelet.go:2468] "SyncLoop (housekeeping)"`));
    out.push(sys(started, 'Stopping kubelet: The Kubernetes Node Agent...'));
    out.push(sys(started, 'kubelet.service: Deactivated successfully.'));
    out.push(sys(started, 'Stopped kubelet: The Kubernetes Node Agent.'));
    return out;
  }
  out.push(sys(started, 'Started kubelet: The Kubernetes Node Agent.'));
  out.push(
    line(
      started,
      `I${klogTime(started)}    ${pid} server.go:487] "Kubelet version" kubeletVersion="${KUBERNETES_VERSION}"`,
    ),
  );
  out.push(
    line(
      started,
      `I${klogTime(started)}    ${pid} kubelet_node_status.go:76] "Attempting to register node" node="${f.node}"`,
    ),
  );
  const ready = f.nodeObject ? conditionOf(f.nodeObject, 'Ready') : undefined;
  const memory = f.nodeObject ? conditionOf(f.nodeObject, 'MemoryPressure')?.status === 'True' : false;
  const disk = f.nodeObject ? conditionOf(f.nodeObject, 'DiskPressure')?.status === 'True' : false;
  if (f.runtime !== 'active') {
    every(started, 5_000, (at) => [
      line(
        at,
        `E${klogTime(at)}    ${pid} remote_runtime.go:294] "ListPodSandbox with filter from runtime service failed" err="rpc error: code = Unavailable desc = connection error: desc = \\"transport: Error while dialing dial unix /var/run/dockershim.sock: connect: connection refused\\""`,
      ),
      line(
        at,
        `E${klogTime(at)}    ${pid} kubelet.go:2373] "Container runtime not ready" runtimeReady="RuntimeReady=false reason:DockerDaemonNotReady message:docker: failed to get docker version: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?"`,
      ),
    ]);
  } else if (ready && ready.status === 'Unknown') {
    // kubelet runs but the control plane has not heard from it: it cannot reach the apiserver.
    every(started, 10_000, (at) => [
      line(
        at,
        `E${klogTime(at)}    ${pid} kubelet_node_status.go:549] "Error updating node status, will retry" err="error getting node \\"${f.node}\\": Get \\"https://${f.apiserver}:6443/api/v1/nodes/${f.node}?timeout=10s\\": dial tcp ${f.apiserver}:6443: connect: no route to host"`,
      ),
      line(
        at,
        `E${klogTime(at)}    ${pid} controller.go:145] "Failed to ensure lease exists, will retry" err="Get \\"https://${f.apiserver}:6443/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${f.node}?timeout=10s\\": dial tcp ${f.apiserver}:6443: connect: no route to host" interval="7s"`,
      ),
    ]);
  } else {
    every(started, 10_000, (at) => {
      const lines: string[] = [];
      if (memory) {
        lines.push(
          line(
            at,
            `W${klogTime(at)}    ${pid} eviction_manager.go:366] "Eviction manager: attempting to reclaim" resourceName="memory"`,
          ),
        );
        lines.push(
          line(
            at,
            `I${klogTime(at)}    ${pid} eviction_manager.go:377] "Eviction manager: must evict pod(s) to reclaim" resourceName="memory"`,
          ),
        );
      }
      if (disk) {
        lines.push(
          line(
            at,
            `W${klogTime(at)}    ${pid} eviction_manager.go:366] "Eviction manager: attempting to reclaim" resourceName="ephemeral-storage"`,
          ),
        );
        lines.push(
          line(
            at,
            `I${klogTime(at)}    ${pid} image_gc_manager.go:308] "Disk usage on image filesystem is over the high threshold, trying to free bytes down to the low threshold" usage=94 highThreshold=85`,
          ),
        );
      }
      if (!memory && !disk)
        lines.push(line(at, `I${klogTime(at)}    ${pid} kubelet.go:2468] "SyncLoop (housekeeping)"`));
      return lines;
    });
  }
  return out;
}

/** `free -m`, from the node's memory capacity, its pods' requests and the MemoryPressure condition. */
export function freeM(nodeObject: KubeObject | undefined, pods: KubeObject[]): string {
  const totalBytes = tryParseQuantity(nodeObject?.status?.capacity?.memory as string | undefined) ?? 8 * 2 ** 30;
  const requested = pods.reduce((sum, p) => sum + podMemoryRequest(p), 0);
  const pressure = nodeObject ? conditionOf(nodeObject, 'MemoryPressure')?.status === 'True' : false;
  const total = Math.floor(totalBytes / 2 ** 20);
  // Without pressure: the system's own share plus what pods asked for. Under pressure: nearly everything.
  const used = pressure
    ? Math.floor(total * 0.97)
    : Math.min(Math.floor(total * 0.9), Math.floor(total * 0.08 + requested / 2 ** 20));
  const cache = Math.floor((total - used) * (pressure ? 0.3 : 0.25));
  const free = total - used - cache;
  const available = free + Math.floor(cache * 0.8);
  const shared = Math.floor(total * 0.002);
  const row = (label: string, cols: number[]): string =>
    label.padEnd(7) + cols.map((c) => String(c).padStart(12)).join('');
  return (
    [
      '               total        used        free      shared  buff/cache   available',
      row('Mem:', [total, used, free, shared, cache, available]),
      row('Swap:', [0, 0, 0]),
    ].join('\n') + '\n'
  );
}

function podMemoryRequest(p: KubeObject): number {
  const phase = p.status?.phase as string | undefined;
  if (phase === 'Succeeded' || phase === 'Failed') return 0;
  const containers = (p.spec?.containers ?? []) as { resources?: { requests?: Record<string, string> } }[];
  return containers.reduce((s, c) => s + (tryParseQuantity(c.resources?.requests?.['memory']) ?? 0), 0);
}

/** `df -h`, from the node's ephemeral-storage capacity and the DiskPressure condition. */
export function dfH(nodeObject: KubeObject | undefined, memoryBytes?: number): string {
  const disk =
    tryParseQuantity(nodeObject?.status?.capacity?.['ephemeral-storage'] as string | undefined) ?? 100 * 2 ** 30;
  const pressure = nodeObject ? conditionOf(nodeObject, 'DiskPressure')?.status === 'True' : false;
  const mem =
    memoryBytes ?? tryParseQuantity(nodeObject?.status?.capacity?.memory as string | undefined) ?? 8 * 2 ** 30;
  const usedPct = pressure ? 94 : 37;
  const used = Math.floor((disk * usedPct) / 100);
  const rows: [string, number, number, string][] = [
    ['udev', mem / 2, 0, '/dev'],
    ['tmpfs', mem / 10, mem / 10 / 500, '/run'],
    ['/dev/vda1', disk, used, '/'],
    ['tmpfs', mem / 2, 0, '/dev/shm'],
    ['/dev/vda15', 105 * 2 ** 20, 6 * 2 ** 20, '/boot/efi'],
  ];
  const lines = ['Filesystem      Size  Used Avail Use% Mounted on'];
  for (const [fs, size, u, mount] of rows) {
    const pct = size > 0 ? Math.ceil((u / size) * 100) : 0;
    lines.push(
      `${fs.padEnd(15)} ${human(size).padStart(4)} ${human(u).padStart(5)} ${human(size - u).padStart(5)} ${`${pct}%`.padStart(4)} ${mount}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** coreutils' -h: 1024-based, one decimal below 10, suffix K/M/G/T. */
export function human(bytes: number): string {
  if (bytes < 1024) return String(Math.round(bytes));
  const units = ['K', 'M', 'G', 'T', 'P'];
  let v = bytes;
  let i = -1;
  do {
    v /= 1024;
    i++;
  } while (v >= 1024 && i < units.length - 1);
  return (v < 10 ? (Math.ceil(v * 10) / 10).toFixed(1) : String(Math.ceil(v))) + units[i];
}

/** One container as the runtime lists it. */
export interface ContainerRow {
  id: string;
  image: string;
  name: string;
  pod: string;
  namespace: string;
  podUid: string;
  attempt: number;
  state: 'running' | 'exited' | 'created';
  since: number;
}

/** The containers the API says run on the node (and, with `all`, those that exited). */
export function containersOf(pods: KubeObject[], all: boolean): ContainerRow[] {
  const rows: ContainerRow[] = [];
  for (const p of pods) {
    const statuses = (p.status?.containerStatuses ?? []) as {
      name: string;
      image?: string;
      containerID?: string;
      restartCount?: number;
      state?: { running?: { startedAt?: string }; terminated?: { finishedAt?: string }; waiting?: unknown };
    }[];
    for (const s of statuses) {
      const running = s.state?.running;
      const terminated = s.state?.terminated;
      if (!running && !(all && terminated)) continue;
      const since = Date.parse(running?.startedAt ?? terminated?.finishedAt ?? p.metadata.creationTimestamp ?? '') || 0;
      rows.push({
        id:
          (s.containerID ?? '').replace(/^[a-z]+:\/\//, '') ||
          stableHex(`${p.metadata.uid ?? p.metadata.name}/${s.name}`, 64),
        image: s.image ?? '',
        name: s.name,
        pod: p.metadata.name,
        namespace: p.metadata.namespace ?? 'default',
        podUid: p.metadata.uid ?? stableHex(p.metadata.name, 32),
        attempt: s.restartCount ?? 0,
        state: running ? 'running' : 'exited',
        since,
      });
    }
  }
  return rows;
}

/** `docker ps`: dockershim names containers k8s_<container>_<pod>_<namespace>_<uid>_<attempt>. */
export function dockerPs(rows: ContainerRow[], now: number): string {
  const header = ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'];
  const table = rows.map((r) => [
    r.id.slice(0, 12),
    r.image,
    '"/entrypoint.sh"',
    `${agoWords(now - r.since)} ago`,
    r.state === 'running' ? `Up ${agoWords(now - r.since)}` : `Exited (0) ${agoWords(now - r.since)} ago`,
    '',
    `k8s_${r.name}_${r.pod}_${r.namespace}_${r.podUid}_${r.attempt}`,
  ]);
  return columns([header, ...table], 3);
}

/** `crictl ps`. */
export function crictlPs(rows: ContainerRow[], now: number): string {
  const header = ['CONTAINER', 'IMAGE', 'CREATED', 'STATE', 'NAME', 'ATTEMPT', 'POD ID', 'POD'];
  const table = rows.map((r) => [
    r.id.slice(0, 13),
    r.image,
    `${agoWords(now - r.since)} ago`,
    r.state === 'running' ? 'Running' : 'Exited',
    r.name,
    String(r.attempt),
    stableHex(r.podUid, 13),
    r.pod,
  ]);
  return columns([header, ...table], 3);
}

/** docker's "About a minute", "5 minutes", "2 hours". */
export function agoWords(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${Math.max(1, s)} seconds`;
  const m = Math.floor(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.floor(m / 60);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  return `${Math.floor(h / 24)} days`;
}

/** Left-aligned columns separated by `gap` spaces, as docker and crictl print them. */
export function columns(rows: string[][], gap: number): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return (
    rows
      .map((r) =>
        r
          .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + gap)))
          .join('')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

/** `uptime`: load average from the node's state (a NotReady node that still runs is often overloaded). */
export function uptimeLine(now: number, bootedAt: number, cpus: number, loaded: boolean): string {
  const up = Math.max(0, now - bootedAt);
  const mins = Math.floor(up / 60_000);
  const days = Math.floor(mins / 1440);
  const hm = `${Math.floor((mins % 1440) / 60)}:${pad(mins % 60)}`;
  const upText = days > 0 ? `${days} day${days > 1 ? 's' : ''}, ${hm}` : mins < 60 ? `${mins} min` : hm;
  const base = loaded ? cpus * 12 : cpus * 0.15;
  const load = [base, base * 0.9, base * 0.8].map((l) => l.toFixed(2)).join(', ');
  return ` ${clockTime(now)} up ${upText},  1 user,  load average: ${load}\n`;
}
