import { nodeArg, nodesInWords } from '../kit/describe.js';
import { FROM_FAULTS, nodeStep, type NodeStepParams } from '../kit/node-step.js';

/** D1: keep new pods off the failed node. */
export const cordon = nodeStep<NodeStepParams>({
  name: 'cordon',
  undoable: true,
  summary: 'Mark nodes unschedulable (kubectl cordon).',
  each: async (ctx, node) => {
    await ctx.kube.patch('nodes', node, { spec: { unschedulable: true } }, { type: 'strategic' });
  },
  describe: (p) => `Cordon ${nodesInWords(p.nodes, FROM_FAULTS)}: \`kubectl cordon ${nodeArg(p.nodes, FROM_FAULTS)}\`.`,
});
