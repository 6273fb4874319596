import { formatDuration } from '../kit/duration.js';
import { htmlPage } from '../report/base-style.js';
import { escapeMarkup as e } from '../report/escape.js';
import { formatInstant } from '../report/format.js';
import { REPORT_STYLE, section } from '../report/html.js';
import type { ReportMeta } from '../report/reporter.js';
import type { RunResult } from '../report/result.js';
import type { PracticeReport } from './practice-report.js';

const PRACTICE_STYLE = `
.score { font-size: 40px; font-weight: 800; margin: 6px 0 0; font-variant-numeric: tabular-nums; }
.score small { font-size: 16px; color: var(--muted); font-weight: 500; }
.deductions { color: var(--muted); margin: 2px 0 0; }
`;

function rel(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms < 0 ? `-${formatDuration(-ms)}` : `+${formatDuration(ms)}`;
}

/**
 * A practice session as a page: the people's times and score, what they typed and saw, then the drill itself
 * as the run report shows it (its timeline, with the steps they marked done). The war room shows exactly
 * these lines when the session ends, and the practice command writes them to `<session>.report.html`.
 */
export function practiceContent(report: PracticeReport, result: RunResult | undefined, meta: ReportMeta): string[] {
  const timings = report.timings.map((t) => {
    const cls = t.met === undefined ? '' : t.met ? ' ok' : ' missed';
    const target = t.targetMs !== undefined ? `<div class="t">target ${e(formatDuration(t.targetMs))}</div>` : '';
    return `<div class="card${cls}"><div class="k">time to ${e(t.name)}</div><div class="v">${e(t.ms === undefined ? '-' : formatDuration(t.ms))}</div>${target}</div>`;
  });
  const transcript = report.transcript.map((l) => {
    const where = l.node ? `[${l.node}] $ ` : l.kind === 'api' ? `api${l.by === 'gameday' ? ' (gameday)' : ''}: ` : '';
    const exit = l.exitCode ? ` (exit ${l.exitCode})` : '';
    return `<tr><td>${e(rel(l.afterMs))}</td><td class="kind">${e(l.kind)}</td><td>${e(where + l.text + exit)}</td></tr>`;
  });
  return [
    '<h1>Gameday practice report</h1>',
    `<p class="meta">session ${e(report.session)} · generated ${e(formatInstant(meta.generatedAt))} by gameday ${e(meta.gamedayVersion)}</p>`,
    `<section class="run ${report.status === 'recovered' ? 'pass' : 'fail'}">`,
    `<h2>${e(report.experiment.title)} <code>${e(report.experiment.id)}</code></h2>`,
    `<p class="facts">runbook: ${e(report.experiment.runbook)} · outcome: <b>${e(report.status)}</b> · injected: ${e(report.injected.join('; ') || 'nothing')}</p>`,
    `<p class="score">${report.score.score}<small>/100</small></p>`,
    report.score.deductions.length ? `<p class="deductions">${e(report.score.deductions.join(', '))}</p>` : '',
    `<div class="cards">${timings.join('')}</div>`,
    `<p class="facts">diagnoses: ${report.diagnoses.length} (${report.wrongDiagnoses} wrong) · hints: ${report.hintsUsed}/${report.hintsAvailable} · runbook steps marked done: ${report.stepsDone.length}</p>`,
    report.rollback && !report.rollback.ok
      ? `<div class="alert"><b>Rollback incomplete:</b> ${e(report.rollback.errors.join('; '))}</div>`
      : '',
    report.error && report.status !== 'recovered' ? `<div class="alert">${e(report.error)}</div>` : '',
    '<h3>Transcript (times from injection)</h3>',
    `<table><tbody>${transcript.join('')}</tbody></table>`,
    '</section>',
    result ? section(result, 0) : '',
  ].filter(Boolean);
}

export function practiceStyle(): string {
  return REPORT_STYLE + PRACTICE_STYLE;
}

export function practiceHtml(report: PracticeReport, result: RunResult | undefined, meta: ReportMeta): string {
  return htmlPage(
    `Gameday practice: ${report.experiment.id} (${report.status})`,
    practiceStyle(),
    practiceContent(report, result, meta),
  );
}
