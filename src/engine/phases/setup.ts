import type { DrillRun } from '../drill-run.js';
import type { AnyStep } from '../plugins.js';
import { openJournal, recordIdentities } from './journal.js';
import { runStep } from './recover.js';

/**
 * What the drill needs before its faults (a label, a toleration, a PodDisruptionBudget, a test workload),
 * after the preflight and before the steady state is checked, so that the steady state includes it. The
 * journal is opened first: the steps act through the drill's journalled context, as recovery steps do, so
 * every object they write is recorded as it was and every host change with what undoes it; the rollback
 * undoes them after the faults (newest first), whatever ends the drill, and `gameday rollback` after a
 * crash. Validation accepts only steps whose every change can be undone.
 */
export async function setup(d: DrillRun, steps: AnyStep[]): Promise<void> {
  const items = d.experiment.setup ?? [];
  if (items.length === 0) return;
  d.enter('setup');
  const ledger = openJournal(d);
  await recordIdentities(d, ledger, new Set(items.map((s) => d.contextFor(s.cluster).cluster)));
  for (const [i, step] of steps.entries()) await runStep(d, step, items[i]!, `/setup/${i}`, `setup step ${i + 1}`);
}
