import type { RecoveryStep } from '../kit/plugin.js';
import { resolveNodes } from '../kit/selectors.js';
import { nodeArg, nodesInWords } from '../kit/describe.js';
import { eachNode } from '../kit/node-fault.js';
import { FROM_FAULTS, nodeStep, type NodeStepParams } from '../kit/node-step.js';
import { powerOnAndWait } from '../kit/boot.js';

const step = nodeStep<NodeStepParams>({
  name: 'power-on-node',
  summary:
    'Power nodes on (restart the host) and wait until they answer (at most 10 min); they boot and start kubelet.',
  needs: ['power'],
  each: (ctx, node) => powerOnAndWait(ctx, node),
  describe: (p) =>
    `Power on ${nodesInWords(p.nodes, FROM_FAULTS)} (IPMI / the console; on kind \`docker start ${nodeArg(p.nodes, FROM_FAULTS)}\`) and wait until it answers (\`systemctl is-active kubelet\` gets an answer), at most 10 min.`,
});

/** D1/D2: restart the host; it boots and its services start. */
export const powerOnNode: RecoveryStep<NodeStepParams> = {
  ...step,
  // Powering the masters on is how a dark control plane comes back (D2): named hosts are powered on as
  // named, without asking an API server that is not there to confirm they exist.
  async run(ctx, params) {
    const sel = params.nodes ?? FROM_FAULTS;
    const nodes = 'names' in sel ? [...sel.names] : await resolveNodes(ctx, sel);
    await eachNode(nodes, (n) => powerOnAndWait(ctx, n));
  },
};
