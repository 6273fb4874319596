import { nodeFault, type NodeFaultParams } from '../kit/node-fault.js';
import { nodeArg, nodesInWords } from '../kit/describe.js';
import { amountParam } from '../kit/schema.js';

export interface FillNodeDiskParams extends NodeFaultParams {
  amount?: string;
}

/** D3 disk variant: the log volume fills until kubelet reports DiskPressure. */
export const fillNodeDisk = nodeFault<FillNodeDiskParams>({
  needs: ['disk-pressure'],
  name: 'fill-node-disk',
  summary: 'Fill the node disk (the Tomcat log volume) so kubelet reports DiskPressure; revert truncates the logs.',
  params: {
    amount: amountParam(
      'How much disk to fill: a quantity ("40Gi") on top of what is used, or a share of capacity ("95%") to fill up to. Default "95%".',
    ),
  },
  inject: (ctx, node, p) => ctx.nodes.pressure(node, 'disk', p.amount ?? '95%'),
  revert: (ctx, node) => ctx.nodes.relieve(node, 'disk'),
  describe: (p) =>
    `${(p.amount ?? '95%').endsWith('%') ? `Fill the disk of ${nodesInWords(p.nodes)} up to ${p.amount ?? '95%'}` : `Fill ${p.amount} more of the disk of ${nodesInWords(p.nodes)}`} with log files under /usr/local/tomcat/logs (\`fallocate -l <amount> ...\` on ${nodeArg(p.nodes)}). Refused on kind: its kubeadm configuration turns disk-based eviction off.`,
});
