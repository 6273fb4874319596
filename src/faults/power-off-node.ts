import { nodeFault, type NodeFaultParams } from '../kit/node-fault.js';
import { nodeArg, nodesInWords } from '../kit/describe.js';

/** D1 host crash, D2 power loss: the host dies at once; revert powers it on and it boots. */
export const powerOffNode = nodeFault<NodeFaultParams>({
  needs: ['power'],
  name: 'power-off-node',
  summary: 'Power nodes off at once, as a host crash or power loss does; revert powers them on.',
  stopsEtcd: true,
  inject: (ctx, node) => ctx.nodes.power(node, 'off'),
  revert: (ctx, node) => ctx.nodes.power(node, 'on'),
  describe: (p) =>
    `Power off ${nodesInWords(p.nodes)} (host crash): IPMI/\`poweroff -f\` on ${nodeArg(p.nodes)}; on kind \`docker stop ${nodeArg(p.nodes)}\`.`,
});
