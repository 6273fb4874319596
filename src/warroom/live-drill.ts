import { evaluateTargets } from '../engine/targets-check.js';
import type { LoadedExperiment } from '../experiment/types.js';
import { deadline, marks } from '../report/marks.js';
import type { RunResult, TargetCheck } from '../report/result.js';
import { checkLabel } from '../report/format.js';
import { parseDuration } from '../kit/duration.js';
import { emptyPeopleRecord, withPeopleRecord, type PeopleRecord } from './people-record.js';

/** A target counting down on the page. */
export interface Countdown {
  /** The target's name (timeToDetect, or a practice time such as acknowledge): the page's handle on it. */
  name: string;
  label: string;
  allowed: number;
  /** waiting: its clock has not started (no fault yet, no recovery yet); running: ticking towards `deadline`. */
  state: 'waiting' | 'running' | 'met' | 'missed';
  /** On the drill's clock. */
  deadline?: number;
  measured?: number;
  /** What it counts from, in words. */
  from: string;
  /** Still counting (the page ticks it between updates), also past a missed deadline: "12s over". */
  ticking: boolean;
}

const COUNTED = ['timeToDetect', 'timeToReady', 'timeToRecover'] as const;
const FROM: Record<(typeof COUNTED)[number], string> = {
  timeToDetect: 'from the fault',
  timeToReady: 'from the start of recovery',
  timeToRecover: 'from the fault',
};

/**
 * One drill as the page follows it: the result the runner fills in (handed over by its `start` progress),
 * the manual steps it asked a person for, and what the people did on the page.
 */
export class LiveDrill {
  result: Readonly<RunResult> | undefined;
  /** The manual recovery steps in words, once the runner asked for them. */
  manualSteps: string[] | undefined;
  /** What the runner is waiting for now ("node 10.128.38.10 NotReady (now: Ready)"). */
  waiting: string | undefined;
  readonly people: PeopleRecord = emptyPeopleRecord();
  /** The result once the drill is over, with the people's record in it. */
  final: RunResult | undefined;

  constructor(
    readonly index: number,
    readonly loaded: LoadedExperiment,
  ) {}

  get running(): boolean {
    return this.result !== undefined && this.final === undefined;
  }

  /** The result as it stands at `now`: the report's own shapes, so the report's chart draws it. */
  view(now: number): RunResult | undefined {
    if (this.final) return this.final;
    const r = this.result;
    if (!r) return undefined;
    const live: RunResult = { ...r, endedAt: Math.max(now, r.startedAt) };
    live.checks = this.provisionalChecks(live, now);
    return withPeopleRecord(live, this.loaded, this.people, this.manualSteps ?? []);
  }

  /**
   * The targets as they stand: a measured one is met or missed; one not measured yet is met while its
   * deadline is ahead and missed once it has passed, so the chart's deadline turns red when the room sees it.
   */
  private provisionalChecks(live: RunResult, now: number): TargetCheck[] {
    const m = marks(live);
    return evaluateTargets(this.loaded.experiment.targets, live).map((c) => {
      if (c.measured !== undefined) return c;
      const due = deadline(c, m);
      return { ...c, ok: due === undefined || now <= due };
    });
  }

  countdowns(now: number): Countdown[] {
    const r = this.final ?? this.result;
    const targets = this.loaded.experiment.targets ?? {};
    const live = this.view(now);
    const m = live ? marks(live) : {};
    const over = this.final !== undefined;
    const out: Countdown[] = [];
    for (const name of COUNTED) {
      const text = targets[name];
      if (text === undefined) continue;
      const check = (live?.checks ?? []).find((c) => c.name === name);
      const allowed = typeof check?.allowed === 'number' ? check.allowed : undefined;
      if (allowed === undefined || !r) {
        out.push({
          name,
          label: checkLabel(name),
          allowed: allowed ?? parseDuration(text),
          state: 'waiting',
          from: FROM[name],
          ticking: false,
        });
        continue;
      }
      const measured = r.timings[name];
      const due = check ? deadline(check, m) : undefined;
      const base = {
        name,
        label: checkLabel(name),
        allowed,
        from: FROM[name],
        ...(due !== undefined ? { deadline: due } : {}),
      };
      if (measured !== undefined) {
        out.push({ ...base, measured, state: measured <= allowed ? 'met' : 'missed', ticking: false });
      } else if (due === undefined) {
        out.push({ ...base, state: over ? 'missed' : 'waiting', ticking: false });
      } else {
        // A detection that timed out is over: it will not be measured any more.
        const gaveUp = name === 'timeToDetect' && r.phases.some((p) => p.name === 'detect' && p.endedAt !== undefined);
        const stopped = over || gaveUp;
        out.push({ ...base, state: stopped || now > due ? 'missed' : 'running', ticking: !stopped });
      }
    }
    return out;
  }
}
