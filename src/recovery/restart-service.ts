import type { NodeService } from '../targets/target.js';
import { nodeArg, nodesInWords, unitOf } from '../faults/support/describe.js';
import { FROM_FAULTS, nodeStep, type NodeStepParams } from '../faults/support/node-step.js';
import { serviceParam } from '../faults/support/schema.js';

export interface RestartServiceParams extends NodeStepParams {
  service: NodeService;
}

/** D1/D2/D6: `systemctl restart kubelet` (or docker) on the nodes. */
export const restartService = nodeStep<RestartServiceParams>({
  name: 'restart-service',
  summary: 'Restart kubelet or the container runtime on nodes (systemctl restart kubelet).',
  params: { service: serviceParam },
  required: ['service'],
  each: (ctx, node, p) => ctx.nodes.service(node, p.service, 'restart'),
  describe: (p) =>
    `Restart ${unitOf(p.service)} on ${nodesInWords(p.nodes, FROM_FAULTS)}: \`systemctl restart ${p.service === 'kubelet' ? 'kubelet' : 'docker'}\` on ${nodeArg(p.nodes, FROM_FAULTS)}.`,
});
