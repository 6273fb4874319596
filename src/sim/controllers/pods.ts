import type { KubeObject, OwnerReference } from '../../kube/objects.js';
import { conditionOf } from '../../kube/objects.js';
import { bytes, cpuMillis } from './quantity.js';

/** What the controllers need to know about pods, in one place, with Kubernetes' definitions. */

export interface Resources {
  cpu: number;
  memory: number;
  ephemeralStorage: number;
}

interface ContainerLike {
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  ports?: { containerPort?: number; hostPort?: number; protocol?: string; hostIP?: string }[];
}

function containerRequests(c: ContainerLike): Resources {
  const r = c.resources?.requests ?? {};
  const l = c.resources?.limits ?? {};
  // apiserver defaulting copies limits into missing requests; do the same for objects that skipped it.
  return {
    cpu: cpuMillis(r.cpu ?? l.cpu),
    memory: bytes(r.memory ?? l.memory),
    ephemeralStorage: bytes(r['ephemeral-storage'] ?? l['ephemeral-storage']),
  };
}

/** Effective requests: max(sum of containers, largest init container) plus overhead, as the scheduler computes. */
export function podRequests(pod: KubeObject): Resources {
  const spec = pod.spec ?? {};
  const sum: Resources = { cpu: 0, memory: 0, ephemeralStorage: 0 };
  for (const c of (spec.containers ?? []) as ContainerLike[]) {
    const r = containerRequests(c);
    sum.cpu += r.cpu;
    sum.memory += r.memory;
    sum.ephemeralStorage += r.ephemeralStorage;
  }
  for (const c of (spec.initContainers ?? []) as ContainerLike[]) {
    const r = containerRequests(c);
    sum.cpu = Math.max(sum.cpu, r.cpu);
    sum.memory = Math.max(sum.memory, r.memory);
    sum.ephemeralStorage = Math.max(sum.ephemeralStorage, r.ephemeralStorage);
  }
  const overhead = (spec.overhead ?? {}) as Record<string, string>;
  sum.cpu += cpuMillis(overhead.cpu);
  sum.memory += bytes(overhead.memory);
  return sum;
}

export function hostPorts(pod: KubeObject): { port: number; protocol: string; hostIP: string }[] {
  const out: { port: number; protocol: string; hostIP: string }[] = [];
  for (const c of (pod.spec?.containers ?? []) as ContainerLike[]) {
    for (const p of c.ports ?? []) {
      if (p.hostPort) out.push({ port: p.hostPort, protocol: p.protocol ?? 'TCP', hostIP: p.hostIP ?? '0.0.0.0' });
    }
  }
  return out;
}

export function isTerminal(pod: KubeObject): boolean {
  const phase = pod.status?.phase as string | undefined;
  return phase === 'Succeeded' || phase === 'Failed';
}

export function isTerminating(obj: KubeObject): boolean {
  return obj.metadata.deletionTimestamp !== undefined;
}

/** Counted by ReplicaSets: neither finished nor being deleted. */
export function isActive(pod: KubeObject): boolean {
  return !isTerminal(pod) && !isTerminating(pod);
}

export function isReady(pod: KubeObject): boolean {
  return conditionOf(pod, 'Ready')?.status === 'True';
}

export function isRunningAndReady(pod: KubeObject): boolean {
  return pod.status?.phase === 'Running' && isReady(pod);
}

/** Ready for at least minReadySeconds, at `now` (ms). */
export function isAvailable(pod: KubeObject, minReadySeconds: number, now: number): boolean {
  if (!isReady(pod)) return false;
  if (minReadySeconds <= 0) return true;
  const since = Date.parse(conditionOf(pod, 'Ready')?.lastTransitionTime ?? '');
  return Number.isNaN(since) || since + minReadySeconds * 1000 <= now;
}

/** Milliseconds until a Ready pod becomes available, or undefined when that does not apply. */
export function msUntilAvailable(pod: KubeObject, minReadySeconds: number, now: number): number | undefined {
  if (!isReady(pod) || minReadySeconds <= 0) return undefined;
  const since = Date.parse(conditionOf(pod, 'Ready')?.lastTransitionTime ?? '');
  if (Number.isNaN(since)) return undefined;
  const left = since + minReadySeconds * 1000 - now;
  return left > 0 ? left : undefined;
}

export function controllerOf(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function ownerRef(owner: KubeObject, kind: string, apiVersion: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

let lastMs = Number.NaN;
let lastText = '';

/** Seconds-precision RFC 3339; on the virtual clock many calls in a row share one instant, so the last is kept. */
export function rfc3339(ms: number): string {
  if (ms !== lastMs) {
    lastText = new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    lastMs = ms;
  }
  return lastText;
}

export function podKey(pod: KubeObject): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
}
