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
import { setup } from './phases/setup.js';
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
  const running = drill(d);
  running.catch(() => undefined);
  try {
    // The rollback starts the moment the drill is stopped, whatever phase is running: a phase stuck in a
    // wait that cannot be interrupted (a probe starting against an API that does not answer) must not
    // delay it. Such a phase can change nothing more (d.end()); what it had under way is undone below.
    await Promise.race([running, untilAborted(d.signal)]);
    d.result.verdict = 'pass'; // provisional: the targets decide in conclude()
  } catch (err) {
    stopped(d, err);
  } finally {
    d.end();
    d.detach();
    // Stop watching before rolling back: monitors must not count the rollback as unavailability.
    unavailability = d.watchers?.stop() ?? unavailability;
    await rollback(d);
    await afterUnderWay(d);
    await settle(d);
    d.closePhase();
  }
  return conclude(d, unavailability);
}

/** How long the rollback waits for a change a fault or step had under way when the drill was stopped. */
export const UNDER_WAY_WAIT = 60_000;

/**
 * The drill was stopped while a fault or step had a change under way (an API call, a host command that has
 * not answered): nothing new is sent once the drill is stopped, but what was sent may still land. Wait a
 * while for it, then undo again what it did (reverts are idempotent); if it does not end, the journal stays
 * unfinished for `gameday rollback`, and the run says why. A phase stuck elsewhere (a probe starting) can
 * change nothing more and is not waited for.
 */
async function afterUnderWay(d: DrillRun): Promise<void> {
  if (d.underWay.size === 0 || !d.ledger || d.dryRun) return;
  const what = [...new Set(d.underWay.values())].join(', ');
  d.doing(
    `waiting up to ${UNDER_WAY_WAIT / 1000}s for what the drill had under way when it stopped (${what}), to undo it too`,
  );
  const stop = new AbortController();
  const all = Promise.allSettled([...d.underWay.keys()]);
  const landed = await Promise.race([
    all.then(() => true),
    d.clock.sleep(UNDER_WAY_WAIT, stop.signal).then(
      () => false,
      () => false,
    ),
  ]);
  stop.abort();
  if (!landed) {
    const msg = `${what} was still under way when the drill stopped and did not end within ${UNDER_WAY_WAIT / 1000}s: run \`gameday rollback ${d.ledger.journal.path}\` once it has`;
    d.result.rollback.ok = false;
    d.result.rollback.errors.push(msg);
    d.note('rollback', msg);
    return;
  }
  await rollback(d, { again: true });
}

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise<never>((_, reject) => {
    const fail = (): void => reject(signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason)));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

/** The drill up to its verdict. Each phase enters itself in the report; any throw ends the drill here. */
async function drill(d: DrillRun): Promise<void> {
  const plugins = await preflight(d);
  // What the drill needs before its faults, journalled and undone after them; the steady state includes it.
  await setup(d, plugins.setup);
  await steadyState(d);
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
