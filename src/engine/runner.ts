import type { LoadedExperiment } from '../experiment/types.js';
import type { RunResult } from '../report/result.js';
import type { Target } from '../targets/target.js';
import { DrillRun, type RunOptions } from './drill-run.js';
import { detect } from './phases/detect.js';
import { inject } from './phases/inject.js';
import { journal } from './phases/journal.js';
import { conclude, stopped } from './phases/outcome.js';
import { preflight } from './phases/preflight.js';
import { beginRecovery, recover } from './phases/recover.js';
import { rollback } from './phases/rollback.js';
import { settle } from './phases/settle.js';
import { steadyState } from './phases/steady-state.js';
import { verify } from './phases/verify.js';
import { watch, type Unavailability } from './phases/watchers.js';

export type { Progress, RunOptions } from './drill-run.js';

/**
 * Runs one experiment on a target: the drill's phases in order and then, whatever happened (a pass, a
 * failure, a timeout, an exception, an abort), the rollback and the settle check. Never throws for a drill
 * that failed or was interrupted: the result says so.
 */
export async function runExperiment(loaded: LoadedExperiment, target: Target, options: RunOptions): Promise<RunResult> {
  const d = new DrillRun(loaded, target, options);
  let unavailability: Unavailability = { longest: {}, stillFailing: [] };
  try {
    await drill(d);
    d.result.verdict = 'pass'; // provisional: the targets decide in conclude()
  } catch (err) {
    stopped(d, err);
  } finally {
    d.detach();
    // Stop watching before rolling back: monitors must not count the rollback as unavailability.
    unavailability = d.watchers?.stop() ?? unavailability;
    await rollback(d);
    await settle(d);
    d.closePhase();
  }
  return conclude(d, unavailability);
}

/** The drill up to its verdict. Each phase enters itself in the report; any throw ends the drill here. */
async function drill(d: DrillRun): Promise<void> {
  const plugins = await preflight(d);
  await steadyState(d);
  // Issue 18's setup phase goes here: changes the drill needs before its faults, journalled like them.
  const ledger = await journal(d, plugins.faults);
  await watch(d);
  const injectedAt = await inject(d, ledger);
  await detect(d, injectedAt);
  const verification = await beginRecovery(d);
  try {
    await recover(d, plugins.steps);
    await verify(d, verification, injectedAt);
  } finally {
    await verification.close();
  }
}
