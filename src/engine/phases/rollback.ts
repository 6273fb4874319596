import { errorMessage } from '../../errors.js';
import type { DrillRun } from '../drill-run.js';

/**
 * Undo every change the drill may have made, newest first, whatever ended the drill. A revert that fails
 * is recorded (in the journal too, for `gameday rollback` to retry) and the others still run. A drill that
 * passed may keep its faults when the experiment asks (`rollback.revertFaults: false`).
 */
export async function rollback(d: DrillRun): Promise<void> {
  d.enter('rollback');
  const outcome = d.result.rollback;
  const keep = d.experiment.rollback?.revertFaults === false && d.result.verdict === 'pass';
  if (!d.ledger || keep) return;
  for (const p of d.ledger.touched().reverse()) {
    const label = `${p.fault.name} on ${p.ctx.cluster}`;
    try {
      await p.fault.revert(p.ctx.forCluster(p.ctx.cluster), p.params, p.plan);
      d.ledger.mark(p, 'reverted');
      outcome.reverted.push(label);
      d.note('rollback', `reverted ${p.fault.name}`);
    } catch (err) {
      const msg = `${label}: ${errorMessage(err)}`;
      d.ledger.mark(p, 'revert-failed', msg);
      outcome.ok = false;
      outcome.errors.push(msg);
      d.note('rollback', `revert failed: ${msg}`);
    }
  }
}
