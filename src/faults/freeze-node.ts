import { nodeFault, type NodeFaultParams } from '../kit/node-fault.js';
import { nodeArg, nodesInWords } from '../kit/describe.js';

/** A hung host: every process stops without dying; revert resumes them. */
export const freezeNode = nodeFault<NodeFaultParams>({
  needs: ['freeze'],
  name: 'freeze-node',
  summary: 'Freeze nodes (a hung host: every process paused); revert resumes them.',
  stopsEtcd: true,
  stopsHost: true,
  inject: (ctx, node) => ctx.nodes.freeze(node, 'pause'),
  revert: (ctx, node) => ctx.nodes.freeze(node, 'unpause'),
  describe: (p) => `Freeze ${nodesInWords(p.nodes)} (hung host); on kind \`docker pause ${nodeArg(p.nodes)}\`.`,
});
