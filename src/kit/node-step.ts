import type { Capability, JsonSchema, PluginContext, RecoveryStep } from './plugin.js';
import { resolveNodes, type NodeSelector } from './selectors.js';
import type { ServiceAction } from '../targets/target.js';
import { nodeArg, nodeService, nodesInWords, systemdUnit, unitOf } from './describe.js';
import { eachNode } from './node-fault.js';
import { nodesParam, paramsSchema, serviceParam, type ServiceName } from './schema.js';

export interface NodeStepParams {
  nodes?: NodeSelector;
}

/** Recovery acts on what the faults broke unless told otherwise. */
export const FROM_FAULTS: NodeSelector = { from: 'faults' };

interface NodeStepSpec<P extends NodeStepParams> {
  name: string;
  summary: string;
  params?: Record<string, JsonSchema>;
  required?: string[];
  needs?: readonly Capability[];
  /** Runs on every chosen node at once. */
  each(ctx: PluginContext, node: string, params: P): Promise<void>;
  describe(params: P): string;
}

/** A recovery step that does one thing to each node (default: the nodes the faults hit). */
export function nodeStep<P extends NodeStepParams>(spec: NodeStepSpec<P>): RecoveryStep<P> {
  return {
    name: spec.name,
    summary: spec.summary,
    ...(spec.needs ? { needs: spec.needs } : {}),
    params: paramsSchema(
      { nodes: nodesParam('The nodes. Default: the nodes the faults hit.'), ...spec.params },
      spec.required,
    ),
    async run(ctx, params) {
      const nodes = await resolveNodes(ctx, params.nodes ?? FROM_FAULTS);
      await eachNode(nodes, (n) => spec.each(ctx, n, params));
    },
    describe: (params) => spec.describe(params),
  };
}

export interface ServiceStepParams extends NodeStepParams {
  service: ServiceName;
}

/** A step that runs `systemctl <action>` for kubelet or the container runtime on each node. */
export function serviceStep(
  action: ServiceAction,
  spec: { name: string; summary: string },
): RecoveryStep<ServiceStepParams> {
  const verb = action.charAt(0).toUpperCase() + action.slice(1);
  return nodeStep<ServiceStepParams>({
    ...spec,
    params: { service: serviceParam },
    required: ['service'],
    needs: ['service'],
    each: (ctx, node, p) => ctx.nodes.service(node, nodeService(p.service), action),
    describe: (p) =>
      `${verb} ${unitOf(p.service)} on ${nodesInWords(p.nodes, FROM_FAULTS)}: \`systemctl ${action} ${systemdUnit(p.service)}\` on ${nodeArg(p.nodes, FROM_FAULTS)}.`,
  });
}
