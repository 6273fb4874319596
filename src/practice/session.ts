import type { LoadedExperiment } from '../experiment/types.js';
import { parseDuration, formatDuration } from '../kit/duration.js';
import type { JournalTarget } from '../engine/journal.js';
import { paramsOf } from '../engine/probe-set.js';
import { RealClock } from '../engine/clock.js';
import { Random } from '../engine/random.js';
import { runExperiment, type Progress } from '../engine/runner.js';
import { AbortedError, errorMessage } from '../errors.js';
import { recoverySteps } from '../recovery/index.js';
import type { RunResult } from '../report/result.js';
import type { Target } from '../targets/target.js';
import { AlertRules, watchAlerts, type AlertEvent } from './alerts.js';
import { watchApiChanges } from './api-transcript.js';
import { buildReport, type PracticeReport } from './practice-report.js';
import { markEnded, markInjected, newState, recordAlert, recordApi, type PracticeState } from './session-state.js';
import { SessionStore } from './session-store.js';

/** What the practice terminal shows. Never which fault: finding that out is the exercise. */
export type PracticeEvent =
  | { type: 'started'; session: string; file: string }
  | { type: 'armed'; text: string }
  | { type: 'alert'; event: AlertEvent }
  | { type: 'recovered'; afterMs: number }
  | { type: 'warning'; text: string }
  | { type: 'ended'; report: PracticeReport; result?: RunResult };

export interface PracticeOptions {
  loaded: LoadedExperiment;
  target: Target;
  journalTarget: JournalTarget;
  journalDir: string;
  /** Where session files go (`.gameday/practice`). */
  dir: string;
  sessionId?: string;
  seed: number;
  /** The fault comes at a random moment in [minMs, maxMs] after the session starts. */
  injectDelay: { minMs: number; maxMs: number };
  /** Ctrl-C: stop, roll the fault back, and report what was done so far. */
  signal: AbortSignal;
  kubeconfig?: string;
  /** How fast the target's clock runs against the wall clock (default: a RealClock's own speed). */
  speed?: number;
  /** Poll etcd health for the etcd alert (default: on the simulator, or when a fault touches etcd). */
  watchEtcd?: boolean;
  onEvent?: (e: PracticeEvent) => void;
  /** The runner's own progress, once the fault comes (the war room draws the drill from it). */
  onProgress?: (p: Progress) => void;
}

/** The experiment with its recovery made manual: the people recover; gameday injects, watches and rolls back. */
export function manualCopy(loaded: LoadedExperiment): LoadedExperiment {
  const exp = structuredClone(loaded.experiment);
  exp.recovery = { ...exp.recovery, mode: 'manual' };
  // A person may fix things well after the runbook's automatic delay; nobody waits on their behalf.
  delete exp.recovery.delay;
  return { file: loaded.file, experiment: exp };
}

/** The runbook's recovery steps in words, the way `gameday run` shows them in manual mode. */
export function hintsOf(loaded: LoadedExperiment): string[] {
  const registry = recoverySteps as unknown as Record<
    string,
    { describe(p: Record<string, unknown>): string } | undefined
  >;
  return (loaded.experiment.recovery.steps ?? []).map(
    (s) => registry[s.type]?.describe(paramsOf(s)) ?? `${s.type} (${JSON.stringify(paramsOf(s))})`,
  );
}

/** The drill's targets as the people are measured: acknowledging by the detect target, recovering by the recover target. */
export function peopleTargets(loaded: LoadedExperiment): PracticeState['targets'] {
  const t = loaded.experiment.targets ?? {};
  const ms = (d: string | undefined): number | undefined => (d ? parseDuration(d) : undefined);
  const acknowledge = ms(t.timeToDetect);
  const ready = ms(t.timeToReady);
  const recover = ms(t.timeToRecover) ?? (ready !== undefined ? ready + (acknowledge ?? 0) : undefined);
  return {
    ...(acknowledge !== undefined ? { acknowledge } : {}),
    ...(recover !== undefined ? { recover } : {}),
    ...(ready !== undefined ? { ready } : {}),
  };
}

export function injectDelayOf(seed: number, d: { minMs: number; maxMs: number }): number {
  const span = Math.max(0, d.maxMs - d.minMs);
  return d.minMs + Math.floor(new Random(seed ^ 0x5eed).next() * (span + 1));
}

/**
 * One practice session: wait a random moment, inject the experiment's faults without saying which, raise
 * the platform's alerts, and let people recover by hand while the verification probes decide when they
 * have. The runner does injection, verification and rollback in its manual mode, so a session that is
 * interrupted (Ctrl-C) or times out rolls back exactly as `gameday run` does.
 */
export async function runPractice(o: PracticeOptions): Promise<PracticeReport> {
  const { target, loaded } = o;
  const exp = loaded.experiment;
  const clock = target.clock;
  const cluster = exp.clusters?.[0] ?? target.clusters()[0] ?? 'default';
  const id = o.sessionId ?? `${exp.id}-${new Date(clock.now()).toISOString().replace(/[:.]/g, '-')}`;
  const store = new SessionStore(o.dir, id);
  const state = newState({
    id,
    experiment: { id: exp.id, title: exp.title, file: loaded.file, runbook: exp.runbook },
    target: target.kind,
    cluster,
    kubeconfig: o.kubeconfig,
    now: clock.now(),
    wallNow: Date.now(),
    speed: o.speed ?? (clock instanceof RealClock ? clock.speed : 1),
    mode: clock.mode,
    targets: peopleTargets(loaded),
  });
  state.hints = hintsOf(loaded);
  store.create(state);
  const emit = (e: PracticeEvent): void => o.onEvent?.(e);
  emit({ type: 'started', session: id, file: store.path });

  const kube = target.kube(cluster);
  const stops: (() => void)[] = [];
  const alertEvents: AlertEvent[] = [];
  const onAlert = (e: AlertEvent): void => {
    alertEvents.push(e);
    store.update((s) => recordAlert(s, e.alert.at, e.type, e.alert.text));
    emit({ type: 'alert', event: e });
  };
  const touchesEtcd = exp.faults.some((f) => f.type.includes('etcd'));
  let runResult: RunResult | undefined;
  const etcd = target.etcd(cluster);
  try {
    stops.push(
      await watchAlerts({
        clock,
        informers: {
          nodes: kube.informer('nodes'),
          deployments: kube.informer('deployments'),
          statefulsets: kube.informer('statefulsets'),
          pods: kube.informer('pods'),
        },
        ...((o.watchEtcd ?? (target.kind === 'sim' || touchesEtcd)) ? { etcdHealth: () => etcd.health() } : {}),
        rules: new AlertRules(exp.clusters && exp.clusters.length > 1 ? { cluster } : {}),
        onAlert,
        onError: (text) => emit({ type: 'warning', text }),
      }),
    );
    stops.push(
      await watchApiChanges({
        clock,
        informers: {
          deployments: kube.informer('deployments'),
          statefulsets: kube.informer('statefulsets'),
          daemonsets: kube.informer('daemonsets'),
          nodes: kube.informer('nodes'),
          pods: kube.informer('pods'),
          configmaps: kube.informer('configmaps'),
        },
        actions: target.actions,
        onEntry: (e) => store.update((s) => recordApi(s, e.at, e.text, e.by)),
      }),
    );

    const delay = injectDelayOf(o.seed, o.injectDelay);
    emit({
      type: 'armed',
      text: `A fault will be injected at a random moment within ${formatDuration(o.injectDelay.maxMs)}. Watch for alerts.`,
    });
    try {
      await clock.sleep(delay, o.signal);
    } catch (err) {
      if (!(err instanceof AbortedError) && !o.signal.aborted) throw err;
      store.update((s) =>
        markEnded(s, clock.now(), { status: 'gave-up', error: 'stopped before any fault was injected' }),
      );
      return finish();
    }

    let recoveredAt: number | undefined;
    const result: RunResult = await runExperiment(manualCopy(loaded), target, {
      seed: o.seed,
      dryRun: false,
      signal: o.signal,
      journalDir: o.journalDir,
      journalTarget: o.journalTarget,
      onProgress: (p) => {
        o.onProgress?.(p);
        if (p.type === 'phase' && p.phase === 'inject') {
          store.update((s) =>
            markInjected(
              s,
              p.at,
              exp.faults.map((f) => ({ type: f.type })),
            ),
          );
        } else if (p.type === 'note' && /^Ready .* after recovery started$/.test(p.text)) {
          recoveredAt = clock.now();
          const s = store.read();
          emit({ type: 'recovered', afterMs: recoveredAt - (s.injectedAt ?? recoveredAt) });
        }
      },
    });
    runResult = result;
    store.update((s) => {
      s.faults = result.faults.map((f) => ({ type: f.type, ...(f.hit?.length ? { hit: f.hit } : {}) }));
      const recovered = result.timings.timeToRecover !== undefined && s.injectedAt !== undefined;
      const status = recovered
        ? 'recovered'
        : result.verdict === 'aborted'
          ? 'gave-up'
          : result.verdict === 'fail'
            ? 'failed'
            : 'error';
      markEnded(s, clock.now(), {
        status,
        recoveredAt: recovered ? s.injectedAt! + result.timings.timeToRecover! : undefined,
        verdict: result.verdict,
        error: result.error,
        rollback: { ok: result.rollback.ok, errors: result.rollback.errors },
      });
    });
    return finish();
  } catch (err) {
    store.update((s) => markEnded(s, clock.now(), { status: 'error', error: errorMessage(err) }));
    throw err;
  } finally {
    for (const stop of stops) stop();
  }

  function finish(): PracticeReport {
    for (const stop of stops.splice(0)) stop();
    const report = buildReport(store.read());
    emit({ type: 'ended', report, ...(runResult ? { result: runResult } : {}) });
    return report;
  }
}
