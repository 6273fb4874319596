import { escapeMarkup as e } from '../report/escape.js';
import { REPORT_STYLE } from '../report/html.js';
import { CLIENT_SCRIPT } from './client-script.js';

/**
 * The war room's look on top of the report's: large enough to read from the back of a room on a 1366x768
 * projector, one column on a phone, and dark when the browser is. Panels with nothing in them are hidden.
 */
const LIVE_STYLE = `
body.live-page { font-size: 15px; }
header.top { position: sticky; top: 0; z-index: 5; display: flex; align-items: center; gap: 12px; padding: 8px 16px; background: #0f172a; color: #f8fafc; }
header.top #head { flex: 1; min-width: 0; display: flex; flex-wrap: wrap; align-items: baseline; gap: 4px 14px; }
header.top .app { font-weight: 800; letter-spacing: .02em; }
header.top .title { font-size: 18px; font-weight: 650; }
header.top .sub { color: #cbd5e1; font-size: 13px; }
header.top code { color: #cbd5e1; }
.conn { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #475569; color: #fff; white-space: nowrap; }
.conn.on { background: #15803d; } .conn.off { background: #b45309; } .conn.over { background: #334155; }
main.live { max-width: 1680px; padding: 10px 16px 40px; }
.now-strip { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: stretch; margin: 0 0 10px; }
ol.phases { list-style: none; display: flex; flex-wrap: wrap; gap: 4px; margin: 0; padding: 0; flex: 1 1 560px; }
.phase { border-left: 5px solid var(--c); background: #fff; border-radius: 4px; padding: 3px 8px; min-width: 84px; display: flex; flex-direction: column; line-height: 1.2; border: 1px solid var(--line); border-left: 5px solid var(--c); }
.phase b { font-size: 13px; } .phase span { font-size: 13px; color: var(--muted); font-variant-numeric: tabular-nums; }
.phase.pending { opacity: .45; }
.phase.now { box-shadow: 0 0 0 2px var(--c); } .phase.now span { color: var(--ink); font-weight: 700; }
.phase.failed { border-color: var(--fail); } .phase.failed b::after { content: " ✗"; color: var(--fail); }
.phase.done b::after { content: " ✓"; color: var(--pass); }
#waiting { flex-basis: 100%; color: var(--muted); font-size: 13px; min-height: 1em; }
#targets { display: flex; gap: 8px; flex-wrap: wrap; }
.cd { background: #fff; border: 1px solid var(--line); border-top: 4px solid var(--muted); border-radius: 6px; padding: 4px 12px; min-width: 190px; }
.cd .k { font-size: 13px; color: var(--muted); } .cd .k i { font-style: normal; font-weight: 700; }
.cd .v { font-size: 28px; font-weight: 750; font-variant-numeric: tabular-nums; line-height: 1.15; }
.cd .t { font-size: 12px; color: var(--muted); }
.cd.running { border-top-color: #2563eb; } .cd.met { border-top-color: var(--pass); } .cd.met .v { color: var(--pass); }
.cd.missed { border-top-color: var(--fail); background: #fef2f2; } .cd.missed .v { color: var(--fail); }
.cd .idle { color: var(--muted); font-weight: 500; }
.now-strip:has(#phases:empty):has(#targets:empty):has(#waiting:empty) { display: none; }
body.mode-platform .grid { grid-template-columns: minmax(0, 1fr); }
#chart { overflow-x: auto; }
.grid { display: grid; grid-template-columns: minmax(0, 1.75fr) minmax(300px, 1fr); gap: 12px; align-items: start; }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 6px 12px 10px; margin: 0 0 12px; }
.panel h3 { margin: 2px 0 6px; }
.panel:has(> div:empty), .panel:has(> ol:empty), #queue:empty, #done:empty { display: none; }
.cluster h4 { margin: 4px 0; font-size: 14px; } .cluster .count { color: var(--muted); font-weight: 400; font-size: 12px; }
.bad { color: var(--fail); }
ul.tiles { list-style: none; display: grid; grid-template-columns: repeat(auto-fill, minmax(118px, 1fr)); gap: 6px; margin: 0 0 6px; padding: 0; }
.tile { border-radius: 6px; padding: 4px 8px; border: 2px solid transparent; display: flex; flex-direction: column; line-height: 1.2; min-height: 58px; }
.tile b { font-size: 14px; font-variant-numeric: tabular-nums; } .tile .role { font-size: 11px; opacity: .75; text-transform: uppercase; }
.tile .st { font-weight: 700; font-size: 13px; } .tile .flags { font-size: 11px; font-weight: 600; }
.tile.ready { background: #dcfce7; color: #14532d; }
.tile.notready { background: #dc2626; color: #fff; }
.tile.unknown, .tile.booting { background: #fef3c7; color: #78350f; }
.tile.off { background: #1f2937; color: #e5e7eb; border-color: #dc2626; }
.tile.off .st::before { content: "⏻ "; }
.tile.cordoned { border-color: #d97706; border-style: dashed; }
.tile.pressure .flags { color: #b45309; } .tile.notready.pressure .flags, .tile.off.pressure .flags { color: #fde68a; }
ul.wls { list-style: none; display: flex; flex-wrap: wrap; gap: 4px; margin: 0 0 6px; padding: 0; }
.wl { font-size: 12px; padding: 1px 7px; border-radius: 10px; border: 1px solid var(--line); white-space: nowrap; }
.wl b { font-variant-numeric: tabular-nums; }
.wl.ok { background: #f0fdf4; color: #166534; } .wl.zero { background: #f1f5f9; color: var(--muted); }
.wl.degraded { background: #fef3c7; color: #92400e; border-color: #f59e0b; } .wl.down { background: #dc2626; color: #fff; border-color: #dc2626; }
ol.feed { list-style: none; margin: 0; padding: 0; max-height: 320px; overflow-y: auto; font-size: 13px; }
ol.feed li { padding: 2px 0; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
ol.feed .t, ol.alerts .t { color: var(--muted); font-variant-numeric: tabular-nums; margin-right: 6px; }
ol.feed .k { display: inline-block; min-width: 34px; font-size: 11px; color: var(--muted); text-transform: uppercase; }
ol.feed .c { font-size: 11px; color: var(--muted); margin-right: 6px; }
ol.feed code { font-size: 12px; }
.empty { color: var(--muted); }
ol.checklist { list-style: none; margin: 0; padding: 0; }
ol.checklist li { display: flex; align-items: center; gap: 8px; padding: 6px 0; border-bottom: 1px solid var(--line); }
ol.checklist .n { flex: none; width: 24px; height: 24px; border-radius: 12px; background: #e2e8f0; color: #0f172a; text-align: center; font-weight: 700; line-height: 24px; }
ol.checklist .txt { flex: 1; } ol.checklist li.done .txt { text-decoration: line-through; color: var(--muted); }
ol.checklist li.done .n { background: var(--pass); color: #fff; } ol.checklist li.hidden { color: var(--muted); font-style: italic; }
ol.checklist .when { color: var(--pass); font-weight: 600; white-space: nowrap; }
button { font: inherit; font-weight: 650; padding: 6px 14px; border-radius: 6px; border: 1px solid #1d4ed8; background: #2563eb; color: #fff; cursor: pointer; min-height: 36px; }
button:disabled { opacity: .5; cursor: default; }
button.secondary { background: transparent; color: #2563eb; }
ol.alerts { list-style: none; margin: 6px 0 0; padding: 0; font-size: 13px; }
ol.alerts li { padding: 3px 0; border-bottom: 1px solid var(--line); } ol.alerts li.firing { color: var(--fail); font-weight: 600; }
.acked { color: var(--pass); font-weight: 600; margin: 0; }
.hint { margin: 8px 0 0; }
ol.queue { list-style: none; display: flex; flex-wrap: wrap; gap: 4px 8px; margin: 0 0 10px; padding: 0; font-size: 13px; }
ol.queue li { display: flex; align-items: center; gap: 6px; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 3px 8px; }
ol.queue li.running { box-shadow: 0 0 0 2px #2563eb; } ol.queue .n { color: var(--muted); }
.badge.waiting { background: #94a3b8; } .badge.running { background: #2563eb; }
#flash { position: fixed; bottom: 14px; left: 50%; transform: translateX(-50%); background: #0f172a; color: #fff; padding: 8px 16px; border-radius: 8px; opacity: 0; transition: opacity .2s; pointer-events: none; max-width: 90vw; }
#flash.show { opacity: 1; } #flash.bad { background: #b91c1c; }
.over-banner { background: #0f172a; color: #f8fafc; border-radius: 8px; padding: 10px 14px; margin: 0 0 16px; }
@media (max-width: 980px) {
  .grid { grid-template-columns: minmax(0, 1fr); }
  .aside-first { order: -1; }
  header.top .title { font-size: 16px; }
  main.live { padding: 8px 8px 40px; }
  .cd { min-width: 0; flex: 1 1 140px; } .cd .v { font-size: 22px; }
  ul.tiles { grid-template-columns: repeat(auto-fill, minmax(104px, 1fr)); }
  .tile b { font-size: 12.5px; }
  #chart svg.timeline { min-width: 720px; }
  .phase { min-width: 70px; }
}
@media (prefers-color-scheme: dark) {
  .phase, .cd, .panel, ol.queue li { background: #111827; }
  .cd.missed { background: #3b0d0d; }
  .tile.ready { background: #14532d; color: #dcfce7; }
  .tile.unknown, .tile.booting { background: #78350f; color: #fef3c7; }
  .tile.off { background: #020617; }
  .wl.ok { background: #052e16; color: #86efac; } .wl.zero { background: #1e293b; }
  .wl.degraded { background: #451a03; color: #fde68a; }
  ol.checklist .n { background: #334155; color: #e2e8f0; }
  button.secondary { color: #93c5fd; }
}
`;

export type PageMode = 'run' | 'practice' | 'platform';

/**
 * The page as first served: the report's style and this page's, the empty fragments the events fill, and
 * the script. Everything is inline: it works without a network beyond gameday itself.
 */
export function livePage(title: string, nonce: string, mode: PageMode, extraStyle = ''): string {
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${e(title)}</title>`,
    `<style>${REPORT_STYLE}${extraStyle}${LIVE_STYLE}</style>`,
    '</head>',
    `<body class="live-page mode-${mode}">`,
    `<header class="top"><div id="head"><span class="app">gameday war room</span></div><span id="conn" class="conn">connecting…</span></header>`,
    '<main id="live" class="live">',
    '<div id="queue"></div>',
    '<section class="now-strip"><div id="phases"></div><div id="targets"></div><div id="waiting"></div></section>',
    '<div class="grid">',
    '<div class="main-col">',
    '<section class="panel"><h3>Nodes</h3><div id="clusters"></div></section>',
    '<section class="panel"><h3>Workloads (available/desired)</h3><div id="workloads"></div></section>',
    '<section class="panel"><h3>Timeline</h3><div id="chart"></div></section>',
    '</div>',
    '<aside class="side-col aside-first">',
    '<section class="panel"><h3>Runbook steps</h3><div id="checklist"></div></section>',
    '<section class="panel"><h3>Alerts</h3><div id="alerts"></div></section>',
    '<section class="panel"><h3>Transcript</h3><ol id="transcript" class="feed"></ol></section>',
    '<section class="panel"><h3>Actions (API calls and commands)</h3><ol id="actions" class="feed"></ol></section>',
    '</aside>',
    '</div>',
    '<div id="done"></div>',
    '</main>',
    '<div id="flash" role="status" aria-live="polite"></div>',
    `<script nonce="${e(nonce)}">${CLIENT_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
