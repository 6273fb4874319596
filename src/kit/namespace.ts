import type { PluginContext } from './plugin.js';
import { KubeApiError } from '../kube/errors.js';

/** The namespace gameday creates its own objects in (ballast pods, probe ConfigMaps, pending pods). */
export const GAMEDAY_NAMESPACE = 'gameday';
/** Label on every object gameday creates, so that a person can find and remove them. */
export const CREATED_BY = { 'app.kubernetes.io/managed-by': 'gameday' } as const;

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
