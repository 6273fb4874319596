import type { ReportMeta, Reporter } from './reporter.js';
import type { RunResult } from './result.js';

/** Format identifier, so that tools reading the files can tell versions apart. */
export const JSON_REPORT_FORMAT = 'gameday-report/v1';

/**
 * The order a person reads a result in: what ran and how it ended first, the measurements next, the long
 * event lists last. Keys not listed here (fields added later) follow in alphabetical order.
 */
const RESULT_ORDER = [
  'experiment',
  'verdict',
  'error',
  'target',
  'seed',
  'dryRun',
  'clock',
  'startedAt',
  'endedAt',
  'wallMs',
  'timings',
  'checks',
  'data',
  'phases',
  'faults',
  'steps',
  'probes',
  'rollback',
  'timeline',
  'actions',
];
const EXPERIMENT_ORDER = ['id', 'title', 'file', 'runbook', 'description', 'tags'];
const META_ORDER = ['format', 'gamedayVersion', 'generatedAt', 'command', 'seed'];

function ordered(keys: string[], order: string[]): string[] {
  const known = order.filter((k) => keys.includes(k));
  const rest = keys.filter((k) => !order.includes(k)).sort();
  return [...known, ...rest];
}

/**
 * A copy with keys in a fixed order at every level, so that two runs with the same seed produce
 * byte-identical files whatever order the runner happened to fill the objects in (diffable in git).
 */
function canonical(value: unknown, order: string[] = []): unknown {
  if (Array.isArray(value)) return value.map((v) => canonical(v));
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of ordered(Object.keys(obj), order)) {
    if (obj[key] === undefined) continue;
    out[key] = canonical(obj[key], key === 'experiment' && order === RESULT_ORDER ? EXPERIMENT_ORDER : []);
  }
  return out;
}

export function toJsonDocument(results: RunResult[], meta: ReportMeta): unknown {
  return {
    meta: canonical({ format: JSON_REPORT_FORMAT, ...meta }, META_ORDER),
    results: results.map((r) => canonical(r, RESULT_ORDER)),
  };
}

/** Everything the run recorded (every timing, probe, step, timeline entry and action), pretty-printed. */
export const json = {
  name: 'json',
  extension: 'json',
  render(results: RunResult[], meta: ReportMeta): string {
    return `${JSON.stringify(toJsonDocument(results, meta), null, 2)}\n`;
  },
} satisfies Reporter;
