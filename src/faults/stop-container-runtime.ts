import { nodeFault, type NodeFaultParams } from '../kit/node-fault.js';
import { nodeArg, nodesInWords } from '../kit/describe.js';

/** D6: the container runtime stopped; containers die, kubelet reports the runtime down and the node NotReady. */
export const stopContainerRuntime = nodeFault<NodeFaultParams>({
  needs: ['service'],
  name: 'stop-container-runtime',
  summary: 'Stop the container runtime on nodes (systemctl stop docker / containerd); revert starts it again.',
  stopsEtcd: true,
  inject: (ctx, node) => ctx.nodes.service(node, 'container-runtime', 'stop'),
  revert: (ctx, node) => ctx.nodes.service(node, 'container-runtime', 'start'),
  describe: (p) =>
    `Stop the container runtime on ${nodesInWords(p.nodes)}: \`systemctl stop docker\` (containerd on newer nodes) on ${nodeArg(p.nodes)}.`,
});
