import { errorMessage } from '../../errors.js';
import type { DrillRun } from '../drill-run.js';
import { describeWaiting, evaluateAll, stopProbes } from '../probe-set.js';

/** How long the post-rollback check waits for the steady state to come back. */
export const SETTLE_AFTER_ROLLBACK = 900_000;

/**
 * Nothing left broken: after the rollback the steady state must come back, and the journal says whether
 * the drill is fully undone. After a failed revert waiting cannot help: the rollback is incomplete at once.
 */
export async function settle(d: DrillRun): Promise<void> {
  const outcome = d.result.rollback;
  if (d.steady.length > 0 && d.injectedAt !== undefined && !d.dryRun && outcome.errors.length === 0) {
    try {
      await d.clock.waitFor(() => evaluateAll(d.steady).ok, {
        timeoutMs: SETTLE_AFTER_ROLLBACK,
        what: 'steady state after rollback',
      });
      d.note('rollback', 'steady state is back');
    } catch (err) {
      outcome.ok = false;
      outcome.errors.push(`the steady state did not come back: ${describeWaiting(d.steady) || errorMessage(err)}`);
    }
  }
  d.ledger?.finish(outcome.ok);
  stopProbes(d.steady);
}
