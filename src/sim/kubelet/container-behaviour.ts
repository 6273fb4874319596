import type { KubeObject } from '../../kube/objects.js';
import { bytes, tryParseQuantity } from '../controllers/quantity.js';

/**
 * How a simulated container behaves, read from the pod: annotations on the pod (from its template) or
 * environment variables on the container. This is how topologies and faults make workloads misbehave:
 *
 * | annotation                         | env                | effect                                           |
 * |------------------------------------|--------------------|--------------------------------------------------|
 * | sim.gameday.io/crash: "true"       | SIM_CRASH=true     | exits with code 1 shortly after starting         |
 * | sim.gameday.io/memory-usage: 1Gi   | SIM_MEMORY_USAGE   | working set; above limits.memory => OOMKilled    |
 * | sim.gameday.io/liveness: fail      | SIM_LIVENESS=fail  | killed after failureThreshold x periodSeconds    |
 * | sim.gameday.io/readiness: fail     | SIM_READINESS=fail | Running but never Ready                          |
 * | sim.gameday.io/disk-usage: 5Gi     | SIM_DISK_USAGE     | ephemeral storage used (disk-pressure eviction)  |
 * | sim.gameday.io/crash-message: ...  | SIM_CRASH_MESSAGE  | the last log line of a crashing container        |
 *
 * A command or args containing `exit 1` (any non-zero exit) crash as well, and an exec probe whose command
 * does fails (what gameday's crash-container writes on a real cluster, which is what the kubelet of a proving
 * ground's simulated API sees). An annotation may be scoped to one container: `sim.gameday.io/crash.<container>`.
 */
export const ANNOTATION_PREFIX = 'sim.gameday.io/';

export interface ContainerSpec {
  name: string;
  image?: string;
  imagePullPolicy?: string;
  command?: string[];
  args?: string[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: Record<string, { name?: string; key?: string; optional?: boolean }>;
  }[];
  envFrom?: { configMapRef?: { name: string; optional?: boolean }; secretRef?: { name: string; optional?: boolean } }[];
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  livenessProbe?: ProbeSpec;
  readinessProbe?: ProbeSpec;
  ports?: { containerPort?: number; hostPort?: number }[];
}

export interface ProbeSpec {
  initialDelaySeconds?: number;
  periodSeconds?: number;
  failureThreshold?: number;
  httpGet?: { path?: string; port?: number | string };
  tcpSocket?: { port?: number | string };
  exec?: { command?: string[] };
}

export interface Behaviour {
  crash: boolean;
  /** The crash comes from sim.gameday.io/crash or SIM_CRASH, not from the command line. */
  crashSetting: boolean;
  crashMessage: string;
  exitCode: number;
  /** Working-set bytes, when given. */
  memoryUsage: number | undefined;
  /** limits.memory in bytes, when set. */
  memoryLimit: number | undefined;
  oom: boolean;
  livenessFails: boolean;
  readinessFails: boolean;
  diskUsage: number;
}

function setting(pod: KubeObject, c: ContainerSpec, key: string, env: string): string | undefined {
  const ann = pod.metadata.annotations ?? {};
  const scoped = ann[`${ANNOTATION_PREFIX}${key}.${c.name}`];
  if (scoped !== undefined) return scoped;
  const fromEnv = c.env?.find((e) => e.name === env)?.value;
  if (fromEnv !== undefined) return fromEnv;
  return ann[`${ANNOTATION_PREFIX}${key}`];
}

const EXIT = /\bexit\s+([1-9]\d*)\b/;

/** An exec probe whose command line exits non-zero fails every time. */
function probeExits(probe: ProbeSpec | undefined): boolean {
  return EXIT.test((probe?.exec?.command ?? []).join(' '));
}

export function behaviourOf(pod: KubeObject, c: ContainerSpec): Behaviour {
  const crashSetting = setting(pod, c, 'crash', 'SIM_CRASH');
  const commandLine = [...(c.command ?? []), ...(c.args ?? [])].join(' ');
  const exit = EXIT.exec(commandLine);
  const crash = crashSetting === 'true' || exit !== null;
  const memoryUsage = tryParseQuantity(setting(pod, c, 'memory-usage', 'SIM_MEMORY_USAGE'));
  const limit = c.resources?.limits?.memory;
  const memoryLimit = limit === undefined ? undefined : bytes(limit);
  return {
    crash,
    crashSetting: crashSetting === 'true',
    crashMessage:
      setting(pod, c, 'crash-message', 'SIM_CRASH_MESSAGE') ??
      'Error: failed to start application: connection refused (exit status 1)',
    exitCode: exit ? Number(exit[1]) : 1,
    memoryUsage,
    memoryLimit,
    oom: memoryUsage !== undefined && memoryLimit !== undefined && memoryUsage > memoryLimit,
    livenessFails: setting(pod, c, 'liveness', 'SIM_LIVENESS') === 'fail' || probeExits(c.livenessProbe),
    readinessFails: setting(pod, c, 'readiness', 'SIM_READINESS') === 'fail' || probeExits(c.readinessProbe),
    diskUsage: bytes(setting(pod, c, 'disk-usage', 'SIM_DISK_USAGE')),
  };
}

/** The repository part of an image reference, as docker names it in pull errors. */
export function imageRepository(image: string): string {
  const at = image.indexOf('@');
  const noDigest = at >= 0 ? image.slice(0, at) : image;
  const slash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > slash ? noDigest.slice(0, colon) : noDigest;
}

/** kubectl's QoS class: BestEffort, Burstable or Guaranteed. */
export function qosClass(pod: KubeObject): 'BestEffort' | 'Burstable' | 'Guaranteed' {
  const containers = (pod.spec?.containers ?? []) as ContainerSpec[];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ['cpu', 'memory']) {
      const l = lim[r];
      const q = req[r] ?? l;
      if (q !== undefined || l !== undefined) any = true;
      if (l === undefined || tryParseQuantity(q) !== tryParseQuantity(l)) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
