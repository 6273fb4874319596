import type { Probe } from '../kit/plugin.js';
import { resolveNodes, type NodeSelector } from '../kit/selectors.js';
import { nodesInWords } from '../kit/describe.js';
import { FROM_FAULTS } from '../kit/node-step.js';
import { caches, watchHandle } from '../kit/probe.js';
import { nodesParam, paramsSchema } from '../kit/schema.js';

export interface NodeSchedulableParams {
  nodes?: NodeSelector;
  schedulable?: boolean;
}

/** D8 verify: the node is uncordoned again (or, false: cordoned). */
export const nodeSchedulable: Probe<NodeSchedulableParams> = {
  name: 'node-schedulable',
  summary: 'Nodes are schedulable (not cordoned), or with "schedulable": false, cordoned.',
  mode: 'watch',
  params: paramsSchema({
    nodes: nodesParam('The nodes. Default: the nodes the faults hit.'),
    schedulable: {
      type: 'boolean',
      description:
        'true (default): every node not cordoned; false: every node cordoned (SchedulingDisabled). For one node the same as "expect": false.',
    },
  }),
  async start(ctx, p) {
    const names = await resolveNodes(ctx, p.nodes ?? FROM_FAULTS);
    const [nodes] = await caches(ctx, 'nodes');
    const want = p.schedulable !== false;
    return watchHandle(() => {
      const states = names.map((name) => {
        const n = nodes!.get(name);
        const ok = n !== undefined && (n.spec?.unschedulable !== true) === want;
        return {
          ok,
          text: `${name} ${!n ? 'missing' : n.spec?.unschedulable === true ? 'SchedulingDisabled' : 'schedulable'}`,
        };
      });
      return { ok: states.every((s) => s.ok), observed: states.map((s) => s.text).join('; ') };
    });
  },
  describe: (p) =>
    `${nodesInWords(p.nodes, FROM_FAULTS)} ${p.schedulable === false ? 'cordoned' : 'schedulable (uncordoned)'}`,
};
