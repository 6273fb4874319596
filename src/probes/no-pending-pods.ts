import type { Probe } from '../kit/plugin.js';
import { isTerminating, phaseOf } from '../kit/pods.js';
import { caches, few, watchHandle } from '../kit/probe.js';
import { paramsSchema } from '../kit/schema.js';

export interface NoPendingPodsParams {
  namespace?: string;
  labelSelector?: string;
}

/** D3 verify: nothing left Pending. */
export const noPendingPods: Probe<NoPendingPodsParams> = {
  name: 'no-pending-pods',
  summary: 'No pod is Pending (in a namespace, or matching a label selector).',
  mode: 'watch',
  params: paramsSchema({
    namespace: { type: 'string', minLength: 1, description: 'Only this namespace. Default: every namespace.' },
    labelSelector: {
      type: 'string',
      minLength: 1,
      description: 'Only pods matching this label selector, e.g. "app=gateway-proxy".',
    },
  }),
  async start(ctx, p) {
    const [pods] = await caches(ctx, ['pods', { namespace: p.namespace, labelSelector: p.labelSelector }]);
    return watchHandle(() => {
      const pending = pods!
        .items()
        .filter((x) => phaseOf(x) === 'Pending' && !isTerminating(x))
        .map((x) => `${x.metadata.namespace}/${x.metadata.name}`)
        .sort();
      return pending.length === 0
        ? { ok: true, observed: 'no Pending pod' }
        : { ok: false, observed: `${pending.length} Pending: ${few(pending)}` };
    });
  },
  describe: (p) =>
    `no Pending pod${p.namespace ? ` in ${p.namespace}` : ''}${p.labelSelector ? ` matching ${p.labelSelector}` : ''} (\`kubectl get po ${p.namespace ? `-n ${p.namespace}` : '-A'} --field-selector status.phase=Pending\` is empty)`,
};
