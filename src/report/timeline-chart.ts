import { formatDuration } from '../kit/duration.js';
import { svgNumber as n, tickStep } from './ticks.js';
import { escapeMarkup } from './escape.js';
import { checkLabel, formatInstant, formatOffset, formatTarget } from './format.js';
import { deadline, marks } from './marks.js';
import type { ItemRecord, PhaseName, RunResult } from './result.js';

/**
 * The drill on one horizontal time axis, as inline SVG (no script, so it opens anywhere and cannot run
 * anything): phase bars, a lane per fault and per recovery step, probe results, vertical markers for the
 * instants that are measured between (fault injected, detected, Ready) and dashed lines where the targets
 * put them. Every shape carries a <title> with exact times, which browsers show on hover.
 */

export const PHASE_COLOURS: Record<PhaseName, string> = {
  preflight: '#94a3b8',
  setup: '#818cf8',
  'steady-state': '#60a5fa',
  journal: '#a78bfa',
  inject: '#f87171',
  detect: '#fb923c',
  recover: '#facc15',
  verify: '#34d399',
  rollback: '#a1a1aa',
};

export const MARK_COLOURS = {
  injected: '#b91c1c',
  detected: '#c2410c',
  ready: '#15803d',
  missed: '#dc2626',
  target: '#475569',
  step: '#ca8a04',
  fault: '#ef4444',
  probeOk: '#16a34a',
  probeFail: '#dc2626',
};

const WIDTH = 1000;
const LEFT = 160;
const RIGHT = 36;
const ROW = 24;
const BAR = 14;
const LABEL_ROW = 16;
const AXIS = 30;
/** Rough width of one character of the 10px in-bar font, to decide whether a phase name fits its bar. */
const CHAR_W = 6.2;
/** Rough width of one character of the bold 11px marker labels (generous: clipping is worse than a new row). */
const LABEL_CHAR_W = 7.2;

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

interface Marker {
  at: number;
  label: string;
  colour: string;
  dashed: boolean;
  title: string;
}

interface Lane {
  label: string;
  title: string;
  draw: (y: number) => string[];
}

export function timelineChart(result: RunResult): string {
  const start = result.startedAt;
  const m = marks(result);
  const at = (t: number): string => `${formatOffset(t - start)} (${formatInstant(t)})`;

  // The markers: measured instants and target deadlines.
  const markers: Marker[] = [];
  if (m.injectedAt !== undefined) {
    markers.push({
      at: m.injectedAt,
      label: 'fault injected',
      colour: MARK_COLOURS.injected,
      dashed: false,
      title: `fault injected at ${at(m.injectedAt)}`,
    });
  }
  const detectCheck = result.checks.find((c) => c.name === 'timeToDetect');
  if (m.detectedAt !== undefined) {
    const colour = detectCheck && !detectCheck.ok ? MARK_COLOURS.missed : MARK_COLOURS.detected;
    markers.push({
      at: m.detectedAt,
      label: `detected (${formatDuration(result.timings.timeToDetect)})`,
      colour,
      dashed: false,
      title: `detected at ${at(m.detectedAt)}: time-to-detect ${formatDuration(result.timings.timeToDetect)}`,
    });
  }
  const readyCheck = result.checks.find((c) => c.name === 'timeToReady' || c.name === 'timeToRecover');
  if (m.readyAt !== undefined) {
    const colour = readyCheck && !readyCheck.ok ? MARK_COLOURS.missed : MARK_COLOURS.ready;
    const took =
      result.timings.timeToReady !== undefined
        ? `time-to-Ready ${formatDuration(result.timings.timeToReady)}`
        : `time-to-recover ${formatDuration(result.timings.timeToRecover)}`;
    markers.push({
      at: m.readyAt,
      label: `Ready (${took.replace(/^time-to-\S+ /, '')})`,
      colour,
      dashed: false,
      title: `Ready at ${at(m.readyAt)}: ${took}`,
    });
  }
  for (const check of result.checks) {
    const when = deadline(check, m);
    if (when === undefined || typeof check.allowed !== 'number') continue;
    const label = `${checkLabel(check.name)} target ${formatTarget(check.allowed)}`;
    markers.push({
      at: when,
      label,
      colour: check.ok ? MARK_COLOURS.target : MARK_COLOURS.missed,
      dashed: true,
      title: `${label}: deadline ${at(when)}; ${check.message}`,
    });
  }

  // The axis spans the run and anything drawn past its end (a target deadline the run never reached).
  const instants = [
    result.endedAt,
    ...markers.map((k) => k.at),
    ...result.phases.flatMap((p) => [p.startedAt, p.endedAt ?? p.startedAt]),
    ...[...result.faults, ...result.steps].flatMap((i) => [i.startedAt ?? start, i.endedAt ?? start]),
  ].filter((t) => Number.isFinite(t));
  const span = Math.max(1, ...instants.map((t) => t - start));
  const step = tickStep(span);
  const end = Math.ceil(span / step) * step;
  const plotW = WIDTH - LEFT - RIGHT;
  const x = (t: number): number => LEFT + (Math.min(Math.max(t - start, 0), end) / end) * plotW;

  const lanes: Lane[] = [];
  lanes.push({
    label: 'phases',
    title: 'phases of the drill',
    draw: (y) =>
      result.phases.map((p) => {
        const x0 = x(p.startedAt);
        const x1 = Math.max(x0 + 2, x(p.endedAt ?? result.endedAt));
        const fits = x1 - x0 > p.name.length * CHAR_W + 6;
        const stroke = p.ok ? '' : ` stroke="${MARK_COLOURS.missed}" stroke-width="2"`;
        const title = `${p.name}: ${at(p.startedAt)} to ${p.endedAt === undefined ? 'the end (did not finish)' : at(p.endedAt)}${p.endedAt !== undefined ? `, ${formatDuration(p.endedAt - p.startedAt)}` : ''}${p.ok ? '' : `; failed${p.error ? `: ${p.error}` : ''}`}`;
        return (
          `<g class="phase"><title>${escapeMarkup(title)}</title>` +
          `<rect x="${n(x0)}" y="${n(y + (ROW - BAR) / 2)}" width="${n(x1 - x0)}" height="${BAR}" rx="2" fill="${PHASE_COLOURS[p.name] ?? '#cbd5e1'}"${stroke}/>` +
          (fits
            ? `<text x="${n((x0 + x1) / 2)}" y="${n(y + ROW / 2 + 4)}" text-anchor="middle" class="in-bar">${escapeMarkup(p.name)}</text>`
            : '') +
          '</g>'
        );
      }),
  });
  const itemLane = (kind: 'fault' | 'step', item: ItemRecord): Lane => {
    const colour = kind === 'fault' ? MARK_COLOURS.fault : MARK_COLOURS.step;
    const title =
      `${kind === 'fault' ? 'fault' : 'recovery step'} ${item.name} (${item.type}, cluster ${item.cluster})` +
      (item.startedAt !== undefined ? `: started ${at(item.startedAt)}` : ': never started') +
      (item.endedAt !== undefined
        ? `, ended ${at(item.endedAt)}`
        : item.startedAt !== undefined
          ? ', did not finish'
          : '') +
      (item.startedAt !== undefined && item.endedAt !== undefined
        ? `, took ${formatDuration(item.endedAt - item.startedAt)}`
        : '') +
      (item.hit?.length ? `; hit ${item.hit.join(', ')}` : '') +
      (item.ok ? '' : `; FAILED${item.error ? `: ${item.error}` : ''}`) +
      (item.description ? `\n${item.description}` : '');
    return {
      label: truncate(item.name, 24),
      title,
      draw: (y) => {
        if (item.startedAt === undefined) return [];
        const mid = y + ROW / 2;
        const x0 = x(item.startedAt);
        // An item that never ended (the run was aborted or it hung) ran until the run ended: an open bar.
        const open = item.endedAt === undefined;
        const x1 = x(item.endedAt ?? result.endedAt);
        const stroke = item.ok ? colour : MARK_COLOURS.missed;
        const shapes: string[] = [];
        if (open) {
          shapes.push(
            `<rect x="${n(x0)}" y="${n(mid - BAR / 2 + 2)}" width="${n(Math.max(x1 - x0, 3))}" height="${BAR - 4}" fill="${colour}" fill-opacity="0.15" stroke="${stroke}" stroke-dasharray="4 3"/>`,
            `<line x1="${n(x0)}" x2="${n(x0)}" y1="${n(mid - BAR / 2)}" y2="${n(mid + BAR / 2)}" stroke="${stroke}" stroke-width="2"/>`,
          );
        } else if (x1 - x0 < 3) {
          // Too short to see as a bar (a power-off is an instant): a diamond.
          shapes.push(`<path d="M${n(x0)} ${n(mid - 6)}l6 6l-6 6l-6 -6z" fill="${colour}" stroke="${stroke}"/>`);
        } else {
          shapes.push(
            `<rect x="${n(x0)}" y="${n(mid - BAR / 2 + 2)}" width="${n(x1 - x0)}" height="${BAR - 4}" rx="2" fill="${colour}" fill-opacity="0.35" stroke="${stroke}"/>`,
            `<line x1="${n(x0)}" x2="${n(x0)}" y1="${n(mid - BAR / 2)}" y2="${n(mid + BAR / 2)}" stroke="${stroke}" stroke-width="2"/>`,
            `<line x1="${n(x1)}" x2="${n(x1)}" y1="${n(mid - BAR / 2)}" y2="${n(mid + BAR / 2)}" stroke="${stroke}" stroke-width="2"/>`,
          );
        }
        return [`<g class="${kind}"><title>${escapeMarkup(title)}</title>${shapes.join('')}</g>`];
      },
    };
  };
  for (const f of result.faults) lanes.push(itemLane('fault', f));
  for (const s of result.steps) lanes.push(itemLane('step', s));
  const timedProbes = result.probes.filter((p) => p.at !== undefined);
  if (timedProbes.length) {
    lanes.push({
      label: 'probes',
      title: 'probe results (green passed, red failed)',
      draw: (y) =>
        timedProbes.map((p) => {
          const title = `${p.phase} probe ${p.name} (${p.type}, cluster ${p.cluster}) ${p.ok ? 'passed' : 'failed'} at ${at(p.at ?? start)}: ${p.observed}`;
          const colour = p.ok ? MARK_COLOURS.probeOk : MARK_COLOURS.probeFail;
          return `<circle cx="${n(x(p.at ?? start))}" cy="${n(y + ROW / 2)}" r="4" fill="${colour}" fill-opacity="0.8"><title>${escapeMarkup(title)}</title></circle>`;
        }),
    });
  }

  // Marker labels stack in rows above the lanes so that close instants do not print over each other.
  const sorted = [...markers].sort((a, b) => a.at - b.at);
  const rowEnds: number[] = [];
  const placed = sorted.map((k) => {
    const cx = x(k.at);
    const w = k.label.length * LABEL_CHAR_W;
    // Labels near the right edge hang to the left of their line.
    const anchorEnd = cx + w + 4 > WIDTH;
    const from = anchorEnd ? cx - w - 4 : cx + 4;
    let row = rowEnds.findIndex((e) => e < from);
    if (row === -1) row = rowEnds.length;
    rowEnds[row] = from + w + 8;
    return { ...k, cx, row, anchorEnd };
  });
  const labelRows = Math.max(1, rowEnds.length);
  const top = labelRows * LABEL_ROW + 6;
  const lanesH = lanes.length * ROW;
  const height = top + lanesH + AXIS;

  const out: string[] = [];
  out.push(
    `<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="100%" role="img" aria-label="${escapeMarkup(`timeline of ${result.experiment.id}`)}">`,
  );
  lanes.forEach((lane, i) => {
    const y = top + i * ROW;
    if (i % 2 === 0) out.push(`<rect x="0" y="${y}" width="${WIDTH}" height="${ROW}" class="band"/>`);
    out.push(
      `<text x="${LEFT - 8}" y="${y + ROW / 2 + 4}" text-anchor="end" class="lane"><title>${escapeMarkup(lane.title)}</title>${escapeMarkup(lane.label)}</text>`,
    );
  });
  // Grid and axis.
  for (let t = 0; t <= end; t += step) {
    const gx = x(start + t);
    out.push(
      `<line x1="${n(gx)}" x2="${n(gx)}" y1="${top}" y2="${top + lanesH}" class="grid"/>`,
      `<text x="${n(gx)}" y="${top + lanesH + 16}" text-anchor="middle" class="tick">${escapeMarkup(formatOffset(t))}</text>`,
    );
  }
  out.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${top + lanesH}" y2="${top + lanesH}" class="axis"/>`);
  lanes.forEach((lane, i) => out.push(...lane.draw(top + i * ROW)));
  // Markers last, on top of the bars.
  for (const k of placed) {
    const labelY = (k.row + 1) * LABEL_ROW - 4;
    out.push(
      `<g class="marker${k.dashed ? ' target' : ''}"><title>${escapeMarkup(k.title)}</title>` +
        `<line x1="${n(k.cx)}" x2="${n(k.cx)}" y1="${labelY - 10}" y2="${top + lanesH}" stroke="${k.colour}" stroke-width="${k.dashed ? 1.5 : 2}"${k.dashed ? ' stroke-dasharray="5 4"' : ''}/>` +
        `<text x="${n(k.anchorEnd ? k.cx - 4 : k.cx + 4)}" y="${labelY}" text-anchor="${k.anchorEnd ? 'end' : 'start'}" fill="${k.colour}" class="mark-label">${escapeMarkup(k.label)}</text>` +
        '</g>',
    );
  }
  out.push('</svg>');
  return out.join('\n');
}
