import { randomUUID } from 'node:crypto';
import type { LoadedExperiment, ProbeItem, StepItem } from '../experiment/types.js';
import type { ItemRecord, PhaseName, PhaseRecord, RunResult, TimelineEntry } from '../report/result.js';
import type { Target } from '../targets/target.js';
import { namedClusters } from '../experiment/clusters.js';
import { faults } from '../faults/index.js';
import { recoverySteps } from '../recovery/index.js';
import { AbortedError, GamedayError, InvalidInputError, TimeoutError, errorMessage } from '../errors.js';
import { checkBlastRadius, type PlannedFault } from './blast-radius.js';
import { clusterAliases, makeContext, type ContextOptions } from './context.js';
import { DryRunClock, DryRunWait } from './dry-run-clock.js';
import { formatDuration, parseDuration } from '../kit/duration.js';
import { Journal, type JournalTarget } from './journal.js';
import { newRunState, type Fault, type FaultPlan, type PluginContext, type RecoveryStep } from '../kit/plugin.js';
import {
  describeWaiting,
  evaluateAll,
  paramsOf,
  records,
  startProbes,
  stopProbes,
  type RunningProbe,
} from './probe-set.js';
import { Random } from './random.js';
import { evaluateTargets } from './targets-check.js';

/** What the terminal shows while a drill runs. */
export type Progress =
  | { type: 'phase'; experiment: string; phase: PhaseName; at: number; elapsedMs: number }
  | { type: 'waiting'; experiment: string; what: string; elapsedMs: number }
  | { type: 'note'; experiment: string; text: string; elapsedMs: number }
  | { type: 'manual'; experiment: string; steps: string[] };

export interface RunOptions {
  seed: number;
  dryRun: boolean;
  signal: AbortSignal;
  journalDir: string;
  journalTarget: JournalTarget;
  onProgress?: (p: Progress) => void;
}

const DEFAULT_TIMEOUTS = { steadyState: 120_000, detect: 600_000, recover: 1_200_000, verify: 900_000 };
/** How long the post-rollback check waits for the steady state to come back. */
const SETTLE_AFTER_ROLLBACK = 900_000;

type AnyFault = Fault<Record<string, unknown>>;
type AnyStep = RecoveryStep<Record<string, unknown>>;

function lookup<T>(registry: Record<string, unknown>, type: string, what: string): T {
  const p = registry[type];
  if (!p) throw new InvalidInputError(`Unknown ${what} type "${type}". Known: ${Object.keys(registry).join(', ')}.`);
  return p as T;
}

/**
 * Runs one experiment on a target: preflight, steady state, journal, inject, detect, recover, verify and,
 * whatever happens, rollback. Never throws for a drill that failed or was interrupted: the result says so.
 */
export async function runExperiment(loaded: LoadedExperiment, target: Target, options: RunOptions): Promise<RunResult> {
  const exp = loaded.experiment;
  const clock = target.clock;
  const wallStart = performance.now();
  const startedAt = clock.now();
  const timeline: TimelineEntry[] = [];
  const phases: PhaseRecord[] = [];
  const faultRecords: ItemRecord[] = [];
  const stepRecords: ItemRecord[] = [];
  const result: RunResult = {
    experiment: {
      id: exp.id,
      title: exp.title,
      file: loaded.file,
      runbook: exp.runbook,
      description: exp.description,
      tags: exp.tags ?? [],
    },
    target: target.kind,
    seed: options.seed,
    dryRun: options.dryRun,
    verdict: 'error',
    clock: clock.mode,
    startedAt,
    endedAt: startedAt,
    wallMs: 0,
    timings: {},
    checks: [],
    phases,
    faults: faultRecords,
    steps: stepRecords,
    probes: [],
    timeline,
    actions: [],
    rollback: { ok: true, reverted: [], errors: [] },
  };
  const actionStart = target.actions.entries.length;
  const progress = (p: Progress): void => options.onProgress?.(p);
  const elapsed = (): number => clock.now() - startedAt;
  const note = (kind: TimelineEntry['kind'], text: string): void => {
    timeline.push({ at: clock.now(), kind, text });
    if (kind !== 'phase') progress({ type: 'note', experiment: exp.id, text, elapsedMs: elapsed() });
  };

  // The drill's own abort: the caller's signal (Ctrl-C, SIGTERM) or an abort condition.
  const drill = new AbortController();
  const onOuterAbort = (): void =>
    drill.abort(new AbortedError(`Interrupted (${String(options.signal.reason ?? 'signal')}).`));
  if (options.signal.aborted) onOuterAbort();
  else options.signal.addEventListener('abort', onOuterAbort, { once: true });

  const state = newRunState();
  const random = new Random(options.seed);
  const ctxOptions = {
    target,
    random,
    state,
    signal: drill.signal,
    dryRun: options.dryRun,
    note: (cluster: string, text: string) => note('note', `${cluster}: ${text}`),
    ...(options.dryRun ? { clock: new DryRunClock(clock) } : {}),
    aliases: clusterAliases(target, namedClusters(exp)),
  };
  const defaultCluster = exp.clusters?.[0] ?? target.clusters()[0] ?? 'default';
  /** One context per cluster, made on first use. */
  const contextCache = (o: ContextOptions): ((cluster: string | undefined) => PluginContext) => {
    const made = new Map<string, PluginContext>();
    return (cluster) => {
      const name = cluster ?? defaultCluster;
      let ctx = made.get(name);
      if (!ctx) {
        ctx = makeContext(o, name);
        made.set(name, ctx);
      }
      return ctx;
    };
  };
  const contextFor = contextCache(ctxOptions);
  // Probes only observe: in a dry run they keep the real clock, so a poll probe paces itself as usual.
  const probeContextFor = options.dryRun ? contextCache({ ...ctxOptions, clock }) : contextFor;

  let current: PhaseRecord | undefined;
  const phase = (name: PhaseName): void => {
    if (current) current.endedAt = clock.now();
    current = { name, startedAt: clock.now(), ok: true };
    phases.push(current);
    note('phase', name);
    progress({ type: 'phase', experiment: exp.id, phase: name, at: clock.now(), elapsedMs: elapsed() });
  };
  const timeouts = {
    steadyState: exp.timeouts?.steadyState ? parseDuration(exp.timeouts.steadyState) : DEFAULT_TIMEOUTS.steadyState,
    detect: exp.timeouts?.detect ? parseDuration(exp.timeouts.detect) : DEFAULT_TIMEOUTS.detect,
    recover: exp.timeouts?.recover ? parseDuration(exp.timeouts.recover) : DEFAULT_TIMEOUTS.recover,
    verify: exp.timeouts?.verify ? parseDuration(exp.timeouts.verify) : DEFAULT_TIMEOUTS.verify,
  };

  /** Wait until every probe passes; the progress line says what is still awaited. */
  const waitProbes = async (running: RunningProbe[], timeoutMs: number, what: string): Promise<number> => {
    if (running.length === 0) return clock.now();
    if (options.dryRun) {
      // Nothing was changed, so nothing will happen: say what a real run would wait for, and go on.
      note(
        'probe',
        `would wait up to ${formatDuration(timeoutMs)} for ${what}: ${running.map((p) => p.description).join('; ')}`,
      );
      return clock.now();
    }
    const show = (): void =>
      progress({ type: 'waiting', experiment: exp.id, what: describeWaiting(running), elapsedMs: elapsed() });
    show();
    const ticker = clock.mode === 'real' ? setInterval(show, 1000) : undefined;
    try {
      return await clock.waitFor(() => evaluateAll(running).ok && clock.now(), {
        timeoutMs,
        what: `${what}: ${running.map((p) => p.description).join('; ')}`,
        signal: drill.signal,
      });
    } catch (err) {
      if (err instanceof TimeoutError) {
        throw new TimeoutError(`${what} not reached within ${formatDuration(timeoutMs)}: ${describeWaiting(running)}.`);
      }
      throw err;
    } finally {
      if (ticker) clearInterval(ticker);
    }
  };

  const planned: {
    index: number;
    item: Record<string, unknown>;
    fault: AnyFault;
    ctx: PluginContext;
    plan: FaultPlan;
    params: Record<string, unknown>;
  }[] = [];
  let journal: Journal | undefined;
  let injectedAt: number | undefined;
  let recoverStart: number | undefined;
  let readyAt: number | undefined;
  const monitors: RunningProbe[] = [];
  const aborts: RunningProbe[] = [];
  const monitorLoops: Promise<void>[] = [];
  const unavailability: Record<string, number> = {};
  let steady: RunningProbe[] = [];
  const monitorsStates: MonitorState[] = [];
  // Ends the background waits (monitors, abort conditions) when the drill is over.
  const watchersDone = new AbortController();
  const watcherSignal = AbortSignal.any([drill.signal, watchersDone.signal]);

  try {
    // --- preflight: everything an experiment names exists, before anything is touched.
    phase('preflight');
    for (const [i, c] of (exp.clusters ?? []).entries()) {
      if (!target.clusters().includes(ctxOptions.aliases.get(c) ?? c)) {
        throw new InvalidInputError(
          `${loaded.file}: /clusters/${i}: expected one of this target's clusters (${target.clusters().join(', ')}), got "${c}".`,
        );
      }
    }
    const faultPlugins = exp.faults.map((f) => lookup<AnyFault>(faults, f.type, 'fault'));
    const stepPlugins = (exp.recovery.steps ?? []).map((s) => lookup<AnyStep>(recoverySteps, s.type, 'recovery step'));

    // --- steady state
    phase('steady-state');
    steady = await startProbes(exp.steadyState, probeContextFor, `${loaded.file}: /steadyState`);
    await waitProbes(steady, timeouts.steadyState, 'the steady state');
    result.probes.push(...records(steady, 'steady-state', clock.now()));

    // --- journal: resolve every selector, check the blast radius, write down what will change.
    phase('journal');
    for (const [index, item] of exp.faults.entries()) {
      const ctx = contextFor(item.cluster);
      const params = paramsOf(item);
      const fault = faultPlugins[index]!;
      const plan = await located(`/faults/${index}`, () => fault.plan(ctx, params));
      planned.push({ index, item, fault, ctx, plan, params });
    }
    await checkBlastRadius(
      loaded.file,
      exp.blastRadius,
      planned.map((p): PlannedFault => ({ type: p.fault.name, cluster: p.ctx.cluster, plan: p.plan })),
      contextFor,
    );
    journal = Journal.create(options.journalDir, {
      runId: `${new Date().toISOString().replace(/[:.]/g, '-')}-${exp.id}-${randomUUID().slice(0, 8)}`,
      experimentId: exp.id,
      experimentFile: loaded.file,
      target: options.journalTarget,
      faults: [],
    });
    for (const p of planned) {
      journal.addFault({ index: p.index, type: p.fault.name, cluster: p.ctx.cluster, params: p.params, plan: p.plan });
    }

    // --- abort conditions and monitors watch from here to the end of verification.
    aborts.push(...(await startProbes(exp.abortWhen, probeContextFor, `${loaded.file}: /abortWhen`)));
    monitors.push(...(await startProbes(exp.monitors, probeContextFor, `${loaded.file}: /monitors`)));
    for (const m of monitors) monitorLoops.push(watchMonitor(m));
    if (aborts.length > 0) {
      clock
        .waitFor(() => evaluateAll(aborts).results.find((r) => !r.result.ok), {
          timeoutMs: Number.MAX_SAFE_INTEGER / 4,
          what: 'abort conditions',
          signal: watcherSignal,
        })
        .then((failing) => {
          drill.abort(
            new AbortedError(
              `Abort condition failed: ${failing.probe.description} (observed: ${failing.result.observed}).`,
            ),
          );
        })
        .catch(() => undefined);
    }

    // --- inject
    phase('inject');
    injectedAt = clock.now();
    result.timings.startupWallMs = Math.round(performance.now() - wallStart);
    const injectOne = async (p: (typeof planned)[number]): Promise<void> => {
      const rec: ItemRecord = {
        type: p.fault.name,
        name: (p.item.name as string | undefined) ?? p.fault.name,
        cluster: p.ctx.cluster,
        description: p.fault.describe(p.params),
        startedAt: clock.now(),
        ok: false,
        hit: [...(p.plan.nodes ?? []), ...(p.plan.members ?? []), ...(p.plan.workloads ?? [])],
      };
      faultRecords.push(rec);
      journal!.mark(p.index, 'injecting');
      note('fault', `inject ${rec.name}: ${rec.description}${rec.hit?.length ? ` [${rec.hit.join(', ')}]` : ''}`);
      try {
        try {
          await p.fault.inject(p.ctx, p.params, p.plan);
        } catch (err) {
          if (!(err instanceof DryRunWait)) throw err;
          note('fault', `${rec.name}: ${err.message}`);
        }
        rec.ok = true;
        journal!.mark(p.index, 'injected');
        for (const n of p.plan.nodes ?? []) push(state.affectedNodes, p.ctx.cluster, n);
        for (const m of p.plan.members ?? []) push(state.affectedMembers, p.ctx.cluster, m);
        for (const w of p.plan.workloads ?? []) push(state.affectedWorkloads, p.ctx.cluster, w);
      } catch (err) {
        rec.error = errorMessage(err);
        throw err;
      } finally {
        rec.endedAt = clock.now();
      }
    };
    if (exp.faultMode === 'sequence') {
      for (const p of planned) {
        const after = p.item.after as string | undefined;
        if (after) await clock.sleep(parseDuration(after), drill.signal);
        await injectOne(p);
      }
    } else {
      await Promise.all(planned.map(injectOne));
    }

    // --- detect
    phase('detect');
    const detect = await startProbes(exp.detect, probeContextFor, `${loaded.file}: /detect`);
    try {
      const at = await waitProbes(detect, timeouts.detect, 'detection');
      if (exp.detect?.length) {
        result.timings.timeToDetect = at - injectedAt;
        note('probe', `detected after ${formatDuration(at - injectedAt)}`);
      }
    } catch (err) {
      if (!(err instanceof TimeoutError)) throw err;
      current!.ok = false;
      current!.error = err.message;
      note('probe', err.message);
    } finally {
      result.probes.push(...records(detect, 'detect', clock.now()));
      stopProbes(detect);
    }

    // --- recover
    if (exp.recovery.delay) await clock.sleep(parseDuration(exp.recovery.delay), drill.signal);
    phase('recover');
    recoverStart = clock.now();
    // Verification probes start watching now, beside the recovery: a poll probe's first ask (etcd health
    // with members down) can take seconds and must not delay the runbook's first step.
    const verifyStarting = startProbes(exp.verify, probeContextFor, `${loaded.file}: /verify`);
    verifyStarting.catch(() => undefined);
    let verify: RunningProbe[] = [];
    try {
      if (exp.recovery.mode === 'automatic') {
        await runSteps(exp.recovery.steps ?? [], stepPlugins);
      } else if (exp.recovery.mode === 'manual') {
        const lines = (exp.recovery.steps ?? []).map((s, i) => `${i + 1}. ${stepPlugins[i]!.describe(paramsOf(s))}`);
        progress({ type: 'manual', experiment: exp.id, steps: lines });
        note('step', `manual recovery: waiting for a person to carry out ${lines.length} step(s)`);
      } else {
        note('step', 'self-heal: no action, waiting for Kubernetes to recover');
      }

      // --- verify
      verify = await verifyStarting;
      phase('verify');
      const recoverBudget = exp.recovery.mode === 'automatic' ? timeouts.verify : timeouts.recover;
      readyAt = await waitProbes(verify, recoverBudget, 'Ready');
      result.timings.timeToReady = readyAt - recoverStart;
      result.timings.timeToRecover = readyAt - injectedAt;
      note('probe', `Ready ${formatDuration(readyAt - recoverStart)} after recovery started`);
    } finally {
      if (verify.length === 0) verify = await verifyStarting.catch(() => []);
      result.probes.push(...records(verify, 'verify', clock.now()));
      stopProbes(verify);
    }
    result.verdict = 'pass'; // provisional: targets decide below
  } catch (err) {
    const aborted = drill.signal.aborted;
    const e = aborted && drill.signal.reason instanceof Error ? drill.signal.reason : err;
    result.error = errorMessage(e);
    result.verdict = aborted || e instanceof AbortedError ? 'aborted' : e instanceof TimeoutError ? 'fail' : 'error';
    if (e instanceof GamedayError && e.exitCode === 2) {
      result.verdict = 'error';
      result.errorKind = 'invalid-input';
    } else if (result.verdict === 'error') {
      result.errorKind = 'infrastructure';
    }
    if (current) {
      current.ok = false;
      current.error = result.error;
    }
    note('note', `stopped: ${result.error}`);
  } finally {
    options.signal.removeEventListener('abort', onOuterAbort);
    // Stop watching before rolling back: monitors must not count the rollback as unavailability.
    const monitorsEnd = clock.now();
    watchersDone.abort();
    for (const m of monitors) m.handle.stop();
    for (const m of monitorsStates) if (m.failingSince !== undefined) closeWindow(m, monitorsEnd);
    stopProbes(aborts);
    await rollback();
    stopProbes(steady);
    if (current) current.endedAt = clock.now();
  }

  if (Object.keys(unavailability).length > 0) result.timings.unavailability = unavailability;
  // Data safety is measured by the etcd writer probe and the verification that reads the keys back.
  const data = state.values.get('dataSafety');
  if (data) result.data = data as NonNullable<RunResult['data']>;
  if (options.dryRun) {
    // A plan measures nothing: no timings, no target checks.
    result.timings = {
      ...(result.timings.startupWallMs !== undefined ? { startupWallMs: result.timings.startupWallMs } : {}),
    };
  } else if (injectedAt !== undefined) {
    // A run stopped before its first fault measured nothing: its error says why, no target was missed.
    result.checks = evaluateTargets(exp.targets, result);
  }
  if (result.verdict === 'pass' && result.checks.some((c) => !c.ok)) result.verdict = 'fail';
  if (result.verdict === 'pass' && !result.rollback.ok) {
    result.verdict = 'error';
    result.error = `rollback incomplete: ${result.rollback.errors.join('; ')}`;
  }
  result.endedAt = clock.now();
  result.wallMs = performance.now() - wallStart;
  result.actions = target.actions.entries.slice(actionStart);
  return result;

  // ---- helpers that close over the run's state

  /** An input error raised while acting on an item names the experiment file and the item's JSON path. */
  async function located<T>(pointer: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof InvalidInputError && !err.message.startsWith(loaded.file)) {
        throw new InvalidInputError(`${loaded.file}: ${pointer}: ${err.message}`, { cause: err });
      }
      throw err;
    }
  }

  async function runSteps(items: StepItem[], plugins: AnyStep[]): Promise<void> {
    for (const [i, item] of items.entries()) {
      const step = plugins[i]!;
      const ctx = contextFor(item.cluster);
      const params = paramsOf(item);
      const rec: ItemRecord = {
        type: step.name,
        name: item.name ?? step.name,
        cluster: ctx.cluster,
        description: step.describe(params),
        startedAt: clock.now(),
        ok: false,
      };
      stepRecords.push(rec);
      note('step', `${rec.name}: ${rec.description}`);
      try {
        await located(`/recovery/steps/${i}`, () => step.run(ctx, params));
        rec.ok = true;
      } catch (err) {
        if (err instanceof DryRunWait) {
          // A dry run stops a step where it would wait for the cluster; the plan goes on with the next.
          rec.ok = true;
          note('step', `${rec.name}: ${err.message}`);
          continue;
        }
        if (options.dryRun) {
          // The faults did not happen, so a step that acts on what they would have done cannot be planned.
          rec.error = errorMessage(err);
          note('step', `${rec.name}: cannot be planned without the fault having happened: ${rec.error}`);
          continue;
        }
        rec.error = errorMessage(err);
        note('step', `${rec.name} failed: ${rec.error}`);
        if (!item.continueOnError || drill.signal.aborted) throw err;
      } finally {
        rec.endedAt = clock.now();
      }
    }
  }

  async function rollback(): Promise<void> {
    phase('rollback');
    const revertFaults = exp.rollback?.revertFaults !== false || result.verdict !== 'pass';
    const toRevert = planned.filter(
      (p) => journal && journal.data.faults.find((f) => f.index === p.index)?.status !== 'planned',
    );
    if (revertFaults) {
      for (const p of [...toRevert].reverse()) {
        try {
          await p.fault.revert(p.ctx.forCluster(p.ctx.cluster), p.params, p.plan);
          journal?.mark(p.index, 'reverted');
          result.rollback.reverted.push(`${p.fault.name} on ${p.ctx.cluster}`);
          note('rollback', `reverted ${p.fault.name}`);
        } catch (err) {
          const msg = `${p.fault.name} on ${p.ctx.cluster}: ${errorMessage(err)}`;
          journal?.mark(p.index, 'revert-failed', msg);
          result.rollback.ok = false;
          result.rollback.errors.push(msg);
          note('rollback', `revert failed: ${msg}`);
        }
      }
    }
    // Nothing left broken: the steady state must come back after the rollback.
    // After a failed revert the steady state cannot come back by waiting: say so at once.
    if (steady.length > 0 && injectedAt !== undefined && !options.dryRun && result.rollback.errors.length === 0) {
      try {
        await clock.waitFor(() => evaluateAll(steady).ok, {
          timeoutMs: SETTLE_AFTER_ROLLBACK,
          what: 'steady state after rollback',
        });
        note('rollback', 'steady state is back');
      } catch (err) {
        result.rollback.ok = false;
        result.rollback.errors.push(
          `the steady state did not come back: ${describeWaiting(steady) || errorMessage(err)}`,
        );
      }
    }
    journal?.finish(result.rollback.ok ? 'rolled-back' : 'rollback-incomplete');
  }

  function closeWindow(m: MonitorState, at: number): void {
    if (m.failingSince === undefined) return;
    m.longest = Math.max(m.longest, at - m.failingSince);
    m.failingSince = undefined;
    unavailability[m.probe.name] = m.longest;
  }
  async function watchMonitor(probe: RunningProbe): Promise<void> {
    const m: MonitorState = { probe, failingSince: undefined, longest: 0 };
    monitorsStates.push(m);
    unavailability[probe.name] = 0;
    let last = true;
    for (;;) {
      try {
        last = await clock
          .waitFor(
            () => {
              const ok = evaluateAll([probe]).ok;
              return ok !== last ? { v: ok } : undefined;
            },
            { timeoutMs: Number.MAX_SAFE_INTEGER / 4, what: `monitor ${probe.name}`, signal: watcherSignal },
          )
          .then((x) => x.v);
      } catch {
        return;
      }
      if (!last) m.failingSince = clock.now();
      else closeWindow(m, clock.now());
      if (watcherSignal.aborted) return;
    }
  }
}

/** A monitor's failing stretches, timed to the events that start and end them. */
interface MonitorState {
  probe: RunningProbe;
  failingSince: number | undefined;
  longest: number;
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key) ?? [];
  if (!list.includes(value)) list.push(value);
  map.set(key, list);
}

export type { ProbeItem };
