import type { Probe } from '../kit/plugin.js';
import { isNodeReady } from '../kube/objects.js';
import { caches, few, watchHandle } from '../kit/probe.js';
import { paramsSchema } from '../kit/schema.js';

export type NoNotReadyNodesParams = Record<string, never>;

/** D1/D2/D8 verify: `kubectl get node | grep NotReady` prints nothing. */
export const noNotReadyNodes: Probe<NoNotReadyNodesParams> = {
  name: 'no-notready-nodes',
  summary: 'No node of the cluster is NotReady (kubectl get node | grep NotReady is empty).',
  mode: 'watch',
  params: paramsSchema({}),
  async start(ctx) {
    const [nodes] = await caches(ctx, 'nodes');
    return watchHandle(() => {
      const all = nodes!.items();
      const bad = all
        .filter((n) => !isNodeReady(n))
        .map((n) => n.metadata.name)
        .sort();
      return bad.length === 0
        ? { ok: true, observed: `all ${all.length} nodes Ready` }
        : { ok: false, observed: `${bad.length} of ${all.length} NotReady: ${few(bad)}` };
    });
  },
  describe: () => 'no node NotReady (`kubectl get node | grep NotReady` is empty)',
};
