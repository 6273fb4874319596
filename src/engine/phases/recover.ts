import { BlastRadiusError, TimeoutError, errorMessage } from '../../errors.js';
import type { FaultPlan, PluginContext, StepImpact } from '../../kit/plugin.js';
import { checkStepRadius } from '../blast-radius.js';
import { formatDuration, parseDuration } from '../../kit/duration.js';
import type { ItemRecord } from '../../report/result.js';
import type { DrillRun } from '../drill-run.js';
import { DryRunWait } from '../dry-run-clock.js';
import type { AnyStep } from '../plugins.js';
import type { StepItem } from '../../experiment/types.js';
import { paramsOf } from '../probe-set.js';
import { Verification } from './verify.js';

/**
 * A step that would take down more than the blast radius allows, together with the faults still in effect
 * (the container runtime stopped on every master, every master removed), is refused before it runs.
 */
async function checkImpact(
  d: DrillRun,
  step: AnyStep,
  pointer: string,
  ctx: PluginContext,
  params: Record<string, unknown>,
): Promise<void> {
  if (!step.impact) return;
  let impact: StepImpact | undefined;
  try {
    impact = await step.impact(ctx, params);
  } catch (err) {
    // Its own run will meet the same trouble; the check cannot refuse what it cannot see.
    d.note('step', `${step.name}: what it takes down cannot be told (${errorMessage(err)}); not checked`);
    return;
  }
  if (!impact || (!impact.nodes?.length && !impact.members?.length)) return;
  const inEffect = (d.ledger?.touched() ?? []).map((p) => ({
    type: p.fault.name,
    cluster: p.ctx.cluster,
    plan: p.plan,
  }));
  const mine = inEffect.filter((p) => p.cluster === ctx.cluster);
  const has = (pick: (p: FaultPlan) => string[] | undefined, v: string): boolean =>
    mine.some((p) => pick(p.plan)?.includes(v));
  const adds =
    (impact.nodes ?? []).some(
      (n) =>
        !has((p) => p.nodes, n) ||
        (impact.stopsEtcd && !mine.some((p) => p.plan.stopsEtcd && p.plan.nodes?.includes(n))),
    ) || (impact.members ?? []).some((m) => !has((p) => p.members, m));
  // What the faults already took down was checked before they ran.
  if (!adds) return;
  try {
    await checkStepRadius(
      `${d.file}: ${pointer} (${step.name})`,
      d.experiment.blastRadius,
      inEffect,
      { type: step.name, cluster: ctx.cluster, plan: impact },
      (c) => d.contextFor(c),
    );
  } catch (err) {
    if (err instanceof BlastRadiusError) throw err;
    // The cluster cannot say which nodes are masters (its API has lost etcd): the step is what recovers it.
    d.note('step', `${step.name}: its blast radius cannot be checked now (${errorMessage(err)}); not checked`);
  }
}

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
      for (const [i, step] of steps.entries())
        await runStep(d, step, recovery.steps![i]!, `/recovery/steps/${i}`, `recovery step ${i + 1}`);
    } finally {
      deadline.cancel();
    }
  } else if (recovery.mode === 'manual') {
    const lines = (recovery.steps ?? []).map((s, i) => `${i + 1}. ${steps[i]!.describe(paramsOf(s))}`);
    // Before anyone acts: a rollback after a crash must know that their changes are the drill's.
    if (!d.dryRun) d.ledger?.journal.markManualRecovery(new Date());
    d.progress({ type: 'manual', experiment: d.experiment.id, steps: lines });
    d.note('step', `manual recovery: waiting for a person to carry out ${lines.length} step(s)`);
  } else {
    d.note('step', 'self-heal: no action, waiting for Kubernetes to recover');
  }
}

/**
 * One step, through the drill's journalled context: the recovery's, or the setup's (`pointer` says which,
 * in the journal and in errors). In a dry run, a step that would wait or that needs the faults' effect is
 * noted and the plan goes on.
 */
export async function runStep(
  d: DrillRun,
  step: AnyStep,
  item: StepItem,
  pointer: string,
  what: string,
): Promise<void> {
  const ctx = d.stepContextFor(item.cluster);
  d.currentStep = `${pointer} (${step.name})`;
  d.doing(`${what}: ${item.name ?? step.name}`);
  const params = paramsOf(item);
  const rec: ItemRecord = {
    type: step.name,
    name: item.name ?? step.name,
    cluster: ctx.cluster,
    description: step.describe(params),
    startedAt: d.clock.now(),
    ok: false,
  };
  const setup = pointer.startsWith('/setup');
  if (setup) (d.result.setup ??= []).push(rec);
  else d.result.steps.push(rec);
  d.note('step', `${rec.name}: ${rec.description}`);
  try {
    await d.located(pointer, () => checkImpact(d, step, pointer, ctx, params));
    await d.located(pointer, () => step.run(ctx, params));
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
      d.note(
        'step',
        setup
          ? `${rec.name}: cannot be planned: ${rec.error}`
          : `${rec.name}: cannot be planned without the fault having happened: ${rec.error}`,
      );
      return;
    }
    d.note('step', `${rec.name} failed: ${rec.error}`);
    // A step refused for its blast radius, or a setup that did not happen, stops the drill whatever
    // continueOnError says.
    if (setup || !item.continueOnError || d.signal.aborted || err instanceof BlastRadiusError) throw err;
  } finally {
    rec.endedAt = d.clock.now();
  }
}
