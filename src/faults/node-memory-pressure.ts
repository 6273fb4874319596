import { nodeFault, type NodeFaultParams } from '../kit/node-fault.js';
import { nodeArg, nodesInWords } from '../kit/describe.js';
import { amountParam, quantityParam } from '../kit/schema.js';

export interface NodeMemoryPressureParams extends NodeFaultParams {
  amount?: string;
  leave?: string;
}

/** Below the kubelet's default hard eviction threshold (memory.available<100Mi): MemoryPressure follows. */
const DEFAULT_LEAVE = '50Mi';

/**
 * D3: memory used outside Kubernetes' accounting, until kubelet reports MemoryPressure and evicts. One
 * meaning on every target: a quantity is taken on top of what is in use; a share of capacity is a level the
 * node's memory in use (pods and all) is filled up to; by default the node is filled until only `leave` is
 * available. kind refuses it: its nodes share one machine's memory.
 */
export const nodeMemoryPressure = nodeFault<NodeMemoryPressureParams>({
  needs: ['memory-pressure'],
  name: 'node-memory-pressure',
  summary:
    'Consume node memory outside Kubernetes (a runaway process) so kubelet reports MemoryPressure; revert frees it.',
  params: {
    amount: amountParam(
      'How much memory to take: a quantity ("6Gi") taken on top of what is in use, or a share of capacity ("95%") to fill up to (the node\'s memory in use, pods and all, reaches it). Default: fill until only "leave" is available.',
    ),
    leave: quantityParam(
      `Without "amount": the memory left available. Default "${DEFAULT_LEAVE}", under the kubelet's default hard eviction threshold (memory.available<100Mi).`,
    ),
  },
  inject: (ctx, node, p) => ctx.nodes.pressure(node, 'memory', p.amount ?? `leave:${p.leave ?? DEFAULT_LEAVE}`),
  revert: (ctx, node) => ctx.nodes.relieve(node, 'memory'),
  describe: (p) =>
    `${p.amount === undefined ? `Fill the memory of ${nodesInWords(p.nodes)} until only ${p.leave ?? DEFAULT_LEAVE} is available` : p.amount.endsWith('%') ? `Fill the memory of ${nodesInWords(p.nodes)} up to ${p.amount} of its capacity` : `Take ${p.amount} more of the memory of ${nodesInWords(p.nodes)}`} outside Kubernetes (a tmpfs ballast the kernel cannot reclaim, on ${nodeArg(p.nodes)}). Refused on kind: its nodes share one machine's memory.`,
});
