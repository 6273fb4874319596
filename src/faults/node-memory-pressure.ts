import { nodeFault, type NodeFaultParams } from '../kit/node-fault.js';
import { nodeArg, nodesInWords } from '../kit/describe.js';
import { amountParam } from '../kit/schema.js';

export interface NodeMemoryPressureParams extends NodeFaultParams {
  amount?: string;
}

/** D3: memory used outside Kubernetes' accounting, until kubelet reports MemoryPressure and evicts. */
export const nodeMemoryPressure = nodeFault<NodeMemoryPressureParams>({
  needs: ['memory-pressure'],
  name: 'node-memory-pressure',
  summary:
    'Consume node memory outside Kubernetes (a runaway process) so kubelet reports MemoryPressure; revert frees it.',
  params: {
    amount: amountParam('How much memory to take: a quantity ("6Gi") or a share of capacity ("95%"). Default "95%".'),
  },
  inject: (ctx, node, p) => ctx.nodes.pressure(node, 'memory', p.amount ?? '95%'),
  revert: (ctx, node) => ctx.nodes.relieve(node, 'memory'),
  describe: (p) =>
    `Take ${p.amount ?? '95%'} of the memory of ${nodesInWords(p.nodes)} outside Kubernetes (\`stress --vm 1 --vm-bytes <amount> --vm-hang 0\` on ${nodeArg(p.nodes)}).`,
});
