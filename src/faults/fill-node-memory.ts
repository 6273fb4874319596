import type { Fault, FaultPlan, PluginContext } from '../kit/plugin.js';
import { resolveNodes, type NodeSelector } from '../kit/selectors.js';
import type { KubeObject, Taint } from '../kube/objects.js';
import { nodesInWords } from '../kit/describe.js';
import { CREATED_BY, GAMEDAY_NAMESPACE, createIfMissing, ensureNamespace } from '../kit/namespace.js';
import { isFinished, nodeOf, podRequest } from '../kit/pods.js';
import { memoryBytes } from '../kit/quantity.js';
import { nodesParam, paramsSchema, quantityParam } from '../kit/schema.js';
import { FALLBACK_PAUSE_IMAGE, pauseImageOf } from '../kit/pause-image.js';

export interface FillNodeMemoryParams {
  nodes?: NodeSelector;
  allNodes?: boolean;
  leave?: string;
  namespace?: string;
}

interface Ballast {
  name: string;
  node: string;
}

/** A node a plain pod could be scheduled on: not cordoned and without a taint that keeps it off. */
export function isSchedulable(node: KubeObject): boolean {
  if (node.spec?.unschedulable === true) return false;
  const taints = (node.spec?.taints ?? []) as Taint[];
  return !taints.some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
}

/** Allocatable memory minus what the pods bound to the node request: what the scheduler still sees free. */
export function freeMemory(node: KubeObject, pods: KubeObject[]): number {
  const allocatable = memoryBytes(node.status?.allocatable?.memory as string | undefined);
  const used = pods
    .filter((p) => nodeOf(p) === node.metadata.name && !isFinished(p))
    .reduce((n, p) => n + podRequest(p, 'memory', memoryBytes), 0);
  return allocatable - used;
}

function ballastName(node: string): string {
  return `gameday-ballast-${node.toLowerCase().replace(/[^a-z0-9.-]/g, '-')}`;
}

/**
 * D3: the scheduler sees no memory left. Ballast pods bound to each node request its free allocatable
 * memory, so a new pod goes Pending with "0/N nodes are available: ... Insufficient memory.".
 */
export const fillNodeMemory: Fault<FillNodeMemoryParams> = {
  name: 'fill-node-memory',
  summary:
    'Fill the allocatable memory of nodes with ballast pods so new pods stay Pending with Insufficient memory; revert deletes the ballast.',
  params: paramsSchema({
    nodes: nodesParam('The nodes to fill. Default: one worker picked with the run seed.'),
    allNodes: {
      type: 'boolean',
      description:
        'Fill every schedulable node (not cordoned, no NoSchedule/NoExecute taint), so no node fits a new pod. Overrides "nodes".',
    },
    leave: quantityParam('Memory to leave free on each node, e.g. "128Mi" so that small pods still fit. Default "0".'),
    namespace: {
      type: 'string',
      minLength: 1,
      description: `Namespace of the ballast pods (created if missing). Default "${GAMEDAY_NAMESPACE}".`,
    },
  }),
  async plan(ctx: PluginContext, p: FillNodeMemoryParams): Promise<FaultPlan> {
    let nodes: string[];
    if (p.allNodes) {
      const { items } = await ctx.kube.list('nodes');
      nodes = items
        .filter(isSchedulable)
        .map((n) => n.metadata.name)
        .sort();
    } else {
      nodes = await resolveNodes(ctx, p.nodes);
    }
    const namespace = p.namespace ?? GAMEDAY_NAMESPACE;
    // A ballast pod already there (another drill's) is neither made again nor deleted by this one's revert.
    const { items: existing } = await ctx.kube.list('pods', { namespace });
    const taken = new Set(existing.map((x) => x.metadata.name));
    const pods: Ballast[] = nodes.map((node) => ({ name: ballastName(node), node }));
    const foreign = pods.filter((b) => taken.has(b.name)).map((b) => b.name);
    return {
      nodes,
      data: { namespace, pods: pods.filter((b) => !taken.has(b.name)), ...(foreign.length ? { foreign } : {}) },
    };
  },
  async inject(ctx, p, plan) {
    const namespace = (plan.data?.['namespace'] as string | undefined) ?? GAMEDAY_NAMESPACE;
    const ballast = (plan.data?.['pods'] ?? []) as Ballast[];
    await ensureNamespace(ctx, namespace);
    // Sized now, not at plan time: pods may have come and gone since.
    const [{ items: nodes }, { items: pods }] = await Promise.all([ctx.kube.list('nodes'), ctx.kube.list('pods')]);
    const leave = memoryBytes(p.leave ?? '0');
    for (const b of ballast) {
      if (pods.some((x) => x.metadata.namespace === namespace && x.metadata.name === b.name)) continue;
      const node = nodes.find((n) => n.metadata.name === b.node);
      const free = node ? freeMemory(node, pods) - leave : 0;
      if (free <= 0) {
        ctx.note(`${b.node} has no allocatable memory left to fill`);
        continue;
      }
      await createIfMissing(ctx, 'pods', {
        metadata: { name: b.name, namespace, labels: { ...CREATED_BY, 'gameday.io/ballast': 'memory' } },
        spec: {
          nodeName: b.node,
          terminationGracePeriodSeconds: 0,
          containers: [
            {
              name: 'ballast',
              // The node's own pause image: it is there already, so the ballast never waits for a pull.
              image: pauseImageOf(node) ?? FALLBACK_PAUSE_IMAGE,
              resources: { requests: { memory: String(free), cpu: '1m' } },
            },
          ],
        },
      });
    }
  },
  async revert(ctx, _p, plan) {
    const namespace = (plan.data?.['namespace'] as string | undefined) ?? GAMEDAY_NAMESPACE;
    for (const b of (plan.data?.['pods'] ?? []) as Ballast[]) {
      await ctx.kube.delete('pods', b.name, { namespace, gracePeriodSeconds: 0 });
    }
  },
  describe: (p) => {
    const where = p.allNodes ? 'every schedulable node' : nodesInWords(p.nodes);
    return `Fill the allocatable memory of ${where} with ballast pods (the node's own pause image, as its status.images lists it, requesting each node's free memory${p.leave ? ` less ${p.leave}` : ''}) in namespace ${p.namespace ?? GAMEDAY_NAMESPACE}, so new pods stay Pending with "Insufficient memory"; \`kubectl describe node <node>\` shows the requests.`;
  },
};
