import { formatDuration } from '../kit/duration.js';
import { escapeMarkup as e } from '../report/escape.js';
import { formatOffset, formatTarget, verdictLabel } from '../report/format.js';
import { legend } from '../report/html.js';
import type { PhaseName, RunResult } from '../report/result.js';
import { PHASE_COLOURS, timelineChart } from '../report/timeline-chart.js';
import type { Action } from '../targets/target.js';
import type { ClusterSnapshot, NodeTile, WorkloadCount } from './cluster-view.js';
import type { Countdown } from './live-drill.js';

/**
 * The live page's fragments, as markup rendered here and swapped in by the page's small script: every text
 * from the cluster, the experiment or a person is escaped on the way in, as in the report. The timeline
 * chart is the report's own chart drawn from the result so far.
 */

/** The phases in the runner's order; a phase the runner adds later is shown where it appears. */
const PHASE_ORDER = Object.keys(PHASE_COLOURS) as PhaseName[];

export function phaseStrip(r: RunResult, running: boolean): string {
  const seen = r.phases.map((p) => p.name);
  const names = [...new Set([...seen, ...PHASE_ORDER.filter((p) => !seen.includes(p))])];
  const current = running ? r.phases.at(-1) : undefined;
  const items = names.map((name) => {
    const p = [...r.phases].reverse().find((x) => x.name === name);
    const colour = PHASE_COLOURS[name] ?? '#cbd5e1';
    if (!p) return `<li class="phase pending" style="--c:${colour}"><b>${e(name)}</b><span>-</span></li>`;
    const now = p === current;
    const cls = now ? 'now' : p.ok ? 'done' : 'failed';
    const time = now
      ? `<span data-since="${p.startedAt}">${e(formatDuration(r.endedAt - p.startedAt))}</span>`
      : `<span>${e(formatDuration((p.endedAt ?? r.endedAt) - p.startedAt))}</span>`;
    const title = p.error ? ` title="${e(p.error)}"` : '';
    return `<li class="phase ${cls}" style="--c:${colour}" data-phase="${e(name)}"${title}><b>${e(name)}</b>${time}</li>`;
  });
  return `<ol class="phases">${items.join('')}</ol>`;
}

export function countdowns(list: Countdown[]): string {
  if (list.length === 0) return '';
  return list
    .map((c) => {
      const target = `target ${e(formatTarget(c.allowed))} ${e(c.from)}`;
      let value: string;
      if (c.measured !== undefined) {
        value = `<span class="measured" data-measured="${c.measured}">${e(formatDuration(c.measured))}</span>`;
      } else if (c.ticking && c.deadline !== undefined) {
        value = `<span data-deadline="${c.deadline}">-</span>`;
      } else if (c.state === 'missed') {
        value = '<span>not reached</span>';
      } else {
        value = `<span class="idle">${e(formatTarget(c.allowed))}</span>`;
      }
      const word = { waiting: 'not started', running: 'counting down', met: 'met', missed: 'missed' }[c.state];
      return (
        `<div class="cd ${c.state}" data-check="${c.name}"><div class="k">${e(c.label)} <i>${word}</i></div>` +
        `<div class="v">${value}</div><div class="t">${target}</div></div>`
      );
    })
    .join('');
}

function tileState(t: NodeTile): { cls: string; word: string } {
  if (t.power === 'off') return { cls: 'off', word: 'powered off' };
  if (t.ready === 'True') return { cls: 'ready', word: 'Ready' };
  if (t.power === 'booting') return { cls: 'booting', word: 'booting' };
  if (t.ready === 'absent') return { cls: 'unknown', word: 'not reported' };
  return { cls: 'notready', word: 'NotReady' };
}

export function nodeTiles(clusters: ClusterSnapshot[]): string {
  return clusters
    .map((c) => {
      const notReady = c.nodes.filter((n) => n.ready !== 'True').length;
      const head =
        `<h4>${e(c.cluster)} <span class="count">${c.nodes.length} nodes` +
        `${notReady ? `, <b class="bad">${notReady} not Ready</b>` : ''}</span></h4>`;
      const note = c.error ? `<p class="alert">${e(c.error)}</p>` : '';
      if (c.loading)
        return `<div class="cluster"><h4>${e(c.cluster)} <span class="count">listing the nodes…</span></h4>${note}</div>`;
      const tiles = c.nodes.map((t) => {
        const s = tileState(t);
        const flags = [t.cordoned ? 'cordoned' : '', ...t.pressure].filter(Boolean);
        const cls = [s.cls, t.cordoned ? 'cordoned' : '', t.pressure.length ? 'pressure' : '']
          .filter(Boolean)
          .join(' ');
        const title = `${t.name} (${t.role}, ${c.cluster}): ${s.word}${flags.length ? `, ${flags.join(', ')}` : ''}`;
        return (
          `<li class="tile ${cls}" data-node="${e(t.name)}" data-cluster="${e(c.cluster)}" data-state="${e(s.word)}" title="${e(title)}">` +
          `<b>${e(t.name)}</b><span class="role">${t.role}</span><span class="st">${e(s.word)}</span>` +
          (flags.length ? `<span class="flags">${flags.map(e).join(' · ')}</span>` : '') +
          '</li>'
        );
      });
      return `<div class="cluster">${head}${note}<ul class="tiles">${tiles.join('')}</ul></div>`;
    })
    .join('');
}

function workloadHealth(w: WorkloadCount): string {
  if (w.desired === 0) return 'zero';
  if (w.available >= w.desired) return 'ok';
  return w.available === 0 ? 'down' : 'degraded';
}

/** Every workload as a chip with available/desired; the unhealthy ones first, so they are above the fold. */
export function workloads(clusters: ClusterSnapshot[]): string {
  const rank: Record<string, number> = { down: 0, degraded: 1, zero: 2, ok: 3 };
  return clusters
    .filter((c) => c.workloads.length > 0)
    .map((c) => {
      const sorted = [...c.workloads]
        .map((w) => ({ w, h: workloadHealth(w) }))
        .sort((a, b) => (rank[a.h] ?? 9) - (rank[b.h] ?? 9) || a.w.name.localeCompare(b.w.name));
      const bad = sorted.filter((x) => x.h === 'down' || x.h === 'degraded').length;
      const chips = sorted.map(
        ({ w, h }) =>
          `<li class="wl ${h}" data-workload="${e(`${w.namespace}/${w.name}`)}" title="${e(`${w.kind} ${w.namespace}/${w.name} in ${c.cluster}: ${w.available} of ${w.desired} available`)}">` +
          `${e(w.name)} <b>${w.available}/${w.desired}</b></li>`,
      );
      return (
        `<div class="cluster"><h4>${e(c.cluster)} <span class="count">${c.workloads.length} workloads` +
        `${bad ? `, <b class="bad">${bad} below desired</b>` : ''}</span></h4><ul class="wls">${chips.join('')}</ul></div>`
      );
    })
    .join('');
}

/** The report's chart and legend, from the result so far. */
export function chart(r: RunResult): string {
  return timelineChart(r) + legend(r);
}

const ACTION_WORD: Record<Action['kind'], string> = { api: 'API', command: '$', sim: 'host' };

export function actionRows(actions: readonly Action[], start: number, limit = 200): string {
  if (actions.length === 0) return '<li class="empty">No API call or command yet.</li>';
  const shown = actions.slice(-limit).reverse();
  const more = actions.length - shown.length;
  return (
    shown
      .map(
        (a) =>
          `<li class="act ${a.kind}"><span class="t">${e(formatOffset(a.at - start))}</span>` +
          `<span class="k">${ACTION_WORD[a.kind]}</span><span class="c">${e(a.cluster)}</span><code>${e(a.text)}</code></li>`,
      )
      .join('') + (more > 0 ? `<li class="empty">… and ${more} earlier (all of them are in the report)</li>` : '')
  );
}

export interface ChecklistItem {
  text: string;
  /** Hidden until a hint reveals it (practice). */
  hidden?: boolean;
  doneAt?: number;
}

export function checklist(items: ChecklistItem[], start: number, open: boolean, hintButton?: string): string {
  const rows = items.map((it, i) => {
    if (it.hidden)
      return `<li class="todo hidden"><span class="n">${i + 1}</span><span>hidden: a hint reveals it</span></li>`;
    const right =
      it.doneAt !== undefined
        ? `<span class="when">done ${e(formatOffset(it.doneAt - start))}</span>`
        : open
          ? `<button type="button" data-action="step" data-index="${i}">Mark done</button>`
          : '';
    return `<li class="${it.doneAt !== undefined ? 'done' : 'todo'}" data-step="${i}"><span class="n">${i + 1}</span><span class="txt">${e(it.text)}</span>${right}</li>`;
  });
  return `<ol class="checklist">${rows.join('')}</ol>${hintButton ?? ''}`;
}

export interface AlertLine {
  at: number;
  type: 'firing' | 'resolved';
  text: string;
}

export function alerts(lines: AlertLine[], start: number, ack: { at?: number; open: boolean }): string {
  if (lines.length === 0) return '<p class="empty">No alert has fired.</p>';
  const rows = [...lines]
    .reverse()
    .slice(0, 50)
    .map(
      (a) =>
        `<li class="${a.type}"><span class="t">${e(formatOffset(a.at - start))}</span>${a.type === 'firing' ? 'ALERT' : 'resolved'}: ${e(a.text)}</li>`,
    );
  const button =
    ack.at !== undefined
      ? `<p class="acked">Acknowledged ${e(formatOffset(ack.at - start))}</p>`
      : ack.open
        ? '<button type="button" data-action="ack">Acknowledge</button>'
        : '';
  return `${button}<ol class="alerts">${rows.join('')}</ol>`;
}

export interface TranscriptLine {
  at: number;
  kind: string;
  text: string;
  node?: string;
  exitCode?: number;
}

export function transcript(lines: TranscriptLine[], start: number): string {
  if (lines.length === 0) return '<li class="empty">Nothing typed yet.</li>';
  return [...lines]
    .reverse()
    .slice(0, 200)
    .map((l) => {
      const who = l.node ? `<b>[${e(l.node)}] $</b> ` : `<span class="k">${e(l.kind)}</span> `;
      const exit = l.exitCode ? ` <span class="bad">(exit ${l.exitCode})</span>` : '';
      return `<li class="tr tr-${e(l.kind)}"><span class="t">${e(formatOffset(l.at - start))}</span>${who}${e(l.text)}${exit}</li>`;
    })
    .join('');
}

export interface QueueEntry {
  id: string;
  title: string;
  state: 'waiting' | 'running' | RunResult['verdict'];
}

export function queue(entries: QueueEntry[]): string {
  if (entries.length < 2) return '';
  const rows = entries.map((q, i) => {
    const badge =
      q.state === 'waiting' || q.state === 'running'
        ? `<span class="badge ${q.state}">${q.state}</span>`
        : `<span class="badge ${q.state}">${e(verdictLabel(q.state))}</span>`;
    return `<li class="q ${q.state}" data-drill="${e(q.id)}"><span class="n">${i + 1}</span>${badge}<span>${e(q.title)} <code>${e(q.id)}</code></span></li>`;
  });
  return `<ol class="queue">${rows.join('')}</ol>`;
}
