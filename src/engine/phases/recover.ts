import { TimeoutError, errorMessage } from '../../errors.js';
import { formatDuration, parseDuration } from '../../kit/duration.js';
import type { ItemRecord } from '../../report/result.js';
import type { DrillRun } from '../drill-run.js';
import { DryRunWait } from '../dry-run-clock.js';
import type { AnyStep } from '../plugins.js';
import { paramsOf } from '../probe-set.js';
import { Verification } from './verify.js';

/** After the recovery's delay (the runbook's "wait for the host to reboot"), the recovery starts now. */
export async function beginRecovery(d: DrillRun): Promise<Verification> {
  const delay = d.experiment.recovery.delay;
  if (delay) await d.clock.sleep(parseDuration(delay), d.signal);
  d.enter('recover');
  return new Verification(d, d.clock.now());
}

/** The runbook's recovery: gameday runs the steps, shows them to a person, or leaves it to Kubernetes. */
export async function recover(d: DrillRun, steps: AnyStep[]): Promise<void> {
  const recovery = d.experiment.recovery;
  if (recovery.mode === 'automatic') {
    // timeouts.recover bounds the steps: past it the drill stops (a failure, not an abort) and rolls back.
    const limit = d.timeouts.recover;
    const deadline = d.clock.setTimer(
      limit,
      () =>
        d.expire(
          new TimeoutError(`the recovery steps did not finish within ${formatDuration(limit)} (timeouts.recover).`),
        ),
      'timeouts.recover',
    );
    try {
      for (const [i, step] of steps.entries()) await runStep(d, step, i);
    } finally {
      deadline.cancel();
    }
  } else if (recovery.mode === 'manual') {
    const lines = (recovery.steps ?? []).map((s, i) => `${i + 1}. ${steps[i]!.describe(paramsOf(s))}`);
    d.progress({ type: 'manual', experiment: d.experiment.id, steps: lines });
    d.note('step', `manual recovery: waiting for a person to carry out ${lines.length} step(s)`);
  } else {
    d.note('step', 'self-heal: no action, waiting for Kubernetes to recover');
  }
}

async function runStep(d: DrillRun, step: AnyStep, i: number): Promise<void> {
  const item = d.experiment.recovery.steps![i]!;
  const ctx = d.contextFor(item.cluster);
  const params = paramsOf(item);
  const rec: ItemRecord = {
    type: step.name,
    name: item.name ?? step.name,
    cluster: ctx.cluster,
    description: step.describe(params),
    startedAt: d.clock.now(),
    ok: false,
  };
  d.result.steps.push(rec);
  d.note('step', `${rec.name}: ${rec.description}`);
  try {
    await d.located(`/recovery/steps/${i}`, () => step.run(ctx, params));
    rec.ok = true;
  } catch (err) {
    if (err instanceof DryRunWait) {
      // A dry run stops a step where it would wait for the cluster; the plan goes on with the next.
      rec.ok = true;
      d.note('step', `${rec.name}: ${err.message}`);
      return;
    }
    rec.error = errorMessage(err);
    if (d.dryRun) {
      // The faults did not happen, so a step that acts on what they would have done cannot be planned.
      d.note('step', `${rec.name}: cannot be planned without the fault having happened: ${rec.error}`);
      return;
    }
    d.note('step', `${rec.name} failed: ${rec.error}`);
    if (!item.continueOnError || d.signal.aborted) throw err;
  } finally {
    rec.endedAt = d.clock.now();
  }
}
