import { InfrastructureError, InvalidInputError, errorMessage } from '../errors.js';
import type { TargetKind } from '../targets/target.js';
import type { Capability, Fault, FaultPlan, JsonSchema, PluginContext } from './plugin.js';
import { resolveNodes, type NodeSelector } from './selectors.js';
import { nodesParam, paramsSchema } from './schema.js';

/** The node addresses a fault's plan keeps in the journal, so that a revert in another process has them. */
export async function rememberAddresses(ctx: PluginContext, nodes: string[]): Promise<Record<string, unknown>> {
  if (!ctx.nodes.address) return {};
  const addresses: Record<string, string> = {};
  for (const n of nodes) {
    const a = await ctx.nodes.address(n);
    if (a) addresses[n] = a;
  }
  return Object.keys(addresses).length > 0 ? { addresses } : {};
}

/** The address `node` had when the fault was planned, from the plan (and so from the journal). */
export function rememberedAddress(plan: FaultPlan, node: string): string | undefined {
  return (plan.data?.['addresses'] as Record<string, string> | undefined)?.[node];
}

export interface NodeFaultParams {
  nodes?: NodeSelector;
}

interface NodeFaultSpec<P extends NodeFaultParams> {
  name: string;
  summary: string;
  /** Extra parameters besides `nodes`. */
  params?: Record<string, JsonSchema>;
  required?: string[];
  needs: readonly Capability[];
  /** It stops what runs on the node, etcd included (see FaultPlan.stopsEtcd). */
  stopsEtcd?: boolean;
  /** The targets it can run on, when not every one (see PluginBase.targets). */
  targets?: readonly TargetKind[];
  /**
   * It stops the host, or cuts it off: never on the node gameday runs on (`Target.selfNode`), which a
   * random pick leaves out and an explicit one is refused.
   */
  stopsHost?: boolean;
  /** What the revert will need that may be gone by then (a node's address), written to the journal. */
  remember?(ctx: PluginContext, nodes: string[], params: P): Promise<Record<string, unknown>>;
  inject(ctx: PluginContext, node: string, params: P, plan: FaultPlan): Promise<void>;
  revert(ctx: PluginContext, node: string, params: P, plan: FaultPlan): Promise<void>;
  describe(params: P): string;
}

/**
 * A fault that does one host-level thing to each chosen node (default: one worker picked with the run seed),
 * all nodes at once, and undoes it node by node from the plan alone.
 */
export function nodeFault<P extends NodeFaultParams>(spec: NodeFaultSpec<P>): Fault<P> {
  return {
    name: spec.name,
    summary: spec.summary,
    needs: spec.needs,
    ...(spec.targets ? { targets: spec.targets } : {}),
    params: paramsSchema(
      { nodes: nodesParam('The nodes to hit. Default: one worker picked with the run seed.'), ...spec.params },
      spec.required,
    ),
    async plan(ctx: PluginContext, params: P): Promise<FaultPlan> {
      const self = spec.stopsHost ? ctx.target.selfNode?.(ctx.cluster) : undefined;
      const nodes = await resolveNodes(ctx, params.nodes, self ? { exclude: [self] } : {});
      if (self && nodes.includes(self)) {
        throw new InvalidInputError(
          `${ctx.cluster}: the fault "${spec.name}" would take down ${self}, the node gameday itself runs on: the drill would end with its own process and nothing would roll it back. Nothing was changed; leave ${self} out of "nodes".`,
        );
      }
      const data = await spec.remember?.(ctx, nodes, params);
      return { nodes, ...(spec.stopsEtcd ? { stopsEtcd: true } : {}), ...(data ? { data } : {}) };
    },
    async inject(ctx: PluginContext, params: P, plan: FaultPlan): Promise<void> {
      await eachNode(plan.nodes ?? [], (n) => spec.inject(ctx, n, params, plan));
    },
    async revert(ctx: PluginContext, params: P, plan: FaultPlan): Promise<void> {
      await eachNode(plan.nodes ?? [], (n) => spec.revert(ctx, n, params, plan));
    },
    describe: (params: P) => spec.describe(params),
  };
}

/** Run `fn` on every node at once; every node is tried even when one fails, and all failures are reported. */
export async function eachNode(nodes: string[], fn: (node: string) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(nodes.map((n) => fn(n)));
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${nodes[i]}: ${errorMessage(r.reason)}`] : []));
  if (failed.length === 1 && results.length === 1) throw (results[0] as PromiseRejectedResult).reason;
  if (failed.length > 0)
    throw new InfrastructureError(`${failed.length} of ${nodes.length} nodes failed: ${failed.join('; ')}`);
}
