import { nodeArg, nodesInWords } from '../kit/describe.js';
import { FROM_FAULTS, nodeStep, type NodeStepParams } from '../kit/node-step.js';

export interface RelievePressureParams extends NodeStepParams {
  resource: 'memory' | 'disk';
}

/** D3: end the runaway process or free the disk. */
export const relievePressure = nodeStep<RelievePressureParams>({
  name: 'relieve-pressure',
  summary: 'Free node memory (end the runaway process) or disk (remove what filled it).',
  params: { resource: { enum: ['memory', 'disk'], description: 'What to free.' } },
  required: ['resource'],
  each: (ctx, node, p) => ctx.nodes.relieve(node, p.resource),
  describe: (p) =>
    p.resource === 'memory'
      ? `Free memory on ${nodesInWords(p.nodes, FROM_FAULTS)}: find the process with \`top -o %MEM\` on ${nodeArg(p.nodes, FROM_FAULTS)} and end it.`
      : `Free disk on ${nodesInWords(p.nodes, FROM_FAULTS)}: \`du -sh /var/log/* /usr/local/tomcat/logs\` on ${nodeArg(p.nodes, FROM_FAULTS)} and remove or truncate what filled it.`,
});
