import type { Capability, JsonSchema, PluginContext, RecoveryStep, StepImpact } from './plugin.js';
import { resolveNodes, type NodeSelector } from './selectors.js';
import type { ServiceAction } from '../targets/target.js';
import { nodeArg, nodeService, nodesInWords, systemdUnit, unitOf } from './describe.js';
import { eachNode } from './node-fault.js';
import { nodesParam, paramsSchema, serviceParam, type ServiceName } from './schema.js';
import { StepChoice } from './step-choice.js';

export interface NodeStepParams {
  nodes?: NodeSelector;
}

/** Recovery acts on what the faults broke unless told otherwise. */
export const FROM_FAULTS: NodeSelector = { from: 'faults' };

interface NodeStepSpec<P extends NodeStepParams> {
  name: string;
  summary: string;
  /** Every change it makes is undone by the rollback (RecoveryStep.undoable). */
  undoable?: boolean;
  params?: Record<string, JsonSchema>;
  required?: string[];
  needs?: readonly Capability[];
  /** Runs on every chosen node at once. */
  each(ctx: PluginContext, node: string, params: P): Promise<void>;
  /** What it takes down on each node, for the blast-radius check (absent: nothing). */
  takesDown?(params: P): Omit<StepImpact, 'nodes' | 'members'> | undefined;
  describe(params: P): string;
}

/** A recovery step that does one thing to each node (default: the nodes the faults hit). */
export function nodeStep<P extends NodeStepParams>(spec: NodeStepSpec<P>): RecoveryStep<P> {
  const choice = new StepChoice<string[]>();
  return {
    name: spec.name,
    summary: spec.summary,
    ...(spec.undoable ? { undoable: true } : {}),
    ...(spec.needs ? { needs: spec.needs } : {}),
    params: paramsSchema(
      { nodes: nodesParam('The nodes. Default: the nodes the faults hit.'), ...spec.params },
      spec.required,
    ),
    ...(spec.takesDown
      ? {
          async impact(ctx: PluginContext, params: P): Promise<StepImpact | undefined> {
            const down = spec.takesDown!(params);
            if (!down) return undefined;
            const nodes = await choice.get(params, () => resolveNodes(ctx, params.nodes ?? FROM_FAULTS));
            return { nodes, ...down };
          },
        }
      : {}),
    async run(ctx, params) {
      // The nodes the blast-radius check was told of, not a second random pick.
      const nodes = await choice.take(params, () => resolveNodes(ctx, params.nodes ?? FROM_FAULTS));
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
  spec: { name: string; summary: string; undoable?: boolean },
): RecoveryStep<ServiceStepParams> {
  const verb = action.charAt(0).toUpperCase() + action.slice(1);
  return nodeStep<ServiceStepParams>({
    ...spec,
    params: { service: serviceParam },
    required: ['service'],
    needs: ['service'],
    // A stopped (or restarting) runtime takes every container down, etcd's too; a stopped kubelet, the node.
    takesDown: (p) =>
      action === 'start' || (action === 'restart' && p.service === 'kubelet')
        ? undefined
        : nodeService(p.service) === 'container-runtime'
          ? { stopsEtcd: true }
          : {},
    each: (ctx, node, p) => ctx.nodes.service(node, nodeService(p.service), action),
    describe: (p) =>
      `${verb} ${unitOf(p.service)} on ${nodesInWords(p.nodes, FROM_FAULTS)}: \`systemctl ${action} ${systemdUnit(p.service)}\` on ${nodeArg(p.nodes, FROM_FAULTS)}.`,
  });
}
