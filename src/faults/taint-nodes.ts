import type { Fault, PluginContext } from '../kit/plugin.js';
import { resolveNodes, type NodeSelector, type WorkloadSelector } from '../kit/selectors.js';
import type { KubeObject, Taint } from '../kube/objects.js';
import { nodeAffinity, nodeUnschedulable, taintToleration } from '../kube/node-filters.js';
import { nodesInWords, workloadInWords } from '../kit/describe.js';
import { eachNode } from '../kit/node-fault.js';
import { isFinished, nodeOf } from '../kit/pods.js';
import { nodesParam, paramsSchema, workloadParam } from '../kit/schema.js';
import { planWorkload, workloadPlan } from '../kit/workload-fault.js';
import { podsOf } from '../kit/workloads.js';

export interface TaintNodesParams {
  workload: WorkloadSelector;
  nodes?: NodeSelector;
  key?: string;
  value?: string;
  effect?: 'NoSchedule' | 'NoExecute';
}

export const DEFAULT_TAINT_KEY = 'gameday.io/drill';
const DEFAULT_VALUE = 'unschedulable';

interface TaintData {
  key: string;
  value: string;
  effect: 'NoSchedule' | 'NoExecute';
}

function same(a: Taint, b: TaintData): boolean {
  return a.key === b.key && a.effect === b.effect;
}

/**
 * Make the node's taint with `t`'s key and effect be exactly `want` (absent when undefined). A merge patch
 * replaces the list whole, so the other taints are sent back as they are; null removes the field when no
 * taint is left.
 */
async function setTaint(ctx: PluginContext, node: string, t: TaintData, want: Taint | undefined): Promise<void> {
  const obj = await ctx.kube.get('nodes', node);
  if (!obj) return;
  const taints = (obj.spec?.taints ?? []) as Taint[];
  const has = taints.find((x) => same(x, t));
  if (has === undefined && want === undefined) return;
  if (has !== undefined && want !== undefined && (has.value ?? '') === (want.value ?? '')) return;
  const next = [...taints.filter((x) => !same(x, t)), ...(want ? [want] : [])];
  await ctx.kube.patch('nodes', node, { spec: { taints: next.length > 0 ? next : null } }, { type: 'merge' });
}

/** The taint with `t`'s key and effect each node carried before the fault, or null: what revert puts back. */
async function taintsBefore(ctx: PluginContext, nodes: string[], t: TaintData): Promise<Record<string, Taint | null>> {
  const out: Record<string, Taint | null> = {};
  for (const n of nodes) {
    const obj = await ctx.kube.get('nodes', n);
    out[n] = ((obj?.spec?.taints ?? []) as Taint[]).find((x) => same(x, t)) ?? null;
  }
  return out;
}

/** D11 "pods cannot restart": the nodes a workload runs on or could run on get a taint its pods do not tolerate. */
export const taintNodes: Fault<TaintNodesParams> = {
  name: 'taint-nodes',
  summary:
    'Taint the nodes a workload runs on or could be scheduled on, so its pods are evicted and cannot be scheduled back (D11); revert removes the taint from the nodes that did not have it before, and puts back a taint that was there.',
  params: paramsSchema(
    {
      workload: workloadParam('The workload whose pods must not be able to run.'),
      nodes: nodesParam(
        "The nodes to taint. Default: the nodes the workload's pods run on now and every other node the scheduler could put one on (its node selector and affinity match, not cordoned, its taints tolerated), so that evicted pods cannot be scheduled anywhere.",
      ),
      key: { type: 'string', minLength: 1, description: `Taint key. Default "${DEFAULT_TAINT_KEY}".` },
      value: { type: 'string', description: `Taint value. Default "${DEFAULT_VALUE}".` },
      effect: {
        enum: ['NoSchedule', 'NoExecute'],
        description: 'NoExecute (default) also evicts the pods running there; NoSchedule only keeps new ones off.',
      },
    },
    ['workload'],
  ),
  async plan(ctx, p) {
    const { ref, obj } = await planWorkload(ctx, p.workload, 'taint-nodes');
    let nodes: string[];
    if (p.nodes) nodes = await resolveNodes(ctx, p.nodes);
    else {
      const { items } = await ctx.kube.list('pods', { namespace: ref.namespace });
      const running = podsOf(obj, items)
        .filter((x) => !isFinished(x))
        .flatMap((x) => nodeOf(x) ?? []);
      // And every node a new pod could be scheduled on: with a worker to spare, evicted pods land there
      // and the drill's "cannot be scheduled back" never happens (on the proving ground, 2 pods on 3 workers).
      const pod = { metadata: { name: '' }, spec: obj.spec?.template?.spec ?? {} } as KubeObject;
      const { items: all } = await ctx.kube.list('nodes');
      const could = all
        .filter((n) => !nodeUnschedulable(pod, n) && !taintToleration(pod, n) && !nodeAffinity(pod, n))
        .map((n) => n.metadata.name);
      nodes = [...new Set([...running, ...could])].sort();
    }
    const taint: TaintData = {
      key: p.key ?? DEFAULT_TAINT_KEY,
      value: p.value ?? DEFAULT_VALUE,
      effect: p.effect ?? 'NoExecute',
    };
    return { ...workloadPlan(ref, { taint, before: await taintsBefore(ctx, nodes, taint) }), nodes };
  },
  async inject(ctx, _p, plan) {
    const t = plan.data?.['taint'] as TaintData;
    const taint: Taint = { key: t.key, value: t.value, effect: t.effect };
    await eachNode(plan.nodes ?? [], (n) => setTaint(ctx, n, t, taint));
  },
  async revert(ctx, _p, plan) {
    const t = plan.data?.['taint'] as TaintData;
    // A node that had this taint before the drill keeps it as it was (a master's own NoSchedule taint).
    const before = (plan.data?.['before'] ?? {}) as Record<string, Taint | null>;
    await eachNode(plan.nodes ?? [], (n) => setTaint(ctx, n, t, before[n] ?? undefined));
  },
  describe: (p) => {
    const t = `${p.key ?? DEFAULT_TAINT_KEY}=${p.value ?? DEFAULT_VALUE}:${p.effect ?? 'NoExecute'}`;
    const where = p.nodes ? nodesInWords(p.nodes) : `the nodes ${workloadInWords(p.workload)} runs on or could run on`;
    return `Taint ${where} with ${t} so the pods of ${workloadInWords(p.workload)} cannot run there: \`kubectl taint node <node> ${t}\`.`;
  },
};
