import { formatDuration } from '../kit/duration.js';
import type { RunResult } from '../report/result.js';
import { listRuns, type StoredRun } from './store.js';

/**
 * Regression gates: a drill whose recovery got slower than its own history fails CI even while it is still
 * inside its absolute target. The baseline is the median (p50) of the drill's last N comparable runs; the
 * gate trips when the new figure exceeds it by more than the threshold.
 */

export interface GateOptions {
  /** How many of the most recent comparable runs make the baseline. Default 10. */
  window?: number;
  /** Allowed growth over the baseline, as a fraction: 0.2 is 20%. Default 0.2. */
  threshold?: number;
  /** Fewer comparable runs than this: no gate. Default 3. */
  minRuns?: number;
}

export type Metric = 'timeToReady' | 'timeToDetect';

const METRIC_LABELS: Record<Metric, string> = { timeToReady: 'time-to-Ready', timeToDetect: 'time-to-detect' };
/** Time-to-Ready first: it is what the gate exists for. */
const METRICS: readonly Metric[] = ['timeToReady', 'timeToDetect'];

export interface MetricCheck {
  metric: Metric;
  /** ok: within the limit; regressed: beyond it; no-gate: too little history or nothing measured. */
  status: 'ok' | 'regressed' | 'no-gate';
  measured?: number;
  p50?: number;
  limit?: number;
  runs: number;
  message: string;
}

export interface RegressionCheck {
  drill: string;
  ok: boolean;
  checks: MetricCheck[];
  messages: string[];
}

/** Median with linear interpolation between the two middle values of an even count. */
export function p50(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = (s.length - 1) / 2;
  const lo = s[Math.floor(mid)] as number;
  const hi = s[Math.ceil(mid)] as number;
  return lo + (hi - lo) * (mid - Math.floor(mid));
}

function percent(threshold: number): string {
  return `${Math.round(threshold * 1000) / 10}%`;
}

/**
 * Whether a run is a fair comparison: the same drill on the same kind of target (a simulator's minutes say
 * nothing about a lab's), not a dry run, and one that got as far as measuring (not aborted or errored).
 */
function comparable(result: RunResult, run: StoredRun | RunResult): boolean {
  const r = 'result' in run ? run.result : run;
  return (
    r.experiment.id === result.experiment.id &&
    r.target === result.target &&
    !r.dryRun &&
    (r.verdict === 'pass' || r.verdict === 'fail')
  );
}

/**
 * Compare a run with the drill's history (runs before it, oldest first; runs of other drills are ignored).
 * `history` must not contain `result` itself: gate first, then append.
 */
export function checkRegression(
  result: RunResult,
  history: readonly (StoredRun | RunResult)[],
  options: GateOptions = {},
): RegressionCheck {
  const window = options.window ?? 10;
  const threshold = options.threshold ?? 0.2;
  const minRuns = options.minRuns ?? 3;
  const drill = result.experiment.id;
  const earlier = history.filter((h) => comparable(result, h)).map((h) => ('result' in h ? h.result : h));
  const checks: MetricCheck[] = [];
  for (const metric of METRICS) {
    const label = METRIC_LABELS[metric];
    const measured = result.timings[metric];
    const values = earlier
      .map((r) => r.timings[metric])
      .filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    const recent = values.slice(-window);
    if (measured === undefined) {
      // Nothing to compare; a drill that never became Ready has already missed its target.
      if (values.length > 0)
        checks.push({
          metric,
          status: 'no-gate',
          runs: recent.length,
          message: `${drill}: ${label} not measured in this run; nothing to compare`,
        });
      continue;
    }
    if (recent.length < minRuns) {
      checks.push({
        metric,
        status: 'no-gate',
        measured,
        runs: recent.length,
        message: `${drill}: no ${label} gate yet: ${recent.length} earlier ${recent.length === 1 ? 'run' : 'runs'} on ${result.target}, ${minRuns} needed`,
      });
      continue;
    }
    const median = p50(recent);
    const limit = median * (1 + threshold);
    const of = `of the last ${recent.length} runs`;
    if (measured > limit) {
      checks.push({
        metric,
        status: 'regressed',
        measured,
        p50: median,
        limit,
        runs: recent.length,
        message: `${drill}: ${label} ${formatDuration(measured)} regressed beyond p50 ${formatDuration(median)} + ${percent(threshold)} (${formatDuration(limit)}) ${of}`,
      });
    } else {
      checks.push({
        metric,
        status: 'ok',
        measured,
        p50: median,
        limit,
        runs: recent.length,
        message: `${drill}: ${label} ${formatDuration(measured)} within p50 ${formatDuration(median)} + ${percent(threshold)} (${formatDuration(limit)}) ${of}`,
      });
    }
  }
  const ok = checks.every((c) => c.status !== 'regressed');
  return { drill, ok, checks, messages: checks.map((c) => c.message) };
}

export interface GateResult {
  ok: boolean;
  /** Regressions first, then the rest, one line each. */
  messages: string[];
  checks: RegressionCheck[];
}

/**
 * The gate `gameday run --baseline <results-dir>` applies to the results it just produced: each result
 * against the history of its drill in `baselineDir`. Call it before appending the new results.
 */
export async function gateResults(
  results: readonly RunResult[],
  baselineDir: string,
  options: GateOptions = {},
): Promise<GateResult> {
  const checks: RegressionCheck[] = [];
  const cache = new Map<string, StoredRun[]>();
  for (const result of results) {
    const drill = result.experiment.id;
    let history = cache.get(drill);
    if (!history) {
      history = await listRuns(baselineDir, { drill });
      cache.set(drill, history);
    }
    checks.push(checkRegression(result, history, options));
  }
  const all = checks.flatMap((c) => c.checks);
  const messages = [...all.filter((c) => c.status === 'regressed'), ...all.filter((c) => c.status !== 'regressed')].map(
    (c) => c.message,
  );
  if (results.length > 0 && all.length === 0) messages.push('no timings measured; no regression gate applied');
  return { ok: checks.every((c) => c.ok), messages, checks };
}
