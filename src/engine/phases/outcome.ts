import { AbortedError, GamedayError, TimeoutError, errorMessage } from '../../errors.js';
import type { RunResult } from '../../report/result.js';
import type { DrillRun } from '../drill-run.js';
import { evaluateTargets } from '../targets-check.js';
import type { Unavailability } from './watchers.js';

/**
 * Why the drill stopped early, as a verdict: aborted (a signal or an abort condition: the abort's reason
 * wins over whatever error it caused), fail (a wait timed out), or error (invalid input, or the target
 * misbehaved).
 */
export function stopped(d: DrillRun, err: unknown): void {
  const r = d.result;
  const aborted = d.signal.aborted;
  const e: unknown = aborted && d.signal.reason instanceof Error ? d.signal.reason : err;
  r.error = errorMessage(e);
  r.verdict = e instanceof TimeoutError ? 'fail' : aborted || e instanceof AbortedError ? 'aborted' : 'error';
  if (e instanceof GamedayError && e.exitCode === 2) {
    r.verdict = 'error';
    r.errorKind = 'invalid-input';
  } else if (r.verdict === 'error') {
    r.errorKind = 'infrastructure';
  }
  d.failPhase(r.error);
  d.note('note', `stopped: ${r.error}`);
}

/**
 * The result once everything is undone: measurements, the targets checked against them, and the verdict
 * (a passing drill whose rollback is incomplete is an error: something was left broken).
 */
export function conclude(d: DrillRun, unavailability: Unavailability): RunResult {
  const r = d.result;
  if (Object.keys(unavailability.longest).length > 0) r.timings.unavailability = unavailability.longest;
  if (unavailability.stillFailing.length > 0) r.timings.stillUnavailable = unavailability.stillFailing;
  // Data safety is measured by the etcd writer probe and the verification that reads the keys back.
  const data = d.state.values.get('dataSafety');
  if (data) r.data = data as NonNullable<RunResult['data']>;
  if (d.dryRun) {
    // A plan measures nothing: no timings, no target checks.
    r.timings = r.timings.startupWallMs !== undefined ? { startupWallMs: r.timings.startupWallMs } : {};
  } else if (d.injectedAt !== undefined) {
    // A run stopped before its first fault measured nothing: its error says why, no target was missed.
    r.checks = evaluateTargets(d.experiment.targets, r);
  }
  if (r.verdict === 'pass' && r.checks.some((c) => !c.ok)) r.verdict = 'fail';
  if (r.verdict === 'pass' && !r.rollback.ok) {
    r.verdict = 'error';
    r.error = `rollback incomplete: ${r.rollback.errors.join('; ')}`;
  }
  r.endedAt = d.clock.now();
  r.wallMs = performance.now() - d.wallStart;
  r.actions = d.actions();
  return r;
}
