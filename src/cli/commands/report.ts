import { promises as fsp } from 'node:fs';
import { text } from '../option-text.js';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { Argv } from 'yargs';
import { InvalidInputError } from '../../errors.js';
import { DEFAULT_RESULTS_DIR, listRuns, type StoredRun } from '../../history/store.js';
import { pushMetrics, renderPrometheus, writeMetricsFile, type MetricsRun } from '../../metrics/prometheus.js';
import { renderTrend } from '../../report/trend.js';
import type { CommandModule } from '../command.js';
import { EXIT } from '../exit-codes.js';

export interface ReportRequest {
  resultsDir: string;
  /** Write the trend page here. */
  trend?: string;
  drill?: string;
  /** Write the last run of each drill as Prometheus metrics here. */
  metrics?: string;
  pushgateway?: string;
  instance?: string;
  now?: number;
  gamedayVersion?: string;
}

/** The last run per drill, finished at its wall-clock end: what the metrics describe. */
export function metricsRuns(runs: readonly StoredRun[]): MetricsRun[] {
  return runs.map((r) => ({
    result: r.result,
    finishedAt: r.result.clock === 'real' ? r.result.endedAt : r.result.recordedAt,
  }));
}

export async function runReport(
  req: ReportRequest,
  out: (line: string) => void,
  warn: (line: string) => void = () => {},
): Promise<number> {
  if (req.trend === undefined && req.metrics === undefined && req.pushgateway === undefined) {
    throw new InvalidInputError(
      'Say what to report: --trend (an HTML page of the history), --metrics FILE or --pushgateway URL.',
    );
  }
  const runs = await listRuns(req.resultsDir, {
    ...(req.drill !== undefined ? { drill: req.drill } : {}),
    onSkip: (file, reason) => warn(`gameday: skipped ${file}: ${reason}`),
  });
  if (runs.length === 0) {
    warn(
      `gameday: no runs recorded in ${req.resultsDir}${req.drill !== undefined ? ` for drill ${req.drill}` : ''}. Runs are recorded by \`gameday run --results-dir ${req.resultsDir}\`.`,
    );
  }
  const now = req.now ?? Date.now();
  if (req.trend !== undefined) {
    const html = renderTrend(runs, {
      generatedAt: now,
      gamedayVersion: req.gamedayVersion ?? '0.1.0',
      resultsDir: req.resultsDir,
    });
    await fsp.mkdir(dirname(req.trend), { recursive: true });
    await fsp.writeFile(req.trend, html);
    const drills = new Set(runs.map((r) => r.drill)).size;
    out(
      `trend: ${req.trend} (${drills} ${drills === 1 ? 'drill' : 'drills'}, ${runs.length} ${runs.length === 1 ? 'run' : 'runs'})`,
    );
  }
  if (req.metrics !== undefined || req.pushgateway !== undefined) {
    const text = renderPrometheus(metricsRuns(runs), { now });
    if (req.metrics !== undefined) {
      await writeMetricsFile(req.metrics, text);
      out(`metrics: ${req.metrics}`);
    }
    if (req.pushgateway !== undefined) {
      const instance = req.instance ?? hostname();
      await pushMetrics(req.pushgateway, text, { instance });
      out(`metrics: pushed to ${req.pushgateway} (instance ${instance})`);
    }
  }
  return EXIT.ok;
}

export const report: CommandModule = {
  command: 'report',
  describe: 'Report on the recorded history: a trend page (--trend), or the last run per drill as Prometheus metrics',
  builder: (y: Argv) =>
    y
      .option('trend', {
        type: 'boolean',
        default: false,
        describe: 'Write an offline HTML page of time-to-detect and time-to-Ready per drill over time',
      })
      .option('results-dir', {
        type: 'string',
        default: DEFAULT_RESULTS_DIR,
        describe: 'Where `gameday run --results-dir` recorded the runs',
      })
      .option('output', { alias: 'o', type: 'string', default: 'trend.html', describe: 'File for the trend page' })
      .option('drill', { type: 'string', describe: 'Only this drill (experiment id)' })
      .option('metrics', {
        type: 'string',
        describe: 'Write the last run of each drill in Prometheus text format to this file',
      })
      .option('pushgateway', { type: 'string', describe: 'PUT those metrics to this Pushgateway (http://host:9091)' })
      .option('instance', {
        type: 'string',
        describe: "Pushgateway instance label: the cluster's name (default: this host's name)",
      }),
  handler: async (args) =>
    runReport(
      {
        resultsDir: String(args.resultsDir),
        ...(args.trend ? { trend: String(args.output) } : {}),
        ...(text(args.drill) !== undefined ? { drill: text(args.drill) as string } : {}),
        ...(text(args.metrics) !== undefined ? { metrics: text(args.metrics) as string } : {}),
        ...(text(args.pushgateway) !== undefined ? { pushgateway: text(args.pushgateway) as string } : {}),
        ...(text(args.instance) !== undefined ? { instance: text(args.instance) as string } : {}),
      },
      (l) => process.stdout.write(`${l}\n`),
      (l) => process.stderr.write(`${l}\n`),
    ),
};
