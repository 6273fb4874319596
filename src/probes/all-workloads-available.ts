import type { Probe } from '../kit/plugin.js';
import type { WorkloadKind } from '../kit/selectors.js';
import { caches, few, watchHandle } from '../kit/probe.js';
import { paramsSchema } from '../kit/schema.js';
import { availableOf, desiredOf } from '../kit/workloads.js';

export interface AllWorkloadsAvailableParams {
  namespaces?: string[];
}

const KINDS: [WorkloadKind, 'deployments' | 'statefulsets' | 'daemonsets'][] = [
  ['Deployment', 'deployments'],
  ['StatefulSet', 'statefulsets'],
  ['DaemonSet', 'daemonsets'],
];

/** D1/D2 verify: every workload back to its desired replicas. */
export const allWorkloadsAvailable: Probe<AllWorkloadsAvailableParams> = {
  name: 'all-workloads-available',
  summary:
    'Every Deployment, StatefulSet and DaemonSet (in the given namespaces, or the cluster) has its desired replicas available.',
  mode: 'watch',
  params: paramsSchema({
    namespaces: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      minItems: 1,
      description: 'Only these namespaces. Default: every namespace.',
    },
  }),
  async start(ctx, p) {
    const informers = await caches(ctx, ...KINDS.map(([, r]) => r));
    const only = p.namespaces ? new Set(p.namespaces) : undefined;
    return watchHandle(() => {
      const bad: string[] = [];
      let total = 0;
      KINDS.forEach(([kind], i) => {
        for (const obj of informers[i]!.items()) {
          if (only && !only.has(obj.metadata.namespace ?? '')) continue;
          total++;
          const desired = desiredOf(kind, obj);
          const available = availableOf(kind, obj);
          if (available < desired)
            bad.push(`${obj.metadata.namespace}/${kind}/${obj.metadata.name} ${available}/${desired}`);
        }
      });
      bad.sort();
      return bad.length === 0
        ? { ok: true, observed: `all ${total} workloads available` }
        : { ok: false, observed: `${bad.length} of ${total} not available: ${few(bad)}` };
    });
  },
  describe: (p) =>
    `every workload${p.namespaces ? ` in ${p.namespaces.join(', ')}` : ''} has its desired replicas available`,
};
