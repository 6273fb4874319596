/**
 * The report and the war room on whatever screen shows them. In the browser's dark mode (prefers-color-scheme)
 * the same page, its surfaces and lines darkened and its text lightened; verdict and chart colours stay, they
 * carry meaning and read on both. On a phone, wide tables scroll sideways instead of being cut off.
 */
export const SCREEN_STYLE = `
@media (max-width: 700px) {
  main { padding: 12px 10px 32px; }
  .summary, .run table { display: block; overflow-x: auto; }
  .run { padding: 12px; }
}
@media (prefers-color-scheme: dark) {
  :root { --ink: #e2e8f0; --muted: #94a3b8; --line: #334155; --pass: #22c55e; --fail: #f87171; --aborted: #fbbf24; --error: #a78bfa; color-scheme: dark; }
  body { background: #0b1120; }
  table, .run { background: #111827; }
  th { background: #1e293b; }
  summary { color: #cbd5e1; }
  .alert { background: #3b0d0d; border-color: #7f1d1d; color: #fecaca; }
  pre.command { background: #020617; }
  a { color: #93c5fd; }
  svg.timeline .band { fill: #172033; }
  svg.timeline .lane { fill: #cbd5e1; }
  svg.timeline .grid { stroke: #1f2a3d; }
  svg.timeline .axis { stroke: #475569; }
  svg.timeline .mark-label { filter: brightness(1.7); }
}
`;
