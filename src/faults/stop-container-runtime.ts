import { nodeFault, type NodeFaultParams } from '../kit/node-fault.js';
import { nodeArg, nodesInWords } from '../kit/describe.js';

/**
 * D6: the container runtime stopped. Its containers keep running: kind's and kubeadm hosts' containerd.service
 * has KillMode=process, so systemd stops the daemon and leaves the shims and their containers alone (the
 * simulator does the same). The kubelet loses the runtime: the node turns NotReady ("container runtime is
 * down", then PLEG not healthy), and no container can start, stop or be probed until it is back.
 */
export const stopContainerRuntime = nodeFault<NodeFaultParams>({
  needs: ['service'],
  name: 'stop-container-runtime',
  summary:
    'Stop the container runtime on nodes (systemctl stop containerd / docker); running containers keep running (KillMode=process), the node turns NotReady; revert starts it again.',
  // Containers keep running, etcd too, but nothing can restart one that dies: counted as lost.
  stopsEtcd: true,
  inject: (ctx, node) => ctx.nodes.service(node, 'container-runtime', 'stop'),
  revert: (ctx, node) => ctx.nodes.service(node, 'container-runtime', 'start'),
  describe: (p) =>
    `Stop the container runtime on ${nodesInWords(p.nodes)}: \`systemctl stop containerd\` (docker on docker-era nodes) on ${nodeArg(p.nodes)}; its containers keep running (KillMode=process), the kubelet reports the runtime down.`,
});
