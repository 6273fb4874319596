import type { NodeService } from '../targets/target.js';
import { nodeArg, nodesInWords, unitOf } from '../faults/support/describe.js';
import { FROM_FAULTS, nodeStep, type NodeStepParams } from '../faults/support/node-step.js';
import { serviceParam } from '../faults/support/schema.js';

export interface StartServiceParams extends NodeStepParams {
  service: NodeService;
}

/** D8: start kubelet again after maintenance. */
export const startService = nodeStep<StartServiceParams>({
  name: 'start-service',
  summary: 'Start kubelet or the container runtime on nodes (systemctl start kubelet).',
  params: { service: serviceParam },
  required: ['service'],
  each: (ctx, node, p) => ctx.nodes.service(node, p.service, 'start'),
  describe: (p) =>
    `Start ${unitOf(p.service)} on ${nodesInWords(p.nodes, FROM_FAULTS)}: \`systemctl start ${p.service === 'kubelet' ? 'kubelet' : 'docker'}\` on ${nodeArg(p.nodes, FROM_FAULTS)}.`,
});
