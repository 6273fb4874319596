import { nodeFault, type NodeFaultParams } from '../kit/node-fault.js';
import { nodeArg, nodesInWords } from '../kit/describe.js';

/** D7: load starves kubelet until its heartbeats stop getting through and the node goes NotReady. */
export const overloadNode = nodeFault<NodeFaultParams>({
  needs: ['overload'],
  name: 'overload-node',
  summary: 'Load nodes until kubelet is starved and stops posting status (D7); revert ends the load.',
  inject: (ctx, node) => ctx.nodes.overload(node, 'start'),
  revert: (ctx, node) => ctx.nodes.overload(node, 'stop'),
  describe: (p) =>
    `Overload ${nodesInWords(p.nodes)} (load average many times the cores, as packed pods cause) so kubelet misses its heartbeats; on a host: \`stress --cpu <2 x cores>\` on ${nodeArg(p.nodes)}.`,
});
