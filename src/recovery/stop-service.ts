import type { NodeService } from '../targets/target.js';
import { nodeArg, nodesInWords, unitOf } from '../faults/support/describe.js';
import { FROM_FAULTS, nodeStep, type NodeStepParams } from '../faults/support/node-step.js';
import { serviceParam } from '../faults/support/schema.js';

export interface StopServiceParams extends NodeStepParams {
  service: NodeService;
}

/** D8: after draining, stop kubelet before the repair. */
export const stopService = nodeStep<StopServiceParams>({
  name: 'stop-service',
  summary: 'Stop kubelet or the container runtime on nodes, as before a planned repair (systemctl stop kubelet).',
  params: { service: serviceParam },
  required: ['service'],
  each: (ctx, node, p) => ctx.nodes.service(node, p.service, 'stop'),
  describe: (p) =>
    `Stop ${unitOf(p.service)} on ${nodesInWords(p.nodes, FROM_FAULTS)}: \`systemctl stop ${p.service === 'kubelet' ? 'kubelet' : 'docker'}\` on ${nodeArg(p.nodes, FROM_FAULTS)}.`,
});
