import { nodeFault, type NodeFaultParams } from '../kit/node-fault.js';
import { nodeArg, nodesInWords } from '../kit/describe.js';

/** D5: the node cannot reach the masters nor they it; it keeps running its pods. */
export const partitionNode = nodeFault<NodeFaultParams>({
  needs: ['network'],
  name: 'partition-node',
  summary: 'Cut nodes off the network to the control plane; revert reconnects them.',
  stopsEtcd: true,
  inject: (ctx, node) => ctx.nodes.network(node, 'disconnect'),
  revert: (ctx, node) => ctx.nodes.network(node, 'connect'),
  describe: (p) =>
    `Disconnect ${nodesInWords(p.nodes)} from the control plane (network partition); on kind \`docker network disconnect kind ${nodeArg(p.nodes)}\`.`,
});
