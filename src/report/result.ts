import type { Action, TargetKind } from '../targets/target.js';

/** Everything a run measured: the input of every reporter (json, junit, markdown, html). */
export interface RunResult {
  experiment: { id: string; title: string; file: string; runbook: string; description: string; tags: string[] };
  target: TargetKind;
  seed: number;
  dryRun: boolean;
  /** pass: every target met; fail: a target missed; aborted: stopped (signal, abort condition); error: could not run. */
  verdict: 'pass' | 'fail' | 'aborted' | 'error';
  /** Clock mode the times were measured on. */
  clock: 'virtual' | 'real';
  /**
   * A real clock running N times faster than real time (a run attached to `gameday sim up --speed N`):
   * every time of the run is simulated time. Absent at real speed and on the virtual clock.
   */
  clockSpeed?: number;
  /** Start and end on the target's clock (ms since epoch). */
  startedAt: number;
  endedAt: number;
  /** Wall-clock milliseconds the run took. */
  wallMs: number;
  timings: Timings;
  /** One per declared target, in the order of the experiment's `targets`. */
  checks: TargetCheck[];
  phases: PhaseRecord[];
  faults: ItemRecord[];
  /** The setup steps (run before the steady state; what they changed is undone by the rollback). */
  setup?: ItemRecord[];
  steps: ItemRecord[];
  probes: ProbeRecord[];
  timeline: TimelineEntry[];
  /** Every API call and command, in order (in dry-run, what would have been done). */
  actions: Action[];
  /** etcd data safety, when the drill measured it. */
  data?: DataSafety;
  /**
   * reverted: faults reverted and step changes undone; restored: objects put back as they were before the
   * drill (only when there were some); errors: what failed or is still different.
   */
  rollback: { ok: boolean; reverted: string[]; errors: string[]; restored?: string[] };
  /** Set when verdict is error or aborted: what went wrong, in words. */
  error?: string;
  /** Why an error verdict: the experiment asked for something the target lacks (exit 2), or the run failed (3). */
  errorKind?: 'invalid-input' | 'infrastructure';
}

export interface Timings {
  /** First fault injected to every detect probe passing. */
  timeToDetect?: number;
  /** Start of recovery to every verify probe passing. */
  timeToReady?: number;
  /** First fault injected to every verify probe passing. */
  timeToRecover?: number;
  /** Longest failing stretch of each monitor probe, by probe name. */
  unavailability?: Record<string, number>;
  /**
   * Monitors still failing when the drill ended: their stretch had not closed, so their unavailability is
   * at least the figure in `unavailability`, and counts against the target whatever its length.
   */
  stillUnavailable?: string[];
  /** Wall-clock ms from start to the first fault, for the start-up benchmark. */
  startupWallMs?: number;
}

export interface TargetCheck {
  name: 'timeToDetect' | 'timeToReady' | 'timeToRecover' | 'maxUnavailability' | 'noDataLoss';
  /** Allowed: milliseconds, or true for noDataLoss. */
  allowed: number | boolean;
  /** Measured: milliseconds, or the number of lost keys for noDataLoss; undefined when never reached. */
  measured: number | undefined;
  ok: boolean;
  /** The measure is a lower bound: what it measures had not ended when the drill did (a monitor still failing). */
  atLeast?: boolean;
  /** "time-to-Ready 6m12s exceeds the target 5m" */
  message: string;
}

export type PhaseName =
  'preflight' | 'setup' | 'steady-state' | 'journal' | 'inject' | 'detect' | 'recover' | 'verify' | 'rollback';

export interface PhaseRecord {
  name: PhaseName;
  startedAt: number;
  endedAt?: number;
  ok: boolean;
  error?: string;
}

export interface ItemRecord {
  type: string;
  name: string;
  cluster: string;
  description: string;
  startedAt?: number;
  endedAt?: number;
  ok: boolean;
  error?: string;
  /** For faults: what was hit (nodes, members, workloads). */
  hit?: string[];
}

export interface ProbeRecord {
  phase: 'steady-state' | 'detect' | 'verify' | 'monitor' | 'abort';
  type: string;
  name: string;
  cluster: string;
  ok: boolean;
  observed: string;
  at?: number;
}

export interface TimelineEntry {
  at: number;
  kind: 'phase' | 'fault' | 'step' | 'probe' | 'note' | 'event' | 'rollback';
  text: string;
}

export interface DataSafety {
  /** Keys acknowledged before the snapshot the recovery restored from: each read back and compared. */
  keysBeforeSnapshot: number;
  /** The fewest snapshotted keys the check must compare (etcd-data-intact's minKeys); fewer fails it. */
  minKeys: number;
  /** Of those, missing or holding another value after recovery: must be 0. */
  lostBeforeSnapshot: number;
  /** Acknowledged after the snapshot was started, before the failure: lost by design of a snapshot restore. */
  writtenAfterSnapshot: number;
  lostAfterSnapshot: number;
  /** The lost snapshotted keys (at most 20), each missing or changed. */
  lostKeys: { key: string; why: 'missing' | 'changed' }[];
}
