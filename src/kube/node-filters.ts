import type { KubeObject, Taint, Toleration } from './objects.js';
import { conditionOf, tolerates } from './objects.js';

/**
 * kube-scheduler's node filters that need only the pod and the node (pkg/scheduler/framework/plugins:
 * NodeUnschedulable, TaintToleration, NodeAffinity), worded as it words them: the simulator's scheduler runs
 * them, and a fault asks them which nodes a workload's pods could be scheduled on.
 */

export const REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
export const REASON_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
export const untoleratedTaint = (t: Taint): string => `node(s) had untolerated taint {${t.key}: ${t.value ?? ''}}`;

/** A node rejected the pod. `resolvable` false is UnschedulableAndUnresolvable: preemption cannot help. */
export interface Rejection {
  reasons: string[];
  resolvable: boolean;
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
