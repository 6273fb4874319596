import { formatDuration } from '../kit/duration.js';
import { BASE_STYLE, htmlPage } from './base-style.js';
import { SCREEN_STYLE } from './screen-style.js';
import { escapeMarkup as e } from './escape.js';
import {
  clockWords,
  checkMessage,
  describeAllowed,
  describeCheck,
  describeMeasured,
  formatInstant,
  formatOffset,
  notes,
  verdictLabel,
} from './format.js';
import type { ReportMeta, Reporter } from './reporter.js';
import { deadline, marks } from './marks.js';
import type { ItemRecord, RunResult } from './result.js';
import { MARK_COLOURS, PHASE_COLOURS, timelineChart } from './timeline-chart.js';

/**
 * One self-contained HTML page: inline CSS and inline SVG, no script, nothing fetched, so it opens offline
 * from a CI artifact or a mail attachment. All text from experiments and results is escaped.
 */

const STYLE = `${BASE_STYLE}code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre.command { background: #0f172a; color: #e2e8f0; padding: 8px 12px; border-radius: 6px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; background: #f1f5f9; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.summary { margin: 18px 0 28px; border: 1px solid var(--line); border-radius: 8px; overflow: hidden; }
.summary a { color: inherit; text-decoration: none; border-bottom: 1px dotted var(--muted); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; font-weight: 700; letter-spacing: .03em; white-space: nowrap; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); } .badge.aborted { background: var(--aborted); } .badge.error { background: var(--error); }
.run { background: #fff; border: 1px solid var(--line); border-left: 6px solid var(--muted); border-radius: 8px; padding: 16px 20px; margin: 0 0 24px; }
.run.pass { border-left-color: var(--pass); } .run.fail { border-left-color: var(--fail); } .run.aborted { border-left-color: var(--aborted); } .run.error { border-left-color: var(--error); }
.run table { font-size: 13px; }
.desc { margin: 8px 0 0; max-width: 80em; }
.alert { margin: 12px 0 0; padding: 8px 12px; border-radius: 6px; background: #fef2f2; border: 1px solid #fecaca; color: #7f1d1d; white-space: pre-wrap; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 14px 0 4px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; min-width: 150px; }
.card .k { font-size: 12px; color: var(--muted); } .card .v { font-size: 20px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card.ok { border-top: 3px solid var(--pass); } .card.missed { border-top: 3px solid var(--fail); }
.card .t { font-size: 12px; color: var(--muted); }
.ok-text { color: var(--pass); font-weight: 600; } .missed-text { color: var(--fail); font-weight: 600; }
svg.timeline { display: block; margin: 6px 0 0; font-family: system-ui, sans-serif; }
svg.timeline .band { fill: #f8fafc; }
svg.timeline .lane { font-size: 11px; fill: #334155; }
svg.timeline .tick { font-size: 10px; fill: var(--muted); font-variant-numeric: tabular-nums; }
svg.timeline .grid { stroke: #e2e8f0; stroke-width: 1; }
svg.timeline .axis { stroke: #94a3b8; stroke-width: 1; }
svg.timeline .in-bar { font-size: 10px; fill: #1e293b; pointer-events: none; }
svg.timeline .mark-label { font-size: 11px; font-weight: 600; }
svg.timeline g:hover rect, svg.timeline g:hover path { filter: brightness(0.9); }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; color: var(--muted); margin: 6px 0 0 0; }
.legend span { display: inline-flex; align-items: center; gap: 5px; }
.legend i { display: inline-block; width: 14px; height: 10px; border-radius: 2px; }
.legend i.line { width: 14px; height: 0; border-top: 2px solid; border-radius: 0; }
.legend i.dash { width: 14px; height: 0; border-top: 2px dashed; border-radius: 0; }
details { margin: 12px 0 0; } summary { cursor: pointer; color: #334155; font-weight: 600; }
details table td:first-child { white-space: nowrap; font-variant-numeric: tabular-nums; }
.nowrap { white-space: nowrap; }
.kind { font-size: 11px; color: var(--muted); text-transform: uppercase; }
footer { color: var(--muted); font-size: 12px; margin-top: 32px; }
`;

function badge(r: RunResult): string {
  return `<span class="badge ${r.verdict}">${e(verdictLabel(r.verdict))}${r.dryRun ? ' · DRY RUN' : ''}</span>`;
}

function anchor(r: RunResult, index: number): string {
  return `run-${index + 1}-${r.experiment.id.replace(/[^A-Za-z0-9_-]/g, '-')}`;
}

/** One target per line, coloured by whether it was met, so a missed one stands out in the summary. */
function targetsCell(r: RunResult): string {
  if (r.checks.length === 0) return '-';
  return r.checks
    .map(
      (c) =>
        `<span class="nowrap" title="${e(checkMessage(c))}"><span class="${c.ok ? 'ok-text' : 'missed-text'}">${c.ok ? '✓' : '✗'}</span> ${e(describeCheck(c))}</span>`,
    )
    .join('<br>');
}

function summaryTable(results: RunResult[]): string {
  const rows = results.map((r, i) => {
    const ready = r.timings.timeToReady ?? r.timings.timeToRecover;
    return (
      `<tr><td><a href="#${e(anchor(r, i))}">${e(r.experiment.title)}</a><br><code>${e(r.experiment.id)}</code></td>` +
      `<td>${badge(r)}</td><td class="num">${e(formatDuration(r.timings.timeToDetect))}</td>` +
      `<td class="num">${e(formatDuration(ready))}</td><td>${targetsCell(r)}</td>` +
      `<td>${notes(r).map(e).join('<br>') || '-'}</td></tr>`
    );
  });
  return (
    '<div class="summary"><table><thead><tr><th>Drill</th><th>Verdict</th><th>Time to detect</th><th>Time to Ready</th>' +
    `<th>Targets</th><th>Notes</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`
  );
}

function cards(r: RunResult): string {
  const card = (key: string, ms: number | undefined, checkName: string, atLeast = false): string => {
    const check = r.checks.find((c) => c.name === checkName);
    const cls = check ? (check.ok ? ' ok' : ' missed') : '';
    const target = check ? `<div class="t">target ${e(describeAllowed(check))}</div>` : '';
    const value = `${atLeast ? '≥ ' : ''}${formatDuration(ms)}`;
    return `<div class="card${cls}"><div class="k">${e(key)}</div><div class="v">${e(value)}</div>${target}</div>`;
  };
  const out = [
    card('time-to-detect', r.timings.timeToDetect, 'timeToDetect'),
    card('time-to-Ready', r.timings.timeToReady, 'timeToReady'),
    card('time-to-recover', r.timings.timeToRecover, 'timeToRecover'),
  ];
  const unavailability = Object.entries(r.timings.unavailability ?? {});
  if (unavailability.length) {
    const worst = Math.max(...unavailability.map(([, ms]) => ms));
    const open = unavailability.some(([name, ms]) => ms === worst && r.timings.stillUnavailable?.includes(name));
    out.push(card(open ? 'unavailability, still failing' : 'longest unavailability', worst, 'maxUnavailability', open));
  }
  return `<div class="cards">${out.join('')}</div>`;
}

export function legend(r: RunResult): string {
  const phases = [...new Set(r.phases.map((p) => p.name))];
  const m = marks(r);
  const swatch = (colour: string, label: string, cls = ''): string =>
    `<span><i class="${cls}" style="${cls ? `border-color:${colour}` : `background:${colour}`}"></i>${e(label)}</span>`;
  // Only what this chart shows: a legend entry with nothing behind it sends the reader looking.
  const entries = [
    ...phases.map((p) => swatch(PHASE_COLOURS[p], p)),
    r.faults.length ? swatch(MARK_COLOURS.fault, 'fault') : '',
    r.steps.length ? swatch(MARK_COLOURS.step, 'recovery step (start to end)') : '',
    m.injectedAt !== undefined ? swatch(MARK_COLOURS.injected, 'fault injected', 'line') : '',
    m.detectedAt !== undefined ? swatch(MARK_COLOURS.detected, 'detected', 'line') : '',
    m.readyAt !== undefined ? swatch(MARK_COLOURS.ready, 'Ready', 'line') : '',
    r.checks.some((c) => deadline(c, m) !== undefined)
      ? swatch(MARK_COLOURS.target, 'target deadline (red: missed)', 'dash')
      : '',
    r.probes.some((p) => p.at !== undefined) ? swatch(MARK_COLOURS.probeOk, 'probe passed / failed') : '',
  ];
  return `<div class="legend">${entries.join('')}</div>`;
}

function checksTable(r: RunResult): string {
  if (r.checks.length === 0) return '';
  const rows = r.checks.map(
    (c) =>
      `<tr><td>${e(describeCheck(c))}</td><td class="num">${e(describeAllowed(c))}</td><td class="num">${e(describeMeasured(c))}</td>` +
      `<td class="${c.ok ? 'ok-text' : 'missed-text'}">${c.ok ? 'met' : 'missed'}</td><td>${e(checkMessage(c))}</td></tr>`,
  );
  return `<h3>Targets</h3><table><thead><tr><th>Target</th><th>Allowed</th><th>Measured</th><th>Result</th><th>Message</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function itemsTable(title: string, items: ItemRecord[], start: number): string {
  if (items.length === 0) return '';
  const rows = items.map((i) => {
    const when = i.startedAt === undefined ? '-' : formatOffset(i.startedAt - start);
    const took = i.startedAt !== undefined && i.endedAt !== undefined ? formatDuration(i.endedAt - i.startedAt) : '-';
    const details = [
      i.description,
      i.hit?.length ? `hit: ${i.hit.join(', ')}` : '',
      i.error ? `error: ${i.error}` : '',
    ].filter(Boolean);
    return (
      `<tr><td>${e(i.name)}</td><td><code>${e(i.type)}</code></td><td>${e(i.cluster)}</td><td class="num">${e(when)}</td>` +
      `<td class="num">${e(took)}</td><td class="${i.ok ? 'ok-text' : 'missed-text'}">${i.ok ? 'ok' : 'failed'}</td><td>${details.map(e).join('<br>')}</td></tr>`
    );
  });
  return `<h3>${e(title)}</h3><table><thead><tr><th>Name</th><th>Type</th><th>Cluster</th><th>At</th><th>Took</th><th>Result</th><th>Details</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function dataSafety(r: RunResult): string {
  if (!r.data) return '';
  const d = r.data;
  const cls = d.lostBeforeSnapshot === 0 && d.keysBeforeSnapshot >= d.minKeys ? 'ok-text' : 'missed-text';
  return (
    '<h3>etcd data</h3><p>' +
    `<span class="${cls}">${d.lostBeforeSnapshot} of ${d.keysBeforeSnapshot}</span> keys written before the snapshot lost or changed ` +
    `(each read back and compared; at least ${d.minKeys} required)` +
    (d.lostKeys.length ? `: ${e(d.lostKeys.map((k) => `${k.key} ${k.why}`).join(', '))}` : '') +
    `; ${d.lostAfterSnapshot} of ${d.writtenAfterSnapshot} written after it lost (expected with a snapshot restore).</p>`
  );
}

function timelineTable(r: RunResult): string {
  if (r.timeline.length === 0) return '';
  const rows = r.timeline.map(
    (t) =>
      `<tr><td title="${e(formatInstant(t.at))}">${e(formatOffset(t.at - r.startedAt))}</td><td class="kind">${e(t.kind)}</td><td>${e(t.text)}</td></tr>`,
  );
  return `<details><summary>Timeline (${r.timeline.length} ${r.timeline.length === 1 ? 'event' : 'events'})</summary><table><tbody>${rows.join('')}</tbody></table></details>`;
}

function actionsTable(r: RunResult): string {
  if (r.actions.length === 0) return '';
  const rows = r.actions.map(
    (a) =>
      `<tr><td title="${e(formatInstant(a.at))}">${e(formatOffset(a.at - r.startedAt))}</td><td class="kind">${e(a.kind)}${a.dryRun ? ' (dry run)' : ''}</td>` +
      `<td>${e(a.cluster)}</td><td><code>${e(a.text)}</code></td></tr>`,
  );
  return `<details><summary>Actions (${r.actions.length} API ${r.actions.length === 1 ? 'call or command' : 'calls and commands'})</summary><table><tbody>${rows.join('')}</tbody></table></details>`;
}

function rollback(r: RunResult): string {
  if (r.rollback.ok && r.rollback.reverted.length === 0) return '';
  const state = r.rollback.ok
    ? '<span class="ok-text">ok</span>'
    : `<span class="missed-text">failed</span>: ${r.rollback.errors.map(e).join('; ')}`;
  const reverted = r.rollback.reverted.length ? `; reverted: ${r.rollback.reverted.map(e).join(', ')}` : '';
  return `<h3>Rollback</h3><p>${state}${reverted}</p>`;
}

/** One drill's part of the report: what the war room shows as each drill of a run ends. */
export function section(r: RunResult, index: number): string {
  const facts =
    `target <b>${e(r.target)}</b> · seed ${e(String(r.seed))} · ${e(clockWords(r))} · ` +
    `${e(formatDuration(r.endedAt - r.startedAt))} on the drill's clock, ${e(formatDuration(r.wallMs))} wall · ` +
    `started ${e(formatInstant(r.startedAt))}`;
  return [
    `<section class="run ${r.verdict}" id="${e(anchor(r, index))}">`,
    `<h2>${badge(r)} ${e(r.experiment.title)} <code>${e(r.experiment.id)}</code></h2>`,
    `<p class="facts">${facts}</p>`,
    r.experiment.runbook
      ? `<p class="facts">runbook: ${e(r.experiment.runbook)} · file: ${e(r.experiment.file)}</p>`
      : '',
    r.experiment.description ? `<p class="desc">${e(r.experiment.description)}</p>` : '',
    r.error ? `<div class="alert"><b>${r.verdict === 'aborted' ? 'Aborted' : 'Error'}:</b> ${e(r.error)}</div>` : '',
    cards(r),
    '<h3>Timeline</h3>',
    timelineChart(r),
    legend(r),
    checksTable(r),
    dataSafety(r),
    itemsTable('Setup (undone by the rollback)', r.setup ?? [], r.startedAt),
    itemsTable('Faults', r.faults, r.startedAt),
    itemsTable('Recovery steps', r.steps, r.startedAt),
    rollback(r),
    timelineTable(r),
    actionsTable(r),
    '</section>',
  ]
    .filter(Boolean)
    .join('\n');
}

/** The report's own CSS (with the base style, dark mode and phones), for every page that shows report content. */
export const REPORT_STYLE = `${STYLE}${SCREEN_STYLE}`;

/**
 * The inside of the report page, line by line: what the file holds and what the war room shows when the
 * drills are over. One rendering, so the page left on the screen for the retrospective is the report.
 */
export function reportContent(results: RunResult[], meta: ReportMeta): string[] {
  const passed = results.filter((r) => r.verdict === 'pass').length;
  const summaryLine =
    `${passed} of ${results.length} ${results.length === 1 ? 'drill' : 'drills'} passed · generated ${e(formatInstant(meta.generatedAt))} ` +
    `by gameday ${e(meta.gamedayVersion)}${meta.seed !== undefined ? ` · seed ${e(String(meta.seed))}` : ''}`;
  return [
    '<h1>Gameday report</h1>',
    `<p class="meta">${summaryLine}</p>`,
    meta.command ? `<pre class="command">${e(meta.command)}</pre>` : '',
    summaryTable(results),
    ...results.map(section),
    `<footer>Times are offsets from each drill's start on the target's clock; hover the chart for exact instants.</footer>`,
  ].filter(Boolean);
}

export function reportTitle(results: RunResult[]): string {
  const passed = results.filter((r) => r.verdict === 'pass').length;
  return `Gameday report: ${passed}/${results.length} passed`;
}

export const html = {
  name: 'html',
  extension: 'html',
  render(results: RunResult[], meta: ReportMeta): string {
    return htmlPage(reportTitle(results), REPORT_STYLE, reportContent(results, meta));
  },
} satisfies Reporter;
