import { InfrastructureError, errorMessage } from '../errors.js';
import type { Capability, Fault, FaultPlan, JsonSchema, PluginContext } from './plugin.js';
import { resolveNodes, type NodeSelector } from './selectors.js';
import { nodesParam, paramsSchema } from './schema.js';

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
  inject(ctx: PluginContext, node: string, params: P): Promise<void>;
  revert(ctx: PluginContext, node: string, params: P): Promise<void>;
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
    params: paramsSchema(
      { nodes: nodesParam('The nodes to hit. Default: one worker picked with the run seed.'), ...spec.params },
      spec.required,
    ),
    async plan(ctx: PluginContext, params: P): Promise<FaultPlan> {
      return { nodes: await resolveNodes(ctx, params.nodes), ...(spec.stopsEtcd ? { stopsEtcd: true } : {}) };
    },
    async inject(ctx: PluginContext, params: P, plan: FaultPlan): Promise<void> {
      await eachNode(plan.nodes ?? [], (n) => spec.inject(ctx, n, params));
    },
    async revert(ctx: PluginContext, params: P, plan: FaultPlan): Promise<void> {
      await eachNode(plan.nodes ?? [], (n) => spec.revert(ctx, n, params));
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
