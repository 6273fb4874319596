import type { KubeObject, Taint, Toleration } from '../../kube/objects.js';
import { conditionOf } from '../../kube/objects.js';
import { labelSelectorMatches } from '../store/selectors.js';
import { bytes, cpuMillis } from './quantity.js';
import { tolerates } from '../../kube/objects.js';
import { hostPorts, type Resources } from './pods.js';

/**
 * kube-scheduler's filter plugins, in the order the default profile runs them; a node fails on the first
 * plugin that rejects it, with that plugin's reasons (worded as in pkg/scheduler/framework/plugins).
 */

export const REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
export const REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
export const REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";
export const REASON_POD_AFFINITY = "node(s) didn't match pod affinity rules";
export const REASON_POD_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";
export const REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
export const untoleratedTaint = (t: Taint): string => `node(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`;

/** A node rejected the pod. `resolvable` false is UnschedulableAndUnresolvable: preemption cannot help. */
export interface Rejection {
  reasons: string[];
  resolvable: boolean;
}

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

/**
 * The node's taints, plus the not-ready/unreachable NoSchedule taint a NotReady node carries in Kubernetes
 * (kubelet registers with it; node-lifecycle keeps it while the node is not Ready) when the node-lifecycle
 * controller has not put it there yet.
 */
export function effectiveTaints(node: KubeObject): Taint[] {
  const taints = [...((node.spec?.taints ?? []) as Taint[])];
  const ready = conditionOf(node, 'Ready')?.status;
  if (ready !== 'True') {
    const key = ready === 'Unknown' ? 'node.kubernetes.io/unreachable' : 'node.kubernetes.io/not-ready';
    if (!taints.some((t) => t.key === key && t.effect === 'NoSchedule')) taints.push({ key, effect: 'NoSchedule' });
  }
  return taints;
}

export function nodeUnschedulable(pod: KubeObject, node: KubeObject): Rejection | undefined {
  if (!node.spec?.unschedulable) return undefined;
  if (
    tolerates(pod.spec?.tolerations as Toleration[] | undefined, {
      key: 'node.kubernetes.io/unschedulable',
      effect: 'NoSchedule',
    })
  ) {
    return undefined;
  }
  return { reasons: [REASON_UNSCHEDULABLE], resolvable: false };
}

export function taintToleration(pod: KubeObject, node: KubeObject): Rejection | undefined {
  const tolerations = pod.spec?.tolerations as Toleration[] | undefined;
  for (const t of effectiveTaints(node)) {
    if (t.effect !== 'NoSchedule' && t.effect !== 'NoExecute') continue;
    if (!tolerates(tolerations, t)) return { reasons: [untoleratedTaint(t)], resolvable: false };
  }
  return undefined;
}

interface SelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

function matchRequirement(value: string | undefined, r: SelectorRequirement): boolean {
  const vals = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && vals.includes(value);
    case 'NotIn':
      return value === undefined || !vals.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return value !== undefined && Number(value) > Number(vals[0]);
    case 'Lt':
      return value !== undefined && Number(value) < Number(vals[0]);
    default:
      return false;
  }
}

export function nodeMatchesTerm(
  node: KubeObject,
  term: { matchExpressions?: SelectorRequirement[]; matchFields?: SelectorRequirement[] },
): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  for (const e of exprs) if (!matchRequirement(labels[e.key], e)) return false;
  for (const f of fields)
    if (!matchRequirement(f.key === 'metadata.name' ? node.metadata.name : undefined, f)) return false;
  return true;
}

/** nodeSelector and requiredDuringSchedulingIgnoredDuringExecution node affinity. */
export function nodeAffinityMatches(pod: KubeObject, node: KubeObject): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries((pod.spec?.nodeSelector ?? {}) as Record<string, string>))
    if (labels[k] !== v) return false;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const terms = (required?.nodeSelectorTerms ?? []) as any[];
  if (required && !terms.some((t) => nodeMatchesTerm(node, t))) return false;
  return true;
}

export function nodeAffinity(pod: KubeObject, node: KubeObject): Rejection | undefined {
  return nodeAffinityMatches(pod, node) ? undefined : { reasons: [REASON_NODE_AFFINITY], resolvable: false };
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
