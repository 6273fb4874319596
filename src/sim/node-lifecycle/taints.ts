import type { KubeObject, Taint } from '../../kube/objects.js';

export const UNREACHABLE = 'node.kubernetes.io/unreachable';
export const NOT_READY = 'node.kubernetes.io/not-ready';
export const MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';
export const UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

/** NoSchedule taints the node controller manages from conditions (TaintNodesByCondition). */
export const CONDITION_TAINTS = [
  NOT_READY,
  UNREACHABLE,
  MEMORY_PRESSURE,
  DISK_PRESSURE,
  PID_PRESSURE,
  NETWORK_UNAVAILABLE,
  UNSCHEDULABLE,
];

export function taintsOf(node: KubeObject): Taint[] {
  return ((node.spec?.taints ?? []) as Taint[]).slice();
}

export function noExecuteTaints(node: KubeObject | undefined): Taint[] {
  return node ? taintsOf(node).filter((t) => t.effect === 'NoExecute') : [];
}

export function hasTaint(node: KubeObject, key: string, effect: Taint['effect']): boolean {
  return taintsOf(node).some((t) => t.key === key && t.effect === effect);
}
