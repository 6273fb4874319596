import type { TargetKind } from '../targets/target.js';
import { judgeDiagnosis, type InjectedFault } from './diagnosis.js';
import type { ShellState } from './node-shell.js';

/**
 * Everything a practice session knows, kept in one JSON file so that `gameday ack`, `diagnose`, `hint` and
 * the node shell, each a process of its own, can read and change it. Times are on the session's clock
 * (milliseconds since the epoch); `clock` lets another process compute "now" on that clock.
 *
 * The transitions below are pure functions of the state and a time: the practice process and the small
 * commands apply them under the file's lock, and tests apply them on a virtual clock.
 */
export interface PracticeState {
  version: 1;
  id: string;
  experiment: { id: string; title: string; file: string; runbook: string };
  target: TargetKind;
  cluster: string;
  kubeconfig?: string;
  pid: number;
  /** The session's clock at a wall-clock instant, and how fast it runs (sim --speed). */
  clock: { wallAt: number; clockAt: number; speed: number; mode: 'real' | 'virtual' };
  status: 'waiting' | 'injected' | 'recovered' | 'gave-up' | 'failed' | 'error';
  createdAt: number;
  injectedAt?: number;
  recoveredAt?: number;
  endedAt?: number;
  /** Known to the session, not shown to the trainee until the end. */
  faults: InjectedFault[];
  /** The runbook's recovery steps in words: what `gameday hint` reveals, one at a time. */
  hints: string[];
  hintsUsed: number;
  /** Runbook steps a person marked done in the war room (absent in sessions from before it existed). */
  stepsDone?: { index: number; at: number }[];
  ack?: { at: number; by: 'ack' | 'shell' | 'diagnose' | 'hint' | 'api' };
  diagnoses: { at: number; guess: string; correct: boolean; matched: 'fault' | 'section' | 'none'; message: string }[];
  alerts: { at: number; type: 'firing' | 'resolved'; text: string }[];
  transcript: TranscriptEntry[];
  /** Node-shell memory per node (snapshots saved, manifests moved), carried between `node exec` processes. */
  shell: Record<string, ShellState>;
  /** The drill's targets in ms, as the report compares them. */
  targets: { acknowledge?: number; recover?: number; ready?: number };
  error?: string;
  /** The runner's verdict and error when the drill ended (recovery verified, timed out, rolled back). */
  verdict?: string;
  rollback?: { ok: boolean; errors: string[] };
}

export interface TranscriptEntry {
  at: number;
  kind: 'shell' | 'api' | 'alert' | 'ack' | 'diagnose' | 'hint' | 'step' | 'session';
  text: string;
  node?: string;
  exitCode?: number;
  /** Who made an API change: the trainee (or anyone else), or gameday itself injecting or rolling back. */
  by?: 'gameday' | 'someone';
}

export function newState(o: {
  id: string;
  experiment: PracticeState['experiment'];
  target: TargetKind;
  cluster: string;
  kubeconfig?: string | undefined;
  now: number;
  wallNow: number;
  speed: number;
  mode: 'real' | 'virtual';
  targets: PracticeState['targets'];
}): PracticeState {
  return {
    version: 1,
    id: o.id,
    experiment: o.experiment,
    target: o.target,
    cluster: o.cluster,
    ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}),
    pid: process.pid,
    clock: { wallAt: o.wallNow, clockAt: o.now, speed: o.speed, mode: o.mode },
    status: 'waiting',
    createdAt: o.now,
    faults: [],
    hints: [],
    hintsUsed: 0,
    diagnoses: [],
    alerts: [],
    transcript: [{ at: o.now, kind: 'session', text: 'practice session started' }],
    shell: {},
    targets: o.targets,
  };
}

/** "Now" on the session's clock, from another process's wall clock. */
export function sessionNow(s: PracticeState, wallNow = Date.now()): number {
  return Math.round(s.clock.clockAt + (wallNow - s.clock.wallAt) * s.clock.speed);
}

export function isActive(s: PracticeState): boolean {
  return s.status === 'waiting' || s.status === 'injected';
}

/** Milliseconds since injection, for messages ("+1m32s"). */
export function sinceInjection(s: PracticeState, at: number): number | undefined {
  return s.injectedAt === undefined ? undefined : at - s.injectedAt;
}

/** The first sign of the trainee acting on the alert counts as the acknowledgement. Before injection it does not count. */
export function acknowledge(
  s: PracticeState,
  at: number,
  by: NonNullable<PracticeState['ack']>['by'],
): { first: boolean; before: boolean } {
  if (s.status !== 'injected') {
    if (by === 'ack') s.transcript.push({ at, kind: 'ack', text: 'acknowledged with no alert to acknowledge yet' });
    return { first: false, before: s.injectedAt === undefined };
  }
  if (s.ack) return { first: false, before: false };
  s.ack = { at, by };
  s.transcript.push({
    at,
    kind: 'ack',
    text: by === 'ack' ? 'acknowledged (gameday ack)' : `acknowledged by the first action (${by})`,
  });
  return { first: true, before: false };
}

export function diagnose(s: PracticeState, at: number, guess: string): PracticeState['diagnoses'][number] {
  let entry: PracticeState['diagnoses'][number];
  if (s.injectedAt === undefined) {
    entry = { at, guess, correct: false, matched: 'none', message: 'Wrong: nothing has been injected yet.' };
  } else {
    acknowledge(s, at, 'diagnose');
    const v = judgeDiagnosis(guess, s.faults, s.experiment.runbook);
    entry = { at, guess, correct: v.correct, matched: v.matched, message: v.message };
  }
  s.diagnoses.push(entry);
  s.transcript.push({ at, kind: 'diagnose', text: `diagnosis "${guess}": ${entry.correct ? 'correct' : 'wrong'}` });
  return entry;
}

/** The next step of the runbook, or why there is none. Counted in the score. */
export function takeHint(
  s: PracticeState,
  at: number,
): { hint: string | undefined; index: number; total: number; message: string } {
  if (s.injectedAt === undefined) {
    return {
      hint: undefined,
      index: 0,
      total: 0,
      message: 'No hint yet: there is nothing to recover from. Wait for an alert.',
    };
  }
  acknowledge(s, at, 'hint');
  const total = s.hints.length;
  if (total === 0)
    return {
      hint: undefined,
      index: 0,
      total,
      message: 'The runbook of this drill has no written steps: diagnose from the alert.',
    };
  if (s.hintsUsed >= total)
    return { hint: undefined, index: total, total, message: `No more hints: all ${total} runbook steps are shown.` };
  const hint = s.hints[s.hintsUsed]!;
  s.hintsUsed++;
  s.transcript.push({ at, kind: 'hint', text: `hint ${s.hintsUsed}/${total} taken` });
  return { hint, index: s.hintsUsed, total, message: `Runbook step ${s.hintsUsed}/${total}: ${hint}` };
}

/**
 * A runbook step marked done on the war room's page. Only a step the hints have shown can be marked: the
 * others are still hidden from the trainee.
 */
export function markStepDone(s: PracticeState, at: number, index: number): { ok: boolean; message: string } {
  const total = s.hints.length;
  if (s.status !== 'injected') return { ok: false, message: 'Nothing to recover from now.' };
  if (!Number.isInteger(index) || index < 0 || index >= total)
    return { ok: false, message: `There is no runbook step ${index + 1} (the runbook has ${total}).` };
  if (index >= s.hintsUsed) return { ok: false, message: `Step ${index + 1} is still hidden: take a hint first.` };
  const done = (s.stepsDone ??= []);
  if (done.some((d) => d.index === index)) return { ok: false, message: `Step ${index + 1} is already marked done.` };
  done.push({ index, at });
  s.transcript.push({ at, kind: 'step', text: `runbook step ${index + 1}/${total} marked done: ${s.hints[index]!}` });
  return { ok: true, message: `Step ${index + 1} marked done.` };
}

/** A node-shell command: in the transcript, and the first one after the alert is the acknowledgement. */
export function recordShell(s: PracticeState, at: number, node: string, command: string, exitCode: number): void {
  s.transcript.push({ at, kind: 'shell', node, text: command, exitCode });
  if (s.status === 'injected') acknowledge(s, at, 'shell');
}

export function recordApi(s: PracticeState, at: number, text: string, by: 'gameday' | 'someone'): void {
  s.transcript.push({ at, kind: 'api', text, by });
  if (by === 'someone' && s.status === 'injected') acknowledge(s, at, 'api');
}

export function recordAlert(s: PracticeState, at: number, type: 'firing' | 'resolved', text: string): void {
  s.alerts.push({ at, type, text });
  s.transcript.push({ at, kind: 'alert', text: `${type === 'firing' ? 'ALERT' : 'resolved'}: ${text}` });
}

export function markInjected(s: PracticeState, at: number, faults: InjectedFault[]): void {
  s.status = 'injected';
  s.injectedAt = at;
  s.faults = faults;
  s.transcript.push({ at, kind: 'session', text: 'fault injected' });
}

export function markEnded(
  s: PracticeState,
  at: number,
  how: {
    status: 'recovered' | 'gave-up' | 'failed' | 'error';
    recoveredAt?: number | undefined;
    verdict?: string;
    error?: string | undefined;
    rollback?: PracticeState['rollback'];
  },
): void {
  s.status = how.status;
  s.endedAt = at;
  if (how.recoveredAt !== undefined) s.recoveredAt = how.recoveredAt;
  if (how.verdict) s.verdict = how.verdict;
  if (how.error) s.error = how.error;
  if (how.rollback) s.rollback = how.rollback;
  const words = {
    recovered: 'recovery verified',
    'gave-up': 'gave up; the fault was rolled back',
    failed: 'not recovered in time; the fault was rolled back',
    error: 'the session failed',
  };
  s.transcript.push({
    at: how.recoveredAt ?? at,
    kind: 'session',
    text: words[how.status] + (how.error && how.status !== 'recovered' ? `: ${how.error}` : ''),
  });
}
