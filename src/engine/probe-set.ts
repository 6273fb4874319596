import type { ProbeItem } from '../experiment/types.js';
import type { ProbeRecord } from '../report/result.js';
import { InvalidInputError } from '../errors.js';
import type { PluginContext, ProbeHandle, ProbeResult } from '../kit/plugin.js';
import type { AnyProbe } from './plugins.js';

export interface RunningProbe {
  item: ProbeItem;
  name: string;
  cluster: string;
  description: string;
  handle: ProbeHandle;
}

/**
 * The params a plugin sees: the item without the fields only the runner uses. A poll probe's `interval`
 * stays: the probe itself paces its asks.
 */
export function paramsOf(item: Record<string, unknown>): Record<string, unknown> {
  const { type: _t, cluster: _c, name: _n, timeout: _to, after: _a, continueOnError: _e, expect: _x, ...rest } = item;
  return rest;
}

/** A probe item in plain words: its plugin's description, turned round when the item expects it to fail. */
export function describeProbe(probe: AnyProbe, item: ProbeItem): string {
  const words = probe.describe(paramsOf(item));
  return item.expect === false ? `NOT ${words}` : words;
}

/**
 * `"expect": false`: the probe passes while its condition does not hold, so any probe can detect the fault
 * it watches for (etcd not healthy, a static pod not running). What it observed is reported unchanged.
 */
function expecting(item: ProbeItem, handle: ProbeHandle): ProbeHandle {
  if (item.expect !== false) return handle;
  // Not its own outage figure (unavailableMs): turned round, the probe fails while the other one passed, and
  // the monitor times those stretches from its answers.
  return {
    evaluate: () => {
      const r = handle.evaluate();
      return { ok: !r.ok, observed: r.observed };
    },
    stop: () => handle.stop(),
  };
}

export async function startProbes(
  items: ProbeItem[] | undefined,
  contextFor: (cluster: string | undefined) => PluginContext,
  registry: Readonly<Record<string, AnyProbe>>,
  /** Where the items are, for messages: e.g. "experiments/x.json: /verify". */
  where?: string,
): Promise<RunningProbe[]> {
  const out: RunningProbe[] = [];
  try {
    for (const [index, item] of (items ?? []).entries()) {
      const probe = Object.hasOwn(registry, item.type) ? registry[item.type] : undefined;
      const ctx = contextFor(item.cluster);
      const params = paramsOf(item);
      let handle: ProbeHandle;
      try {
        if (!probe) throw new InvalidInputError(`Unknown probe type "${item.type}".`);
        handle = await probe.start(ctx, params);
      } catch (err) {
        if (where && err instanceof InvalidInputError)
          throw new InvalidInputError(`${where}/${index}: ${err.message}`, { cause: err });
        throw err;
      }
      out.push({
        item,
        name: item.name ?? item.type,
        cluster: ctx.cluster,
        description: describeProbe(probe, item),
        handle: expecting(item, handle),
      });
    }
  } catch (err) {
    stopProbes(out);
    throw err;
  }
  return out;
}

export function stopProbes(running: RunningProbe[]): void {
  for (const p of running) {
    try {
      p.handle.stop();
    } catch {
      // a probe that fails to stop must not hide the drill's result
    }
  }
}

export function evaluateAll(running: RunningProbe[]): {
  ok: boolean;
  results: { probe: RunningProbe; result: ProbeResult }[];
} {
  const results = running.map((probe) => {
    let result: ProbeResult;
    try {
      result = probe.handle.evaluate();
    } catch (err) {
      result = { ok: false, observed: `probe failed: ${(err as Error).message}` };
    }
    return { probe, result };
  });
  return { ok: results.every((r) => r.result.ok), results };
}

export function describeWaiting(running: RunningProbe[]): string {
  const failing = evaluateAll(running).results.filter((r) => !r.result.ok);
  return failing.map((r) => `${r.probe.description} (now: ${r.result.observed})`).join('; ');
}

export function records(running: RunningProbe[], phase: ProbeRecord['phase'], at: number): ProbeRecord[] {
  return evaluateAll(running).results.map(({ probe, result }) => ({
    phase,
    type: probe.item.type,
    name: probe.name,
    cluster: probe.cluster,
    ok: result.ok,
    observed: result.observed,
    at,
  }));
}
