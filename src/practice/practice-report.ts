import { formatDuration } from '../kit/duration.js';
import type { PracticeState } from './session-state.js';

/** One measured time of the people, against its target when the drill sets one. */
export interface PeopleTiming {
  name: 'acknowledge' | 'diagnose' | 'recover';
  /** From injection; undefined when it never happened. */
  ms?: number;
  targetMs?: number;
  met?: boolean;
}

export interface PracticeScore {
  score: number;
  /** Why points were taken off, one line each. */
  deductions: string[];
}

export interface PracticeReport {
  session: string;
  experiment: PracticeState['experiment'];
  status: PracticeState['status'];
  injected: string[];
  timings: PeopleTiming[];
  diagnoses: { afterMs?: number; guess: string; correct: boolean }[];
  wrongDiagnoses: number;
  hintsUsed: number;
  hintsAvailable: number;
  /** Runbook steps marked done in the war room, in the order they were marked. */
  stepsDone: { index: number; afterMs?: number; text: string }[];
  alerts: { afterMs?: number; type: string; text: string }[];
  transcript: {
    afterMs?: number;
    at: number;
    kind: string;
    text: string;
    node?: string;
    exitCode?: number;
    by?: string;
  }[];
  score: PracticeScore;
  rollback?: PracticeState['rollback'];
  error?: string;
}

export function timingsOf(s: PracticeState): PeopleTiming[] {
  const since = (at: number | undefined): number | undefined =>
    at === undefined || s.injectedAt === undefined ? undefined : at - s.injectedAt;
  const firstRight = s.diagnoses.find((d) => d.correct);
  const one = (name: PeopleTiming['name'], ms: number | undefined, targetMs: number | undefined): PeopleTiming => ({
    name,
    ...(ms !== undefined ? { ms } : {}),
    ...(targetMs !== undefined ? { targetMs } : {}),
    ...(targetMs !== undefined ? { met: ms !== undefined && ms <= targetMs } : {}),
  });
  return [
    one('acknowledge', since(s.ack?.at), s.targets.acknowledge),
    one('diagnose', since(firstRight?.at), undefined),
    one('recover', since(s.recoveredAt), s.targets.recover),
  ];
}

/**
 * A score out of 100 that says what it took off: recovery matters most, then naming the fault, then
 * acknowledging; each hint and each wrong guess costs a little, so the runbook is still worth opening.
 */
export function scoreOf(s: PracticeState, timings = timingsOf(s)): PracticeScore {
  let score = 100;
  const deductions: string[] = [];
  const take = (points: number, why: string): void => {
    if (points <= 0) return;
    score -= points;
    deductions.push(`-${points} ${why}`);
  };
  const [ack, diag, rec] = timings as [PeopleTiming, PeopleTiming, PeopleTiming];
  if (rec.ms === undefined) take(50, 'not recovered');
  else if (rec.met === false) take(15, `recovered after the ${formatDuration(rec.targetMs)} target`);
  if (diag.ms === undefined) take(20, 'fault never named correctly');
  const wrong = s.diagnoses.filter((d) => !d.correct).length;
  take(Math.min(15, wrong * 5), `${wrong} wrong diagnosis${wrong === 1 ? '' : 'es'}`);
  if (ack.ms === undefined) take(15, 'never acknowledged');
  else if (ack.met === false) take(5, `acknowledged after the ${formatDuration(ack.targetMs)} target`);
  take(Math.min(20, s.hintsUsed * 5), `${s.hintsUsed} hint${s.hintsUsed === 1 ? '' : 's'} used`);
  return { score: Math.max(0, score), deductions };
}

export function buildReport(s: PracticeState): PracticeReport {
  const after = (at: number): number | undefined => (s.injectedAt === undefined ? undefined : at - s.injectedAt);
  const timings = timingsOf(s);
  return {
    session: s.id,
    experiment: s.experiment,
    status: s.status,
    injected: s.faults.map((f) => `${f.type}${f.hit?.length ? ` [${f.hit.join(', ')}]` : ''}`),
    timings,
    diagnoses: s.diagnoses.map((d) => ({ ...opt('afterMs', after(d.at)), guess: d.guess, correct: d.correct })),
    wrongDiagnoses: s.diagnoses.filter((d) => !d.correct).length,
    hintsUsed: s.hintsUsed,
    hintsAvailable: s.hints.length,
    stepsDone: (s.stepsDone ?? []).map((d) => ({
      index: d.index,
      ...opt('afterMs', after(d.at)),
      text: s.hints[d.index] ?? '',
    })),
    alerts: s.alerts.map((a) => ({ ...opt('afterMs', after(a.at)), type: a.type, text: a.text })),
    transcript: [...s.transcript]
      .sort((a, b) => a.at - b.at)
      .map((e) => ({
        ...opt('afterMs', after(e.at)),
        at: e.at,
        kind: e.kind,
        text: e.text,
        ...opt('node', e.node),
        ...opt('exitCode', e.exitCode),
        ...opt('by', e.by),
      })),
    score: scoreOf(s, timings),
    ...(s.rollback ? { rollback: s.rollback } : {}),
    ...(s.error ? { error: s.error } : {}),
  };
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function rel(ms: number | undefined): string {
  if (ms === undefined) return '        ';
  return (ms < 0 ? `-${formatDuration(-ms)}` : `+${formatDuration(ms)}`).padStart(8);
}

/** The report as the terminal and a Markdown file show it: times, score, then the transcript. */
export function formatReport(r: PracticeReport): string {
  const lines: string[] = [];
  lines.push(`Practice ${r.session}: ${r.experiment.id} — ${r.experiment.title}`);
  lines.push(`Runbook: ${r.experiment.runbook}`);
  lines.push(`Injected: ${r.injected.join('; ') || 'nothing'}   Outcome: ${r.status}`);
  lines.push('');
  for (const t of r.timings) {
    const target =
      t.targetMs === undefined ? 'no target' : `target ${formatDuration(t.targetMs)} ${t.met ? '✓ met' : '✗ missed'}`;
    lines.push(
      `  time to ${t.name.padEnd(11)} ${(t.ms === undefined ? '—' : formatDuration(t.ms)).padStart(8)}   (${target})`,
    );
  }
  lines.push(
    `  diagnoses: ${r.diagnoses.length} (${r.wrongDiagnoses} wrong)   hints: ${r.hintsUsed}/${r.hintsAvailable}`,
  );
  if (r.stepsDone.length)
    lines.push(
      `  runbook steps marked done: ${r.stepsDone.map((d) => `${d.index + 1} at ${rel(d.afterMs).trim()}`).join(', ')}`,
    );
  lines.push(`  score: ${r.score.score}/100${r.score.deductions.length ? `  (${r.score.deductions.join(', ')})` : ''}`);
  if (r.rollback && !r.rollback.ok) lines.push(`  ROLLBACK INCOMPLETE: ${r.rollback.errors.join('; ')}`);
  if (r.error && r.status !== 'recovered') lines.push(`  ${r.error}`);
  lines.push('');
  lines.push('Transcript (times from injection):');
  for (const e of r.transcript) {
    const where = e.node
      ? `[${e.node}] $ `
      : e.kind === 'api'
        ? `api${e.by === 'gameday' ? ' (gameday)' : ''}: `
        : `${e.kind}: `;
    const exit = e.exitCode !== undefined && e.exitCode !== 0 ? `   (exit ${e.exitCode})` : '';
    lines.push(`  ${rel(e.afterMs)}  ${where}${e.text}${exit}`);
  }
  return lines.join('\n') + '\n';
}
