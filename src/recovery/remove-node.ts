import { InvalidInputError } from '../errors.js';
import type { PluginContext, RecoveryStep } from '../kit/plugin.js';
import { resolveNodes, type NodeSelector } from '../kit/selectors.js';
import { nodeArg, nodesInWords } from '../kit/describe.js';
import { eachNode } from '../kit/node-fault.js';
import { nodesParam, paramsSchema } from '../kit/schema.js';
import { StepChoice } from '../kit/step-choice.js';
import { addedNodes } from './add-node.js';

export interface RemoveNodeParams {
  nodes?: NodeSelector;
}

/** S4 scale in, or giving up on a host that cannot come back. */
export const removeNode: RecoveryStep<RemoveNodeParams> = {
  name: 'remove-node',
  // kind's nodes are fixed by kind-config.yaml.
  summary: 'Remove nodes from the cluster for good (kubectl delete node, host decommissioned).',
  needs: ['remove-node'],
  params: paramsSchema({ nodes: nodesParam('The nodes to remove. Default: the nodes add-node added in this drill.') }),
  async impact(ctx, p) {
    // A removed master takes its etcd member with it.
    return { nodes: await choice.get(p, () => nodesOf(ctx, p)), stopsEtcd: true };
  },
  async run(ctx, p) {
    await eachNode(await choice.take(p, () => nodesOf(ctx, p)), (n) => ctx.nodes.removeNode(n));
  },
  describe: (p) =>
    `Remove ${p.nodes ? nodesInWords(p.nodes) : 'the nodes added in this drill'}: \`kubectl drain ${nodeArg(p.nodes, { names: ['<node>'] })} --ignore-daemonsets --delete-emptydir-data\`, \`kubectl delete node ${nodeArg(p.nodes, { names: ['<node>'] })}\`, then \`kubeadm reset\` on the host.`,
};

const choice = new StepChoice<string[]>();

/** The nodes named, or those add-node added in this drill. */
async function nodesOf(ctx: PluginContext, p: RemoveNodeParams): Promise<string[]> {
  if (p.nodes) return resolveNodes(ctx, p.nodes);
  const nodes = addedNodes(ctx);
  if (nodes.length === 0)
    throw new InvalidInputError(`${ctx.cluster}: remove-node needs "nodes": no add-node step added one in this drill.`);
  return nodes;
}
