import { errorMessage } from '../../errors.js';
import { SCRATCH_LABEL, sweepScratch } from '../../kit/namespace.js';
import type { DrillRun } from '../drill-run.js';
import { describeWaiting, evaluateAll, stopProbes } from '../probe-set.js';

/** How long the post-rollback check waits for the steady state to come back. */
export const SETTLE_AFTER_ROLLBACK = 900_000;

/**
 * Nothing left broken: after the rollback the steady state must come back, and every object the drill
 * touched must be as it was before the drill (what the rollback could put back it did; what takes time,
 * a node booting, a rollout, is waited for). Each difference left fails the rollback, listed. After a
 * failed revert waiting cannot help: the rollback is incomplete at once, with what differs.
 */
export async function settle(d: DrillRun): Promise<void> {
  const outcome = d.result.rollback;
  const kept = d.experiment.rollback?.revertFaults === false && d.result.verdict === 'pass';
  const setupRan = (d.result.setup ?? []).length > 0;
  const touched = (d.injectedAt !== undefined || setupRan) && !d.dryRun && !kept;
  const reconciler = d.reconciler && !d.reconciler.empty ? d.reconciler : undefined;
  // The steady state was checked with the setup in place, which the rollback has undone: what it checked
  // may be gone on purpose (the setup's test workload). Everything the drill touched, setup included, is
  // compared with how it was before the drill instead.
  const steady = setupRan ? [] : d.steady;
  if (setupRan && d.steady.length > 0)
    d.note('rollback', 'the setup is undone: the cluster is compared with before the drill, not with the steady state');
  if (touched && outcome.errors.length === 0) {
    const deadline = d.clock.now() + SETTLE_AFTER_ROLLBACK;
    let steadyOk = true;
    if (steady.length > 0) {
      d.doing(`waiting for the steady state after the rollback: ${describeWaiting(steady)}`);
      try {
        await d.clock.waitFor(() => evaluateAll(steady).ok, {
          timeoutMs: SETTLE_AFTER_ROLLBACK,
          what: 'steady state after rollback',
        });
        d.note('rollback', 'steady state is back');
      } catch (err) {
        steadyOk = false;
        outcome.ok = false;
        outcome.errors.push(`the steady state did not come back: ${describeWaiting(steady) || errorMessage(err)}`);
      }
    }
    if (reconciler) {
      d.doing('checking that everything the drill touched is as it was before');
      const r = await reconciler.settle(d.clock, {
        timeoutMs: Math.max(0, deadline - d.clock.now()),
        ...(steadyOk && steady.length > 0 ? { ready: () => evaluateAll(steady).ok } : {}),
        onPass: (p) => {
          if (p.differences.length > 0) d.doing(`waiting for: ${p.differences.join('; ')}`);
        },
      });
      for (const x of r.restored) d.note('rollback', x);
      if (r.restored.length > 0) (outcome.restored ??= []).push(...r.restored);
      if (r.differences.length > 0) {
        outcome.ok = false;
        outcome.errors.push(...r.differences.map((x) => `left different from before the drill: ${x}`));
      } else d.note('rollback', 'everything the drill touched is as it was before');
    }
  } else if (touched && reconciler) {
    const r = await reconciler.pass(false);
    outcome.errors.push(...r.differences.map((x) => `left different from before the drill: ${x}`));
  }
  d.ledger?.finish(outcome.ok);
  stopProbes(d.steady);
  if (!d.dryRun) await sweepProbeScratch(d);
  // The drill is over (or its journal says what is left): another drill may start.
  for (const l of d.leases.splice(0)) await l.release();
}

/**
 * A write probe stopped, or refused by an API in trouble, between creating its ConfigMap and deleting it
 * leaves one behind: the drill removes its own (a probe of another drill deleting one gets a 404 it expects).
 */
async function sweepProbeScratch(d: DrillRun): Promise<void> {
  const e = d.experiment;
  const probes = [e.steadyState ?? [], e.detect ?? [], e.verify, e.monitors ?? [], e.abortWhen ?? []].flat();
  const clusters = new Set(probes.filter((p) => p.type === 'api-writable').map((p) => p.cluster ?? e.clusters?.[0]));
  for (const cluster of clusters) {
    const kube = d.rollbackContextFor(cluster ?? d.target.clusters()[0] ?? 'default').kube;
    try {
      const removed = await sweepScratch(kube);
      if (removed.length > 0) d.note('rollback', `removed ${removed.join(', ')} its write probes had left`);
    } catch (err) {
      d.note(
        'rollback',
        `could not remove what its write probes left (labelled ${SCRATCH_LABEL}): ${errorMessage(err)}`,
      );
    }
  }
}
