import { promises as fsp } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { InfrastructureError, InvalidInputError, errorMessage } from '../errors.js';
import type { RunResult } from '../report/result.js';

/**
 * Per drill, the last verdict and timings in the Prometheus text exposition format (version 0.0.4), for the
 * monitoring people already have: a file for node-exporter's textfile collector, or a push to a
 * Pushgateway. Series of a timing that was not measured are left out rather than written as NaN, so an
 * alert on "time-to-Ready > 5m" does not fire on a run that never got that far (the verdict says it).
 */

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const VERDICTS: readonly RunResult['verdict'][] = ['pass', 'fail', 'aborted', 'error'];

/** A run and when it finished on the wall clock (ms since epoch). */
export interface MetricsRun {
  result: RunResult;
  /** Wall-clock end of the run; on a real clock, the result's endedAt is used when absent. */
  finishedAt?: number;
}

/** Label values: backslash, double quote and line feed are escaped (the exposition format's rule). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text: backslash and line feed are escaped. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function labels(pairs: Record<string, string>): string {
  return `{${Object.entries(pairs)
    .map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
    .join(',')}}`;
}

/** Prometheus floats: integers as they are, fractions without exponent noise. */
function num(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf';
  return String(Math.round(value * 1000) / 1000);
}

interface Family {
  name: string;
  help: string;
  type: 'gauge';
  samples: string[];
}

/**
 * The exposition text for the latest run of each drill (per drill and target: the last of `runs` wins).
 * `now` stands in for the finish time of runs on a virtual clock that carry no `finishedAt`.
 */
export function renderPrometheus(runs: readonly (MetricsRun | RunResult)[], options: { now?: number } = {}): string {
  const now = options.now ?? Date.now();
  const latest = new Map<string, MetricsRun>();
  for (const r of runs) {
    const run: MetricsRun = 'result' in r ? r : { result: r };
    latest.set(`${run.result.experiment.id}\u0000${run.result.target}`, run);
  }
  const ordered = [...latest.values()].sort(
    (a, b) =>
      a.result.experiment.id.localeCompare(b.result.experiment.id) || a.result.target.localeCompare(b.result.target),
  );
  const families: Family[] = [
    {
      name: 'gameday_drill_time_to_detect_seconds',
      help: 'Time from the first fault to every detect probe passing, in the last run of the drill.',
      type: 'gauge',
      samples: [],
    },
    {
      name: 'gameday_drill_time_to_ready_seconds',
      help: 'Time from the start of recovery to every verify probe passing, in the last run of the drill.',
      type: 'gauge',
      samples: [],
    },
    {
      name: 'gameday_drill_time_to_recover_seconds',
      help: 'Time from the first fault to every verify probe passing, in the last run of the drill.',
      type: 'gauge',
      samples: [],
    },
    {
      name: 'gameday_drill_verdict',
      help: 'Verdict of the last run of the drill: 1 for the verdict it had, 0 for the others.',
      type: 'gauge',
      samples: [],
    },
    {
      name: 'gameday_drill_targets_missed',
      help: 'Number of declared targets the last run of the drill missed.',
      type: 'gauge',
      samples: [],
    },
    {
      name: 'gameday_drill_last_run_timestamp_seconds',
      help: 'When the last run of the drill finished, in seconds since the Unix epoch.',
      type: 'gauge',
      samples: [],
    },
  ];
  const [detect, ready, recover, verdict, missed, timestamp] = families as [
    Family,
    Family,
    Family,
    Family,
    Family,
    Family,
  ];
  for (const { result, finishedAt } of ordered) {
    const base = { drill: result.experiment.id, target: result.target };
    const l = labels(base);
    const t = result.timings;
    if (t.timeToDetect !== undefined) detect.samples.push(`${detect.name}${l} ${num(t.timeToDetect / 1000)}`);
    if (t.timeToReady !== undefined) ready.samples.push(`${ready.name}${l} ${num(t.timeToReady / 1000)}`);
    if (t.timeToRecover !== undefined) recover.samples.push(`${recover.name}${l} ${num(t.timeToRecover / 1000)}`);
    for (const v of VERDICTS)
      verdict.samples.push(`${verdict.name}${labels({ ...base, verdict: v })} ${result.verdict === v ? 1 : 0}`);
    missed.samples.push(`${missed.name}${l} ${result.checks.filter((c) => !c.ok).length}`);
    const end = finishedAt ?? (result.clock === 'real' ? result.endedAt : now);
    timestamp.samples.push(`${timestamp.name}${l} ${num(end / 1000)}`);
  }
  return families
    .filter((f) => f.samples.length > 0)
    .map((f) => [`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`, ...f.samples].join('\n'))
    .join('\n')
    .concat(ordered.length > 0 ? '\n' : '');
}

/**
 * Write the text atomically (a temporary file renamed over the target), as node-exporter's textfile
 * collector requires: it must never read half a file.
 */
export async function writeMetricsFile(file: string, text: string): Promise<void> {
  await fsp.mkdir(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  await fsp.writeFile(tmp, text);
  await fsp.rename(tmp, file);
}

/**
 * A grouping-key value in a Pushgateway path: URL-encoded, or base64url with the `@base64` suffix when it
 * holds a "/" (which the Pushgateway cannot take encoded) or is empty.
 */
export function groupingPathSegment(label: string, value: string): string {
  if (value === '' || value.includes('/')) return `${label}@base64/${Buffer.from(value).toString('base64url') || '='}`;
  return `${label}/${encodeURIComponent(value)}`;
}

export interface PushOptions {
  /** Grouping key `instance`: the cluster the drills ran on. */
  instance: string;
  /** Grouping key `job`. Default "gameday". */
  job?: string;
  /** Give up after this many ms. Default 10 s. */
  timeoutMs?: number;
}

/**
 * PUT the text to `<url>/metrics/job/<job>/instance/<instance>`: PUT replaces the whole group, so a drill
 * removed from the schedule stops being reported.
 */
export async function pushMetrics(url: string, text: string, options: PushOptions): Promise<void> {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new InvalidInputError(
      `--pushgateway ${JSON.stringify(url)} is not a URL; expected e.g. http://pushgateway.monitoring:9091.`,
    );
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new InvalidInputError(`--pushgateway ${url}: expected an http or https URL.`);
  const path = `${base.pathname.replace(/\/+$/, '')}/metrics/${groupingPathSegment('job', options.job ?? 'gameday')}/${groupingPathSegment('instance', options.instance)}`;
  const target = new URL(path, base);
  let response: Response;
  try {
    response = await fetch(target, {
      method: 'PUT',
      headers: { 'Content-Type': CONTENT_TYPE },
      body: text,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (err) {
    throw new InfrastructureError(`Could not push metrics to ${target.href}: ${errorMessage(err)}`, { cause: err });
  }
  if (!response.ok) {
    const body = (await response.text().catch(() => '')).trim().slice(0, 500);
    throw new InfrastructureError(
      `The Pushgateway at ${target.href} answered ${response.status} ${response.statusText}${body ? `: ${body}` : ''}`,
    );
  }
}
