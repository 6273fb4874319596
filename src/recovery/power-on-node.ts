import { nodeArg, nodesInWords } from '../faults/support/describe.js';
import { FROM_FAULTS, nodeStep, type NodeStepParams } from '../faults/support/node-step.js';

/** D1/D2: restart the host; it boots and its services start. */
export const powerOnNode = nodeStep<NodeStepParams>({
  name: 'power-on-node',
  summary: 'Power nodes on (restart the host); they boot and start kubelet.',
  each: (ctx, node) => ctx.nodes.power(node, 'on'),
  describe: (p) => `Power on ${nodesInWords(p.nodes, FROM_FAULTS)} (IPMI / the console; on kind \`docker start ${nodeArg(p.nodes, FROM_FAULTS)}\`) and let it boot.`,
});
