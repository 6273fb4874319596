import { InvalidInputError, TimeoutError } from '../errors.js';
import type { PluginContext, RecoveryStep } from '../kit/plugin.js';
import { formatDuration, parseDuration } from '../kit/duration.js';
import { resolveNodes, type NodeSelector } from '../kit/selectors.js';
import type { KubeObject } from '../kube/objects.js';
import { nodeArg, nodesInWords } from '../kit/describe.js';
import { FROM_FAULTS } from '../kit/node-step.js';
import { hasController, isDaemonSetPod, isFinished, isMirrorPod, isTerminating, nodeOf } from '../kit/pods.js';
import { durationParam, nodesParam, paramsSchema } from '../kit/schema.js';
import { cache, until } from '../kit/wait.js';

export interface DrainParams {
  nodes?: NodeSelector;
  maxWait?: string;
  force?: boolean;
}

/** kubectl drain retries a refused eviction every 5 seconds. */
const RETRY_MS = 5000;

/** The pods drain must move: not DaemonSet-managed, not mirror pods, not finished. */
export function drainable(pods: KubeObject[], node: string): KubeObject[] {
  return pods.filter((p) => nodeOf(p) === node && !isMirrorPod(p) && !isDaemonSetPod(p) && !isFinished(p));
}

async function drainNode(ctx: PluginContext, node: string, deadline: number, force: boolean): Promise<void> {
  await ctx.kube.patch('nodes', node, { spec: { unschedulable: true } }, { type: 'strategic' });
  const pods = await cache(ctx, 'pods');
  const orphans = drainable(pods.items(), node).filter((p) => !hasController(p));
  if (orphans.length > 0 && !force) {
    throw new InvalidInputError(
      `${ctx.cluster}: cannot drain ${node}: cannot delete Pods that declare no controller (use --force to override): ${orphans.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(', ')}. Set "force": true to delete them.`,
    );
  }
  const evicted = new Set<string>();
  let noted = false;
  for (;;) {
    const todo = drainable(pods.items(), node).filter(
      (p) => !isTerminating(p) && !evicted.has(p.metadata.uid ?? p.metadata.name),
    );
    if (todo.length === 0) break;
    let refused: string | undefined;
    for (const pod of todo) {
      const ns = pod.metadata.namespace ?? 'default';
      const r = hasController(pod) ? await ctx.kube.evict(ns, pod.metadata.name) : await deletePod(ctx, pod);
      if (r.evicted) evicted.add(pod.metadata.uid ?? pod.metadata.name);
      else if (r.status === 429) refused = `${ns}/${pod.metadata.name}: ${r.message}`;
      else throw new InvalidInputError(`${ctx.cluster}: error when evicting ${ns}/${pod.metadata.name}: ${r.message}`);
    }
    if (refused === undefined) continue;
    if (!noted) ctx.note(`drain ${node}: eviction refused, retrying every 5s (${refused})`);
    noted = true;
    if (ctx.dryRun) break;
    if (ctx.clock.now() + RETRY_MS > deadline)
      throw new TimeoutError(`${ctx.cluster}: drain ${node} timed out: ${refused}`);
    await ctx.clock.sleep(RETRY_MS, ctx.signal);
  }
  await until(
    ctx,
    () => drainable(pods.items(), node).length === 0,
    `${node} drained (only DaemonSet and mirror pods left)`,
    Math.max(0, deadline - ctx.clock.now()),
  );
}

async function deletePod(ctx: PluginContext, pod: KubeObject): Promise<{ evicted: true }> {
  await ctx.kube.delete('pods', pod.metadata.name, { namespace: pod.metadata.namespace });
  return { evicted: true };
}

/** D8: `kubectl drain <node> --ignore-daemonsets --delete-emptydir-data`, through the Eviction API so PDBs hold. */
export const drain: RecoveryStep<DrainParams> = {
  name: 'drain',
  summary:
    'Cordon nodes and evict their pods through the Eviction API, honouring PodDisruptionBudgets (kubectl drain --ignore-daemonsets --delete-emptydir-data).',
  params: paramsSchema({
    nodes: nodesParam('The nodes to drain. Default: the nodes the faults hit.'),
    maxWait: durationParam('Give up after this long (kubectl drain --timeout). Default "10m".'),
    force: {
      type: 'boolean',
      description:
        'Also delete pods no controller manages (kubectl drain --force). Default false: they stop the drain.',
    },
  }),
  async run(ctx, p) {
    const nodes = await resolveNodes(ctx, p.nodes ?? FROM_FAULTS);
    const deadline = ctx.clock.now() + parseDuration(p.maxWait ?? '10m', 'maxWait');
    // kubectl drains the nodes one after another.
    for (const node of nodes) await drainNode(ctx, node, deadline, p.force === true);
  },
  describe: (p) =>
    `Drain ${nodesInWords(p.nodes, FROM_FAULTS)}: \`kubectl drain ${nodeArg(p.nodes, FROM_FAULTS)} --ignore-daemonsets --delete-emptydir-data${p.force ? ' --force' : ''} --timeout=${formatDuration(parseDuration(p.maxWait ?? '10m'))}\` (older kubectl: --delete-local-data).`,
};
