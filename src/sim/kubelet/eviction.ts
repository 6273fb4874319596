import type { KubeObject } from '../../kube/objects.js';
import { bytes } from '../controllers/quantity.js';
import { behaviourOf, qosClass, type ContainerSpec } from './container-behaviour.js';
import { isMirrorPod } from './static-pods.js';

/** Memory a pod's running containers use: the simulated working set, else its request. */
export function podMemoryUsage(pod: KubeObject): number {
  let sum = 0;
  for (const c of (pod.spec?.containers ?? []) as ContainerSpec[]) {
    sum += behaviourOf(pod, c).memoryUsage ?? bytes(c.resources?.requests?.memory ?? c.resources?.limits?.memory);
  }
  return sum;
}

export function podMemoryRequest(pod: KubeObject): number {
  let sum = 0;
  for (const c of (pod.spec?.containers ?? []) as ContainerSpec[])
    sum += bytes(c.resources?.requests?.memory ?? c.resources?.limits?.memory);
  return sum;
}

export function podDiskUsage(pod: KubeObject): number {
  let sum = 0;
  for (const c of (pod.spec?.containers ?? []) as ContainerSpec[]) sum += behaviourOf(pod, c).diskUsage;
  return sum;
}

const QOS_RANK = { BestEffort: 0, Burstable: 1, Guaranteed: 2 } as const;

function critical(pod: KubeObject): boolean {
  const pc = (pod.spec?.priorityClassName as string | undefined) ?? '';
  return isMirrorPod(pod) || pc === 'system-node-critical' || pc === 'system-cluster-critical';
}

/**
 * The kubelet's eviction order under memory pressure: BestEffort first, then Burstable, then Guaranteed;
 * within a class, the pod using most memory above its request first. Critical pods are never evicted.
 */
export function rankForMemoryEviction(pods: KubeObject[]): KubeObject[] {
  return pods
    .filter((p) => !critical(p))
    .sort((a, b) => {
      const q = QOS_RANK[qosClass(a)] - QOS_RANK[qosClass(b)];
      if (q !== 0) return q;
      return podMemoryUsage(b) - podMemoryRequest(b) - (podMemoryUsage(a) - podMemoryRequest(a));
    });
}

/** Under disk pressure: pods that use ephemeral storage, the largest first. */
export function rankForDiskEviction(pods: KubeObject[]): KubeObject[] {
  return pods.filter((p) => !critical(p) && podDiskUsage(p) > 0).sort((a, b) => podDiskUsage(b) - podDiskUsage(a));
}

function human(n: number): string {
  return `${Math.ceil(n / 1024)}Ki`;
}

/** The Evicted message, as the kubelet words it. */
export function evictionMessage(pod: KubeObject, resource: 'memory' | 'ephemeral-storage'): string {
  const c = ((pod.spec?.containers ?? []) as ContainerSpec[])[0];
  const usage = resource === 'memory' ? podMemoryUsage(pod) : podDiskUsage(pod);
  const req = resource === 'memory' ? podMemoryRequest(pod) : 0;
  return `The node was low on resource: ${resource}. Container ${c?.name ?? 'unknown'} was using ${human(usage)}, which exceeds its request of ${req === 0 ? '0' : human(req)}. `;
}
