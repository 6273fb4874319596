import type { Probe } from '../kit/plugin.js';
import { CREATED_BY, GAMEDAY_NAMESPACE, SCRATCH_LABEL, ensureNamespace } from '../kit/namespace.js';
import { KubeApiError } from '../kube/errors.js';
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
    return startPolling(ctx, pollInterval(p), async () => {
      if (ctx.dryRun) return { ok: true, observed: 'dry run: nothing written' };
      if (!ready) {
        await ensureNamespace(ctx, namespace);
        ready = true;
      }
      // A name the apiserver makes up: one a killed run left (or another drill's probe holds) cannot make
      // this create fail with "already exists" as if the API refused writes.
      const created = await ctx.kube.create('configmaps', {
        metadata: {
          name: '',
          generateName: 'gameday-api-writable-',
          namespace,
          labels: { ...CREATED_BY, [SCRATCH_LABEL]: 'api-writable' },
        },
        data: { at: String(ctx.clock.now()) },
      });
      const name = created.metadata.name;
      try {
        await ctx.kube.delete('configmaps', name, { namespace });
      } catch (err) {
        // Swept by `gameday rollback` of another, killed, run: the write went through all the same.
        if (!(err instanceof KubeApiError && err.status === 404)) throw err;
      }
      return { ok: true, observed: `created and deleted configmap ${namespace}/${name}` };
    });
  },
  describe: (p) =>
    `the API accepts writes (\`kubectl create configmap -n ${p.namespace ?? GAMEDAY_NAMESPACE}\` and delete succeed)`,
};
