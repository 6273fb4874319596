import { nodeArg, nodesInWords } from '../kit/describe.js';
import { FROM_FAULTS, nodeStep, type NodeStepParams } from '../kit/node-step.js';

/** D8 and after D1: let pods be scheduled on the nodes again. */
export const uncordon = nodeStep<NodeStepParams>({
  name: 'uncordon',
  undoable: true,
  summary: 'Mark nodes schedulable again (kubectl uncordon).',
  each: async (ctx, node) => {
    await ctx.kube.patch('nodes', node, { spec: { unschedulable: null } }, { type: 'strategic' });
  },
  describe: (p) =>
    `Uncordon ${nodesInWords(p.nodes, FROM_FAULTS)}: \`kubectl uncordon ${nodeArg(p.nodes, FROM_FAULTS)}\`.`,
});
