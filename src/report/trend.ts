import { formatDuration } from '../kit/duration.js';
import { svgNumber as n, tickStep } from './ticks.js';
import { BASE_STYLE, htmlPage } from './base-style.js';
import { checkRegression } from '../history/baseline.js';
import { byDrill, type StoredRun } from '../history/store.js';
import { escapeMarkup as e } from './escape.js';
import { checkMessage, formatInstant, formatTarget, verdictLabel } from './format.js';
import type { RunResult } from './result.js';
import { MARK_COLOURS } from './timeline-chart.js';

/**
 * `gameday report --trend`: one self-contained HTML page (inline CSS and SVG, no script, nothing fetched)
 * with, per drill, time-to-detect and time-to-Ready over its recorded runs, the targets as dashed lines,
 * failed runs marked, and the table of runs with how each compared with the runs before it.
 */

export interface TrendMeta {
  generatedAt: number;
  gamedayVersion: string;
  /** Where the runs were read from. */
  resultsDir: string;
}

const SERIES = [
  { key: 'timeToDetect', label: 'time-to-detect', colour: MARK_COLOURS.detected, check: 'timeToDetect' },
  { key: 'timeToReady', label: 'time-to-Ready', colour: MARK_COLOURS.ready, check: 'timeToReady' },
] as const;

const STYLE = `${BASE_STYLE}code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; color: var(--muted); font-weight: 600; background: #f1f5f9; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-size: 12px; font-weight: 700; letter-spacing: .03em; white-space: nowrap; }
.badge.pass { background: var(--pass); } .badge.fail { background: var(--fail); } .badge.aborted { background: var(--aborted); } .badge.error { background: var(--error); }
.drill { background: #fff; border: 1px solid var(--line); border-left: 6px solid var(--muted); border-radius: 8px; padding: 16px 20px; margin: 0 0 24px; }
.drill.pass { border-left-color: var(--pass); } .drill.fail { border-left-color: var(--fail); } .drill.aborted { border-left-color: var(--aborted); } .drill.error { border-left-color: var(--error); }
.ok-text { color: var(--pass); font-weight: 600; } .missed-text { color: var(--fail); font-weight: 600; } .muted { color: var(--muted); }
svg.trend { display: block; margin: 6px 0 0; font-family: system-ui, sans-serif; }
svg.trend .tick { font-size: 10px; fill: var(--muted); font-variant-numeric: tabular-nums; }
svg.trend .grid { stroke: #e2e8f0; stroke-width: 1; }
svg.trend .axis { stroke: #94a3b8; stroke-width: 1; }
svg.trend .failed-run { fill: #fee2e2; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; color: var(--muted); margin: 6px 0 0 0; }
.legend span { display: inline-flex; align-items: center; gap: 5px; }
.legend i { display: inline-block; width: 14px; height: 10px; border-radius: 2px; }
.legend i.line { height: 0; border-top: 2px solid; border-radius: 0; }
.legend i.dash { height: 0; border-top: 2px dashed; border-radius: 0; }
.legend i.dot { width: 10px; height: 10px; border-radius: 5px; border: 2px solid; background: #fff; }
footer { color: var(--muted); font-size: 12px; margin-top: 32px; }
`;

const WIDTH = 1000;
const LEFT = 72;
const RIGHT = 24;
const TOP = 16;
const PLOT_H = 220;
const AXIS = 44;

function badge(verdict: RunResult['verdict']): string {
  return `<span class="badge ${verdict}">${e(verdictLabel(verdict))}</span>`;
}

function allowed(r: RunResult, check: string): number | undefined {
  const c = r.checks.find((x) => x.name === check);
  return c && typeof c.allowed === 'number' ? c.allowed : undefined;
}

/** "2024-05-06 03:00" in UTC: short enough to sit under a point. */
function shortTime(ms: number): string {
  return formatInstant(ms).replace('T', ' ').slice(0, 16);
}

/** The chart of one drill: x is the runs in order (labelled with their start), y the duration. */
export function trendChart(drill: string, runs: readonly StoredRun[]): string {
  const count = runs.length;
  const plotW = WIDTH - LEFT - RIGHT;
  const gap = plotW / Math.max(count, 1);
  const x = (i: number): number => LEFT + gap * (i + 0.5);
  const values: number[] = [];
  for (const r of runs) {
    for (const s of SERIES) {
      const v = r.result.timings[s.key];
      if (v !== undefined) values.push(v);
      const a = allowed(r.result, s.check);
      if (a !== undefined) values.push(a);
    }
  }
  const max = Math.max(1_000, ...values);
  const step = tickStep(max, 6, 1_000);
  const top = Math.ceil((max * 1.05) / step) * step;
  const y = (ms: number): number => TOP + PLOT_H - (Math.min(ms, top) / top) * PLOT_H;
  const height = TOP + PLOT_H + AXIS;

  const out: string[] = [];
  out.push(
    `<svg class="trend" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-label="${e(`time-to-detect and time-to-Ready of ${drill} over ${count} ${count === 1 ? 'run' : 'runs'}`)}">`,
  );
  // Failed runs: a band behind the whole column, so they stand out before any point is read.
  runs.forEach((r, i) => {
    if (r.result.verdict === 'pass') return;
    out.push(
      `<rect class="failed-run" x="${n(x(i) - gap / 2)}" y="${TOP}" width="${n(gap)}" height="${PLOT_H}"><title>${e(`run ${i + 1}: ${verdictLabel(r.result.verdict)}${r.result.error ? `: ${r.result.error}` : ''}`)}</title></rect>`,
    );
  });
  for (let t = 0; t <= top; t += step) {
    out.push(
      `<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${n(y(t))}" y2="${n(y(t))}" class="grid"/>`,
      `<text x="${LEFT - 8}" y="${n(y(t) + 4)}" text-anchor="end" class="tick">${e(formatDuration(t))}</text>`,
    );
  }
  out.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${TOP + PLOT_H}" y2="${TOP + PLOT_H}" class="axis"/>`);
  // Label every run while they fit, otherwise every k-th.
  const every = Math.max(1, Math.ceil(count / 10));
  runs.forEach((r, i) => {
    if (i % every !== 0 && i !== count - 1) return;
    out.push(
      `<text x="${n(x(i))}" y="${TOP + PLOT_H + 16}" text-anchor="middle" class="tick">#${i + 1}</text>`,
      `<text x="${n(x(i))}" y="${TOP + PLOT_H + 30}" text-anchor="middle" class="tick">${e(shortTime(r.at))}</text>`,
    );
  });
  for (const s of SERIES) {
    // Targets: a dashed step line, since an experiment's target may change between runs.
    const segments = runs.flatMap((r, i) => {
      const a = allowed(r.result, s.check);
      return a === undefined ? [] : [`M${n(x(i) - gap / 2)} ${n(y(a))}H${n(x(i) + gap / 2)}`];
    });
    if (segments.length) {
      const last = runs
        .map((r) => allowed(r.result, s.check))
        .filter((a) => a !== undefined)
        .pop() as number;
      out.push(
        `<path class="target ${s.key}" d="${segments.join('')}" fill="none" stroke="${s.colour}" stroke-opacity="0.7" stroke-width="1.5" stroke-dasharray="6 4"><title>${e(`${s.label} target ${formatTarget(last)}`)}</title></path>`,
      );
    }
    // The line joins consecutive measured runs; a run that did not measure breaks it.
    const paths: string[] = [];
    let current: string[] = [];
    runs.forEach((r, i) => {
      const v = r.result.timings[s.key];
      if (v === undefined) {
        if (current.length > 1) paths.push(current.join(' '));
        current = [];
        return;
      }
      current.push(`${n(x(i))},${n(y(v))}`);
    });
    if (current.length > 1) paths.push(current.join(' '));
    for (const p of paths)
      out.push(`<polyline class="series ${s.key}" points="${p}" fill="none" stroke="${s.colour}" stroke-width="2"/>`);
  }
  for (const s of SERIES) {
    runs.forEach((r, i) => {
      const v = r.result.timings[s.key];
      if (v === undefined) return;
      const check = r.result.checks.find((c) => c.name === s.check);
      const failed = r.result.verdict !== 'pass';
      const missed = check !== undefined && !check.ok;
      const title =
        `run ${i + 1} (${formatInstant(r.at)}, seed ${r.result.seed}): ${s.label} ${formatDuration(v)}` +
        (check
          ? `; target ${typeof check.allowed === 'number' ? formatTarget(check.allowed) : String(check.allowed)} ${check.ok ? 'met' : 'missed'}`
          : '') +
        `; verdict ${verdictLabel(r.result.verdict)}`;
      // A failed run's points are hollow with a red ring; a missed target of this series fills them red.
      const fill = missed ? MARK_COLOURS.missed : failed ? '#fff' : s.colour;
      const stroke = failed ? MARK_COLOURS.missed : s.colour;
      out.push(
        `<circle class="point ${s.key}${failed ? ' failed' : ''}" data-run="${i + 1}" cx="${n(x(i))}" cy="${n(y(v))}" r="${failed ? 5 : 4}" fill="${fill}" stroke="${stroke}" stroke-width="2"><title>${e(title)}</title></circle>`,
      );
    });
  }
  out.push('</svg>');
  return out.join('\n');
}

function legend(runs: readonly StoredRun[]): string {
  const items: string[] = [];
  for (const s of SERIES) {
    if (runs.some((r) => r.result.timings[s.key] !== undefined))
      items.push(`<span><i class="line" style="border-color:${s.colour}"></i>${e(s.label)}</span>`);
    if (runs.some((r) => allowed(r.result, s.check) !== undefined))
      items.push(`<span><i class="dash" style="border-color:${s.colour}"></i>${e(`${s.label} target`)}</span>`);
  }
  if (runs.some((r) => r.result.verdict !== 'pass')) {
    items.push(
      `<span><i style="background:#fee2e2"></i><i class="dot" style="border-color:${MARK_COLOURS.missed}"></i>failed run (filled red: this target missed)</span>`,
    );
  }
  return `<div class="legend">${items.join('')}</div>`;
}

function vsHistory(run: StoredRun, earlier: readonly StoredRun[]): string {
  const check = checkRegression(run.result, earlier);
  const regressed = check.checks.filter((c) => c.status === 'regressed');
  if (regressed.length)
    return regressed
      .map((c) => `<span class="missed-text">regressed</span> ${e(c.message.replace(/^[^:]*: /, ''))}`)
      .join('<br>');
  const ok = check.checks.filter((c) => c.status === 'ok');
  if (ok.length)
    return `<span class="ok-text">within</span> <span class="muted">${e(ok.map((c) => c.message.replace(/^[^:]*: /, '').replace(/ within .*/, '')).join(', '))}</span>`;
  return '<span class="muted">too few earlier runs</span>';
}

function runsTable(runs: readonly StoredRun[]): string {
  const rows = runs.map((r, i) => {
    const t = r.result.timings;
    const notes = [
      ...(r.result.error ? [r.result.error] : []),
      ...r.result.checks.filter((c) => !c.ok).map(checkMessage),
      ...(r.result.rollback.ok ? [] : ['rollback failed']),
    ];
    return (
      `<tr><td class="num">#${i + 1}</td><td class="num" title="${e(r.file)}">${e(formatInstant(r.at))}</td><td>${e(r.result.target)}</td>` +
      `<td class="num">${e(String(r.result.seed))}</td><td>${badge(r.result.verdict)}</td>` +
      `<td class="num">${e(formatDuration(t.timeToDetect))}</td><td class="num">${e(formatDuration(t.timeToReady))}</td>` +
      `<td class="num">${e(formatDuration(t.timeToRecover))}</td><td>${vsHistory(r, runs.slice(0, i))}</td><td>${notes.map(e).join('<br>') || '-'}</td></tr>`
    );
  });
  return (
    '<table><thead><tr><th>Run</th><th>Started</th><th>Target</th><th>Seed</th><th>Verdict</th><th>Time to detect</th>' +
    `<th>Time to Ready</th><th>Time to recover</th><th>Against earlier runs</th><th>Notes</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
  );
}

function section(drill: string, runs: readonly StoredRun[]): string {
  const last = runs[runs.length - 1] as StoredRun;
  const passed = runs.filter((r) => r.result.verdict === 'pass').length;
  return [
    `<section class="drill ${last.result.verdict}" id="drill-${e(drill.replace(/[^A-Za-z0-9_-]/g, '-'))}">`,
    `<h2>${badge(last.result.verdict)} ${e(last.result.experiment.title)} <code>${e(drill)}</code></h2>`,
    `<p class="facts">${runs.length} ${runs.length === 1 ? 'run' : 'runs'}, ${passed} passed · first ${e(formatInstant((runs[0] as StoredRun).at))} · last ${e(formatInstant(last.at))}` +
      (last.result.experiment.runbook ? ` · runbook ${e(last.result.experiment.runbook)}` : '') +
      '</p>',
    trendChart(drill, runs),
    legend(runs),
    '<h3>Runs</h3>',
    runsTable(runs),
    '</section>',
  ].join('\n');
}

export function renderTrend(runs: readonly StoredRun[], meta: TrendMeta): string {
  const drills = byDrill(runs);
  const summary =
    `${drills.size} ${drills.size === 1 ? 'drill' : 'drills'}, ${runs.length} ${runs.length === 1 ? 'run' : 'runs'} from ${e(meta.resultsDir)} · ` +
    `generated ${e(formatInstant(meta.generatedAt))} by gameday ${e(meta.gamedayVersion)}`;
  const body =
    drills.size === 0
      ? [`<p>No runs recorded in ${e(meta.resultsDir)}.</p>`]
      : [...drills].map(([d, r]) => section(d, r));
  return htmlPage(`Gameday trends: ${drills.size} ${drills.size === 1 ? 'drill' : 'drills'}`, STYLE, [
    '<h1>Gameday trends</h1>',
    `<p class="meta">${summary}</p>`,
    ...body,
    "<footer>Each chart shows a drill's runs in order, labelled with their wall-clock start (UTC); hover a point for its figures. " +
      '"Against earlier runs" compares each run with the median of up to 10 earlier comparable runs plus 20%, as <code>gameday run --baseline</code> does.</footer>',
  ]);
}
