import { errorMessage } from '../errors.js';
import { parseDuration } from './duration.js';
import type { PluginContext, ProbeHandle, ProbeResult } from './plugin.js';

/** How often poll-mode probes ask, unless the item's `interval` says otherwise. */
export const DEFAULT_POLL_INTERVAL = '2s';

export function pollInterval(params: { interval?: string | undefined }): number {
  return parseDuration(params.interval ?? DEFAULT_POLL_INTERVAL, 'interval');
}

/**
 * A poll-mode probe: asks once before `start` returns (so `evaluate` has an answer), then again every
 * `intervalMs` on the target's clock, waking the clock's waiters after each answer. A failed ask is a
 * failing result, never an exception.
 */
export async function startPolling(
  ctx: PluginContext,
  intervalMs: number,
  ask: () => Promise<ProbeResult>,
): Promise<ProbeHandle> {
  const stopper = new AbortController();
  const signal = AbortSignal.any([stopper.signal, ctx.signal]);
  const safeAsk = async (): Promise<ProbeResult> => {
    try {
      return await ask();
    } catch (err) {
      return { ok: false, observed: errorMessage(err) };
    }
  };
  let last = await safeAsk();
  const loop = async (): Promise<void> => {
    while (!signal.aborted) {
      try {
        await ctx.clock.sleep(intervalMs, signal);
      } catch {
        return;
      }
      if (signal.aborted) return;
      const next = await safeAsk();
      if (signal.aborted) return;
      last = next;
      ctx.clock.notify();
    }
  };
  void loop();
  return {
    evaluate: () => last,
    stop: () => stopper.abort(),
  };
}
