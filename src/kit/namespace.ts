import type { PluginContext } from './plugin.js';
import { KubeApiError } from '../kube/errors.js';
import type { Kube } from '../kube/kube.js';

/** The namespace gameday creates its own objects in (ballast pods, probe ConfigMaps, pending pods). */
export const GAMEDAY_NAMESPACE = 'gameday';
/** Label on every object gameday creates, so that a person can find and remove them. */
export const CREATED_BY = { 'app.kubernetes.io/managed-by': 'gameday' } as const;

/**
 * Label of the short-lived objects a probe writes and deletes at once (api-writable's ConfigMaps). A run
 * killed between the two leaves one: `gameday rollback` removes every object with it (`sweepScratch`).
 */
export const SCRATCH_LABEL = 'gameday.io/scratch';

/**
 * Delete the scratch ConfigMaps a killed run left; the names of those deleted. Another drill's probe
 * whose object goes this way finds it gone, which it takes as written and deleted.
 */
export async function sweepScratch(kube: Kube): Promise<string[]> {
  const { items } = await kube.list('configmaps', { labelSelector: SCRATCH_LABEL });
  const swept: string[] = [];
  for (const c of items) {
    try {
      await kube.delete('configmaps', c.metadata.name, { namespace: c.metadata.namespace ?? '' });
      swept.push(`${c.metadata.namespace ?? ''}/${c.metadata.name}`);
    } catch (err) {
      if (!(err instanceof KubeApiError && err.status === 404)) throw err;
    }
  }
  return swept;
}

export async function ensureNamespace(ctx: PluginContext, name: string): Promise<void> {
  if (await ctx.kube.get('namespaces', name)) return;
  try {
    await ctx.kube.create('namespaces', { metadata: { name, labels: { ...CREATED_BY } } });
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 409) return;
    throw err;
  }
}

/** Create, treating "already exists" as done: inject must be idempotent. */
export async function createIfMissing(
  ctx: PluginContext,
  resource: 'pods' | 'configmaps' | 'deployments',
  obj: Parameters<PluginContext['kube']['create']>[1],
): Promise<void> {
  try {
    await ctx.kube.create(resource, obj);
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 409) return;
    throw err;
  }
}
