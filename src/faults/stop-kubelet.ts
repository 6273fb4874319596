import { nodeFault, type NodeFaultParams } from '../kit/node-fault.js';
import { nodeArg, nodesInWords } from '../kit/describe.js';

/** D6: kubelet stopped; the node stops posting status and goes NotReady after the grace period. */
export const stopKubelet = nodeFault<NodeFaultParams>({
  needs: ['service'],
  name: 'stop-kubelet',
  summary: 'Stop kubelet on nodes (systemctl stop kubelet); revert starts it again.',
  inject: (ctx, node) => ctx.nodes.service(node, 'kubelet', 'stop'),
  revert: (ctx, node) => ctx.nodes.service(node, 'kubelet', 'start'),
  describe: (p) => `Stop kubelet on ${nodesInWords(p.nodes)}: \`systemctl stop kubelet\` on ${nodeArg(p.nodes)}.`,
});
