import type { PhaseName, RunResult, TargetCheck } from './result.js';

/**
 * The instants a drill is measured between, on the target's clock. The result records durations
 * (timings) and phase/item records; the instants are derived from them the same way the runner defines
 * the durations: detect counts from the first fault injected, Ready from the start of recovery.
 */
export interface Marks {
  injectedAt?: number;
  detectedAt?: number;
  recoveryStartedAt?: number;
  readyAt?: number;
}

export function phaseStart(result: RunResult, name: PhaseName): number | undefined {
  return result.phases.find((p) => p.name === name)?.startedAt;
}

function earliest(values: (number | undefined)[]): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  return defined.length ? Math.min(...defined) : undefined;
}

export function marks(result: RunResult): Marks {
  const out: Marks = {};
  // The runner counts from the start of the inject phase (a sequenced fault may wait before its own start).
  const injectedAt = phaseStart(result, 'inject') ?? earliest(result.faults.map((f) => f.startedAt));
  const recoveryStartedAt = phaseStart(result, 'recover') ?? earliest(result.steps.map((s) => s.startedAt));
  const { timeToDetect, timeToReady, timeToRecover } = result.timings;
  if (injectedAt !== undefined) out.injectedAt = injectedAt;
  if (recoveryStartedAt !== undefined) out.recoveryStartedAt = recoveryStartedAt;
  if (injectedAt !== undefined && timeToDetect !== undefined) out.detectedAt = injectedAt + timeToDetect;
  if (recoveryStartedAt !== undefined && timeToReady !== undefined) out.readyAt = recoveryStartedAt + timeToReady;
  else if (injectedAt !== undefined && timeToRecover !== undefined) out.readyAt = injectedAt + timeToRecover;
  return out;
}

/** Where a duration target falls on the drill's clock: the deadline the measured instant is held to. */
export function deadline(check: TargetCheck, m: Marks): number | undefined {
  if (typeof check.allowed !== 'number') return undefined;
  switch (check.name) {
    case 'timeToDetect':
    case 'timeToRecover':
      return m.injectedAt === undefined ? undefined : m.injectedAt + check.allowed;
    case 'timeToReady':
      return m.recoveryStartedAt === undefined ? undefined : m.recoveryStartedAt + check.allowed;
    default:
      // Unavailability is a longest stretch, not anchored at one instant; data loss is not a time.
      return undefined;
  }
}
