import { nodeArg, nodesInWords } from '../kit/describe.js';
import { FROM_FAULTS, nodeStep, type NodeStepParams } from '../kit/node-step.js';

/** D5: the network comes back; the node's kubelet reaches the masters again and reports Ready. */
export const reconnectNode = nodeStep<NodeStepParams>({
  name: 'reconnect-node',
  needs: ['network'],
  summary: 'Reconnect partitioned nodes to the control plane (restore the link); their kubelet reports again.',
  each: (ctx, node) => ctx.nodes.network(node, 'connect'),
  describe: (p) =>
    `Reconnect ${nodesInWords(p.nodes, FROM_FAULTS)} to the control plane (restore the link or the firewall rules; on kind \`docker network connect kind ${nodeArg(p.nodes, FROM_FAULTS)}\`).`,
});
