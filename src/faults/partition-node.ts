import { nodeFault, rememberAddresses, rememberedAddress, type NodeFaultParams } from '../kit/node-fault.js';
import { nodeArg, nodesInWords } from '../kit/describe.js';

/** D5: the node cannot reach the masters nor they it; it keeps running its pods. */
export const partitionNode = nodeFault<NodeFaultParams>({
  needs: ['network'],
  name: 'partition-node',
  summary: 'Cut nodes off the network to the control plane; revert reconnects them, on the address they had.',
  stopsEtcd: true,
  stopsHost: true,
  remember: (ctx, nodes) => rememberAddresses(ctx, nodes),
  inject: (ctx, node) => ctx.nodes.network(node, 'disconnect'),
  revert: (ctx, node, _p, plan) => ctx.nodes.network(node, 'connect', { address: rememberedAddress(plan, node) }),
  describe: (p) =>
    `Disconnect ${nodesInWords(p.nodes)} from the control plane (network partition); on kind \`docker network disconnect kind ${nodeArg(p.nodes)}\`.`,
});
