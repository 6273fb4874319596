import type { KubeObject } from '../../kube/objects.js';
import type { Rejection } from '../../kube/node-filters.js';
import { labelSelectorMatches } from '../store/selectors.js';
import { bytes, cpuMillis } from './quantity.js';
import { hostPorts, type Resources } from './pods.js';

// The node-only filters live with the Kubernetes types: a fault asks them too.
export {
  effectiveTaints,
  nodeAffinity,
  nodeAffinityMatches,
  nodeMatchesTerm,
  nodeUnschedulable,
  REASON_NODE_AFFINITY,
  REASON_UNSCHEDULABLE,
  taintToleration,
  untoleratedTaint,
  type Rejection,
} from '../../kube/node-filters.js';

/**
 * kube-scheduler's filter plugins, in the order the default profile runs them; a node fails on the first
 * plugin that rejects it, with that plugin's reasons (worded as in pkg/scheduler/framework/plugins).
 */

export const REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";
export const REASON_POD_AFFINITY = "node(s) didn't match pod affinity rules";
export const REASON_POD_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";

export interface NodeUsage extends Resources {
  pods: number;
  /** Requests with the scheduler's non-zero defaults (100m, 200Mi) for scoring. */
  cpuNonZero: number;
  memoryNonZero: number;
  ports: { port: number; protocol: string; hostIP: string }[];
  /** Pods per controller uid, for spreading a workload's replicas. */
  owners: Map<string, number>;
}

export interface Allocatable extends Resources {
  pods: number;
}

export function allocatable(node: KubeObject): Allocatable {
  const a = (node.status?.allocatable ?? node.status?.capacity ?? {}) as Record<string, string>;
  return {
    cpu: cpuMillis(a.cpu),
    memory: bytes(a.memory),
    ephemeralStorage: a['ephemeral-storage'] === undefined ? Number.MAX_SAFE_INTEGER : bytes(a['ephemeral-storage']),
    pods: a.pods === undefined ? 110 : Number(a.pods),
  };
}

export function nodePorts(pod: KubeObject, usage: NodeUsage): Rejection | undefined {
  for (const want of hostPorts(pod)) {
    const clash = usage.ports.some(
      (p) =>
        p.port === want.port &&
        p.protocol === want.protocol &&
        (p.hostIP === want.hostIP || p.hostIP === '0.0.0.0' || want.hostIP === '0.0.0.0'),
    );
    if (clash) return { reasons: [REASON_PORTS], resolvable: true };
  }
  return undefined;
}

export function resourcesFit(req: Resources, usage: NodeUsage, alloc: Allocatable): Rejection | undefined {
  // Most nodes fit: decide that without building the list of reasons (this runs for every node tried).
  if (
    usage.pods + 1 <= alloc.pods &&
    !(req.cpu > 0 && req.cpu > alloc.cpu - usage.cpu) &&
    !(req.memory > 0 && req.memory > alloc.memory - usage.memory) &&
    !(req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - usage.ephemeralStorage)
  ) {
    return undefined;
  }
  const reasons: string[] = [];
  if (usage.pods + 1 > alloc.pods) reasons.push('Too many pods');
  if (req.cpu > 0 && req.cpu > alloc.cpu - usage.cpu) reasons.push('Insufficient cpu');
  if (req.memory > 0 && req.memory > alloc.memory - usage.memory) reasons.push('Insufficient memory');
  if (req.ephemeralStorage > 0 && req.ephemeralStorage > alloc.ephemeralStorage - usage.ephemeralStorage) {
    reasons.push('Insufficient ephemeral-storage');
  }
  return reasons.length ? { reasons, resolvable: true } : undefined;
}

export interface AffinityTerm {
  labelSelector?: Parameters<typeof labelSelectorMatches>[0];
  namespaces?: string[];
  namespaceSelector?: Record<string, unknown>;
  topologyKey: string;
}

export function requiredAntiAffinityTerms(pod: KubeObject): AffinityTerm[] {
  return (pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) as AffinityTerm[];
}

export function requiredAffinityTerms(pod: KubeObject): AffinityTerm[] {
  return (pod.spec?.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) as AffinityTerm[];
}

/** Whether `term`, written in a pod of namespace `ownerNs`, selects `pod`. */
export function termSelects(term: AffinityTerm, ownerNs: string | undefined, pod: KubeObject): boolean {
  const allNamespaces = term.namespaceSelector !== undefined && Object.keys(term.namespaceSelector).length === 0;
  const namespaces = term.namespaces?.length ? term.namespaces : [ownerNs ?? 'default'];
  if (!allNamespaces && !namespaces.includes(pod.metadata.namespace ?? 'default')) return false;
  return labelSelectorMatches(term.labelSelector, pod.metadata.labels);
}

export function topologyValue(node: KubeObject | undefined, key: string): string | undefined {
  if (!node) return undefined;
  const v = node.metadata.labels?.[key];
  if (v === undefined && key === 'kubernetes.io/hostname') return node.metadata.name;
  return v;
}
