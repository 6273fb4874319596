import type { PluginContext } from './plugin.js';
import type { Informer } from '../kube/kube.js';
import type { ListOptions } from '../kube/kube.js';
import type { ResourceName } from '../kube/resources.js';

/** The drill's shared list+watch cache of `resource`, loaded. */
export async function cache(ctx: PluginContext, resource: ResourceName, options?: ListOptions): Promise<Informer> {
  const inf = ctx.informer(resource, options);
  await ctx.clock.track(inf.ready(), `list ${resource}`);
  return inf;
}

/**
 * Wait on the target's clock until `check` (reading informer caches) returns a value. The clock re-runs it on
 * every watch event; nothing polls. In a dry run nothing changed, so there is nothing to wait for.
 */
export async function until<T>(
  ctx: PluginContext,
  check: () => T | undefined | false,
  what: string,
  timeoutMs: number,
): Promise<T | undefined> {
  if (ctx.dryRun) return undefined;
  return ctx.clock.waitFor(check, { timeoutMs, what: `${ctx.cluster}: ${what}`, signal: ctx.signal });
}
