import type { PluginContext, ProbeHandle, ProbeResult } from './plugin.js';
import type { Informer, ListOptions } from '../kube/kube.js';
import type { ResourceName } from '../kube/resources.js';
import { cache } from './wait.js';

/**
 * A watch-mode probe: evaluate() reads the drill's shared informer caches, which wake the clock's waiters
 * on every event. Stopping a probe leaves the shared informers running for the others.
 */
export function watchHandle(evaluate: () => ProbeResult, stop: () => void = () => undefined): ProbeHandle {
  let stopped = false;
  let last: ProbeResult = { ok: false, observed: 'not evaluated yet' };
  return {
    evaluate: () => {
      if (!stopped) last = evaluate();
      return last;
    },
    stop: () => {
      if (stopped) return;
      stopped = true;
      stop();
    },
  };
}

export async function caches(
  ctx: PluginContext,
  ...wanted: (ResourceName | [ResourceName, ListOptions])[]
): Promise<Informer[]> {
  return Promise.all(wanted.map((w) => (Array.isArray(w) ? cache(ctx, w[0], w[1]) : cache(ctx, w))));
}

/** "a, b, c and 4 more": observed texts stay one line. */
export function few(items: string[], max = 3): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}
