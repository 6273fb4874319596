import type { Probe } from '../kit/plugin.js';
import { CREATED_BY, GAMEDAY_NAMESPACE, ensureNamespace } from '../kit/namespace.js';
import { paramsSchema } from '../kit/schema.js';
import { pollInterval, startPolling } from '../kit/poll.js';

export interface ApiWritableParams {
  namespace?: string;
  interval?: string;
}

/** D4/D10: the API accepts writes: a ConfigMap is created and deleted through the apiserver. */
export const apiWritable: Probe<ApiWritableParams> = {
  name: 'api-writable',
  summary: 'The Kubernetes API accepts writes: a ConfigMap in a gameday namespace is created and deleted.',
  mode: 'poll',
  params: paramsSchema({
    namespace: {
      type: 'string',
      minLength: 1,
      description: `Namespace for the probe's ConfigMaps (created if missing). Default "${GAMEDAY_NAMESPACE}".`,
    },
  }),
  async start(ctx, p) {
    const namespace = p.namespace ?? GAMEDAY_NAMESPACE;
    let ready = false;
    let seq = 0;
    return startPolling(ctx, pollInterval(p), async () => {
      if (ctx.dryRun) return { ok: true, observed: 'dry run: nothing written' };
      if (!ready) {
        await ensureNamespace(ctx, namespace);
        ready = true;
      }
      const name = `gameday-api-writable-${++seq}`;
      await ctx.kube.create('configmaps', {
        metadata: { name, namespace, labels: { ...CREATED_BY } },
        data: { at: String(ctx.clock.now()) },
      });
      await ctx.kube.delete('configmaps', name, { namespace });
      return { ok: true, observed: `created and deleted configmap ${namespace}/${name}` };
    });
  },
  describe: (p) =>
    `the API accepts writes (\`kubectl create configmap -n ${p.namespace ?? GAMEDAY_NAMESPACE}\` and delete succeed)`,
};
