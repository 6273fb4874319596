import type { DrillRun } from '../drill-run.js';
import { Reconciler } from '../reconcile.js';
import { undoJournal } from '../rollback.js';

/**
 * Undo every change the drill may have made, newest first, whatever ended the drill: the faults by their
 * own reverts, the host-level changes of recovery steps by what undoes them; then every object the drill
 * wrote to is put back as it was before the drill (a node a drain left cordoned, a replica count, a
 * template, a Service selector). A revert that fails is recorded (in the journal too, for `gameday
 * rollback` to retry) and the others still run. A drill that passed may keep its faults when the
 * experiment asks (`rollback.revertFaults: false`).
 */
export async function rollback(d: DrillRun, o: { again?: boolean } = {}): Promise<void> {
  // Again: a phase still under way when the drill stopped has ended since; undo what it did too.
  if (!o.again) d.enter('rollback');
  const outcome = d.result.rollback;
  const keep = d.experiment.rollback?.revertFaults === false && d.result.verdict === 'pass';
  if (!d.ledger || keep) return;
  const report = await undoJournal(d.ledger.journal, {
    contextFor: d.rollbackContextFor,
    faults: d.plugins.faults,
    note: (text) => d.note('rollback', text),
    doing: (text) => d.doing(text),
    ...(o.again ? { again: true } : {}),
  });
  outcome.reverted.push(...report.reverted);
  outcome.errors.push(...report.errors);
  if (report.errors.length > 0) outcome.ok = false;
  if (d.dryRun) {
    // A dry run records no object: say what the real rollback would undo after the faults.
    const setup = (d.result.setup ?? []).map((s) => s.description);
    if (setup.length > 0 && !o.again)
      d.note('rollback', `would then undo the setup, newest first: ${[...setup].reverse().join(' ')}`);
    return;
  }
  const reconciler = (d.reconciler ??= new Reconciler(d.ledger.journal, d.rollbackContextFor));
  if (reconciler.empty) return;
  d.doing('putting back what the drill changed');
  const pass = await reconciler.pass(true);
  for (const r of pass.restored) d.note('rollback', r);
  if (pass.restored.length > 0) (outcome.restored ??= []).push(...pass.restored);
}
