import { errorMessage } from '../../errors.js';
import { parseDuration } from '../../kit/duration.js';
import type { ItemRecord } from '../../report/result.js';
import type { DrillRun } from '../drill-run.js';
import { DryRunWait } from '../dry-run-clock.js';
import type { Ledger, PlannedFault } from '../ledger.js';

/**
 * Inject the planned faults and return when the first was injected: all at once, or one after another each after its `after` delay. Each is
 * journalled as `injecting` before it starts, so the rollback reverts it even if it fails half-way. In
 * parallel mode every injection settles before the first failure (in time) is thrown: the rollback must not race a
 * fault still being injected.
 */
export async function inject(d: DrillRun, ledger: Ledger): Promise<number> {
  d.enter('inject');
  const injectedAt = (d.injectedAt = d.clock.now());
  d.result.timings.startupWallMs = Math.round(performance.now() - d.wallStart);
  if (d.experiment.faultMode === 'sequence') {
    for (const p of ledger.faults) {
      const after = p.item.after;
      if (after) await d.clock.sleep(parseDuration(after), d.signal);
      await injectOne(d, ledger, p);
    }
    return injectedAt;
  }
  let failed: { error: unknown } | undefined;
  await Promise.all(
    ledger.faults.map((p) => injectOne(d, ledger, p).catch((error: unknown) => (failed ??= { error }))),
  );
  if (failed) throw failed.error;
  return injectedAt;
}

async function injectOne(d: DrillRun, ledger: Ledger, p: PlannedFault): Promise<void> {
  const rec: ItemRecord = {
    type: p.fault.name,
    name: p.item.name ?? p.fault.name,
    cluster: p.ctx.cluster,
    description: p.fault.describe(p.params),
    startedAt: d.clock.now(),
    ok: false,
    hit: [...(p.plan.nodes ?? []), ...(p.plan.members ?? []), ...(p.plan.workloads ?? [])],
  };
  d.result.faults.push(rec);
  ledger.mark(p, 'injecting');
  d.note('fault', `inject ${rec.name}: ${rec.description}${rec.hit?.length ? ` [${rec.hit.join(', ')}]` : ''}`);
  try {
    try {
      await p.fault.inject(p.ctx, p.params, p.plan);
    } catch (err) {
      if (!(err instanceof DryRunWait)) throw err;
      d.note('fault', `${rec.name}: ${err.message}`);
    }
    rec.ok = true;
    ledger.mark(p, 'injected');
  } catch (err) {
    rec.error = errorMessage(err);
    throw err;
  } finally {
    rec.endedAt = d.clock.now();
  }
}
