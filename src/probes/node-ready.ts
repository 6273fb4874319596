import type { Probe } from '../kit/plugin.js';
import { resolveNodes, type NodeSelector } from '../kit/selectors.js';
import { conditionOf } from '../kube/objects.js';
import { nodesInWords } from '../kit/describe.js';
import { FROM_FAULTS } from '../kit/node-step.js';
import { caches, watchHandle } from '../kit/probe.js';
import { nodesParam, paramsSchema } from '../kit/schema.js';

export interface NodeReadyParams {
  nodes?: NodeSelector;
  ready?: boolean;
}

/** D1/D5/D6 detect (ready: false) and verify (ready: true): the Ready condition of the nodes. */
export const nodeReady: Probe<NodeReadyParams> = {
  name: 'node-ready',
  summary: 'Nodes are Ready (or, with "ready": false, all NotReady), as kubectl get node shows.',
  mode: 'watch',
  params: paramsSchema({
    nodes: nodesParam('The nodes. Default: the nodes the faults hit.'),
    ready: {
      type: 'boolean',
      description:
        'true (default): every node Ready; false: every node NotReady (D2: all down). For one node the same as "expect": false, which passes once any of the nodes is not Ready.',
    },
  }),
  async start(ctx, p) {
    const names = await resolveNodes(ctx, p.nodes ?? FROM_FAULTS);
    const [nodes] = await caches(ctx, 'nodes');
    const want = p.ready !== false;
    return watchHandle(() => {
      const states = names.map((name) => {
        const c = nodes!.get(name) ? conditionOf(nodes!.get(name)!, 'Ready') : undefined;
        const status = nodes!.get(name) ? (c?.status ?? 'Unknown') : 'Missing';
        return { name, ready: status === 'True', text: `${name} Ready=${status}${c?.reason ? ` (${c.reason})` : ''}` };
      });
      return { ok: states.every((s) => s.ready === want), observed: states.map((s) => s.text).join('; ') };
    });
  },
  describe: (p) =>
    `${nodesInWords(p.nodes, FROM_FAULTS)} ${p.ready === false ? 'NotReady' : 'Ready'} (\`kubectl get node\`)`,
};
