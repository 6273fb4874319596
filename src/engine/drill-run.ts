import { namedClusters } from '../experiment/clusters.js';
import type { Experiment, LoadedExperiment } from '../experiment/types.js';
import type { PhaseName, PhaseRecord, RunResult, TimelineEntry } from '../report/result.js';
import type { Target } from '../targets/target.js';
import { AbortedError, InvalidInputError, type TimeoutError } from '../errors.js';
import { parseDuration } from '../kit/duration.js';
import { newRunState, type PluginContext, type RunState } from '../kit/plugin.js';
import type { Clock } from './clock.js';
import { clusterAliases, contextCache, type ContextOptions } from './context.js';
import { DrillTarget, type DrillActor } from './drill-target.js';
import { DryRunClock } from './dry-run-clock.js';
import { DryRunWorld } from './dry-run-world.js';
import type { Journal, JournalTarget } from './journal.js';
import type { Ledger } from './ledger.js';
import type { DrillLease } from './lease.js';
import type { Reconciler } from './reconcile.js';
import { builtinPlugins, type Plugins } from './plugins.js';
import type { RunningProbe } from './probe-set.js';
import { Random } from './random.js';
import type { Watchers } from './phases/watchers.js';

/**
 * What the terminal and the war room show while a drill runs. `start` hands over the result the phases fill
 * in as they go (read it, never change it): the war room draws the report's timeline from it as it grows.
 */
export type Progress =
  | { type: 'start'; experiment: string; result: Readonly<RunResult> }
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
  /** A journal opened before the target was made (it may already list resources the target created). */
  journal?: Journal;
  onProgress?: (p: Progress) => void;
  /** Where item types are looked up; default the built-in registries (tests bring their own). */
  plugins?: Plugins;
  /** Kept up to date while the drill runs: what it is doing now and its journal, for a person who asks. */
  activity?: Activity;
}

/** What a drill is doing, for the terminal to say when a second Ctrl-C asks (and where its journal is). */
export interface Activity {
  doing: string;
  journal?: string;
}

const DEFAULT_TIMEOUTS = { steadyState: 120_000, detect: 600_000, recover: 1_200_000, verify: 900_000 };

export type Timeouts = typeof DEFAULT_TIMEOUTS;

/**
 * One drill in progress: what every phase reads (the experiment, the target, the contexts) and what the
 * phases leave for the ones that must run whatever happens (rollback and settle read `ledger`, `steady`
 * and `watchers`). Phases receive it explicitly; nothing else is shared.
 */
export class DrillRun {
  readonly experiment: Experiment;
  readonly file: string;
  readonly clock: Clock;
  readonly dryRun: boolean;
  readonly plugins: Plugins;
  readonly timeouts: Timeouts;
  readonly result: RunResult;
  readonly state: RunState = newRunState();
  /**
   * The context a fault acts through, one per cluster (a DryRunClock in dry runs): its changes go through a
   * DrillTarget, so that none is made once the drill is stopped.
   */
  readonly contextFor: (cluster: string | undefined) => PluginContext;
  /** The context recovery steps act through: their changes are journalled for the rollback too. */
  readonly stepContextFor: (cluster: string | undefined) => PluginContext;
  /** Probes only observe: in a dry run they keep the real clock, so a poll probe paces itself as usual. */
  readonly probeContextFor: (cluster: string | undefined) => PluginContext;
  /** The rollback acts on the target itself, on a signal of its own: the drill's abort must not stop it. */
  readonly rollbackContextFor: (cluster: string) => PluginContext;
  /** The recovery step running now, as the journal names who changed what. */
  currentStep = 'recovery';
  /** Changes a fault or step has under way (an API call, a host command), with what each is. */
  readonly underWay = new Map<Promise<unknown>, string>();
  readonly aliases: Map<string, string>;
  readonly wallStart = performance.now();

  /** Set by the steady-state phase: settle waits for them again after the rollback. */
  steady: RunningProbe[] = [];
  /** Set by the journal phase: every change the drill may have made, and how to undo it. */
  ledger: Ledger | undefined;
  /** Set by the rollback: compares and puts back what the drill touched; settle uses it again. */
  reconciler: Reconciler | undefined;
  /** The leases this drill holds on clusters others can reach; released when it is over. */
  readonly leases: DrillLease[] = [];
  /** Set when the faults are about to be injected: abort conditions and monitors. */
  watchers: Watchers | undefined;
  /** When the first fault was injected: a drill stopped before it measured nothing. */
  injectedAt: number | undefined;

  private current: PhaseRecord | undefined;
  private readonly abortController = new AbortController();
  /** Set once the drill is over (whatever ended it): from then on only the rollback changes anything. */
  private ended = false;
  private readonly actionStart: number;
  private readonly onOuterAbort: () => void;

  constructor(
    loaded: LoadedExperiment,
    readonly target: Target,
    readonly options: RunOptions,
  ) {
    const exp = (this.experiment = loaded.experiment);
    this.file = loaded.file;
    this.clock = target.clock;
    this.dryRun = options.dryRun;
    this.plugins = options.plugins ?? builtinPlugins;
    this.timeouts = timeoutsOf(exp);
    this.result = emptyResult(loaded, target, options);
    this.actionStart = target.actions.entries.length;
    // The drill's own abort: the caller's signal (Ctrl-C, SIGTERM) or an abort condition.
    this.onOuterAbort = () => this.abort(`Interrupted (${String(options.signal.reason ?? 'signal')}).`);
    if (options.signal.aborted) this.onOuterAbort();
    else options.signal.addEventListener('abort', this.onOuterAbort, { once: true });

    this.aliases = clusterAliases(target, namedClusters(exp));
    const ctxOptions: ContextOptions = {
      target,
      random: new Random(options.seed),
      state: this.state,
      signal: this.signal,
      dryRun: options.dryRun,
      note: (cluster, text) => this.note('note', `${cluster}: ${text}`),
      aliases: this.aliases,
      ...(options.dryRun ? { clock: new DryRunClock(this.clock), world: new DryRunWorld() } : {}),
    };
    const defaultCluster = exp.clusters?.[0] ?? target.clusters()[0] ?? 'default';
    const actor = (role: DrillActor['role'], label: () => string): DrillActor => ({
      role,
      label,
      ledger: () => this.ledger,
      stopped: () => this.stoppedReason(),
      track: (change, what) => {
        const p = change.finally(() => this.underWay.delete(p));
        this.underWay.set(p, what);
        return p;
      },
    });
    const faults = new DrillTarget(
      target,
      actor('fault', () => 'the faults'),
    );
    const steps = new DrillTarget(
      target,
      actor('step', () => this.currentStep),
    );
    this.contextFor = contextCache({ ...ctxOptions, target: faults }, defaultCluster);
    this.stepContextFor = contextCache({ ...ctxOptions, target: steps }, defaultCluster);
    this.probeContextFor = contextCache({ ...ctxOptions, clock: this.clock }, defaultCluster);
    const undo = contextCache({ ...ctxOptions, signal: new AbortController().signal }, defaultCluster);
    this.rollbackContextFor = (cluster) => undo(cluster);
    this.progress({ type: 'start', experiment: exp.id, result: this.result });
  }

  /** Why the drill's faults and steps may change nothing more, or undefined while they may. */
  stoppedReason(): string | undefined {
    if (this.signal.aborted) return 'The drill was stopped; only its rollback changes the cluster now.';
    if (this.ended) return 'The drill is over; only its rollback changes the cluster now.';
    return undefined;
  }

  /** The drill is over: no fault or step changes anything from now on, even one still running. */
  end(): void {
    this.ended = true;
  }

  /** What the drill is doing now, for a person asking (a second Ctrl-C). */
  doing(text: string): void {
    if (this.options.activity) this.options.activity.doing = text;
  }

  /** Aborted by the caller's signal or an abort condition; every wait of the drill listens to it. */
  get signal(): AbortSignal {
    return this.abortController.signal;
  }

  abort(message: string): void {
    this.abortController.abort(new AbortedError(message));
  }

  /** A phase ran past its deadline: the drill stops as it does on an abort, but the verdict is a failure. */
  expire(err: TimeoutError): void {
    this.abortController.abort(err);
  }

  /** The caller's signal no longer concerns this drill: its rollback is under way. */
  detach(): void {
    this.options.signal.removeEventListener('abort', this.onOuterAbort);
  }

  /** The phase running now, or the last one. */
  get phase(): PhaseRecord | undefined {
    return this.current;
  }

  /**
   * Start a phase, in the report and on the terminal. After an abort no phase starts but the rollback, the
   * one that always runs: the abort's reason is thrown instead.
   */
  enter(name: PhaseName): void {
    if (name !== 'rollback') this.signal.throwIfAborted();
    this.doing(`the ${name} phase`);
    this.closePhase();
    this.current = { name, startedAt: this.clock.now(), ok: true };
    this.result.phases.push(this.current);
    this.note('phase', name);
    this.progress({
      type: 'phase',
      experiment: this.experiment.id,
      phase: name,
      at: this.clock.now(),
      elapsedMs: this.elapsed(),
    });
  }

  /** The current phase failed (the drill may go on: a detection that timed out is measured, not fatal). */
  failPhase(message: string): void {
    if (!this.current) return;
    this.current.ok = false;
    this.current.error = message;
  }

  closePhase(): void {
    if (this.current) this.current.endedAt = this.clock.now();
  }

  note(kind: TimelineEntry['kind'], text: string): void {
    this.result.timeline.push({ at: this.clock.now(), kind, text });
    if (kind !== 'phase')
      this.progress({ type: 'note', experiment: this.experiment.id, text, elapsedMs: this.elapsed() });
  }

  progress(p: Progress): void {
    this.options.onProgress?.(p);
  }

  elapsed(): number {
    return this.clock.now() - this.result.startedAt;
  }

  /** An input error raised while acting on an item names the experiment file and the item's JSON path. */
  async located<T>(pointer: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof InvalidInputError && !err.message.startsWith(this.file)) {
        throw new InvalidInputError(`${this.file}: ${pointer}: ${err.message}`, { cause: err });
      }
      throw err;
    }
  }

  /** The API calls and commands this drill made, in order. */
  actions(): RunResult['actions'] {
    return this.target.actions.entries.slice(this.actionStart);
  }
}

function timeoutsOf(exp: Experiment): Timeouts {
  const t = exp.timeouts;
  return {
    steadyState: t?.steadyState ? parseDuration(t.steadyState) : DEFAULT_TIMEOUTS.steadyState,
    detect: t?.detect ? parseDuration(t.detect) : DEFAULT_TIMEOUTS.detect,
    recover: t?.recover ? parseDuration(t.recover) : DEFAULT_TIMEOUTS.recover,
    verify: t?.verify ? parseDuration(t.verify) : DEFAULT_TIMEOUTS.verify,
  };
}

function emptyResult(loaded: LoadedExperiment, target: Target, options: RunOptions): RunResult {
  const exp = loaded.experiment;
  const startedAt = target.clock.now();
  return {
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
    clock: target.clock.mode,
    ...(target.clock.speed !== undefined && target.clock.speed !== 1 ? { clockSpeed: target.clock.speed } : {}),
    startedAt,
    endedAt: startedAt,
    wallMs: 0,
    timings: {},
    checks: [],
    phases: [],
    faults: [],
    steps: [],
    probes: [],
    timeline: [],
    actions: [],
    rollback: { ok: true, reverted: [], errors: [] },
  };
}
