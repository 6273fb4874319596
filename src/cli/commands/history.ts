import { hostname } from 'node:os';
import { text } from '../option-text.js';
import Table from 'cli-table3';
import type { Argv } from 'yargs';
import { formatDuration } from '../../kit/duration.js';
import { InvalidInputError } from '../../errors.js';
import { gateResults, type GateOptions } from '../../history/baseline.js';
import { appendToConfigMap, inClusterConfigMap, type ConfigMapAccess } from '../../history/configmap.js';
import { DEFAULT_RESULTS_DIR, appendResult, byDrill, listRuns, type StoredRun } from '../../history/store.js';
import { pushMetrics, renderPrometheus, writeMetricsFile } from '../../metrics/prometheus.js';
import { formatInstant, verdictLabel } from '../../report/format.js';
import type { RunResult } from '../../report/result.js';
import type { CommandModule } from '../command.js';
import { EXIT } from '../exit-codes.js';

export interface HistoryRequest {
  resultsDir: string;
  drill?: string;
  /** Only the last N runs of each drill. */
  last?: number;
}

/** One table per drill: when, verdict, time-to-detect, time-to-Ready. Returns the text printed. */
export function historyText(runs: readonly StoredRun[], options: { color?: boolean; last?: number } = {}): string {
  const blocks: string[] = [];
  for (const [drill, list] of byDrill(runs)) {
    // Runs keep their number in the drill's history when only the last few are shown.
    const first = options.last !== undefined ? Math.max(0, list.length - options.last) : 0;
    const last = list[list.length - 1] as StoredRun;
    const table = new Table({
      head: ['#', 'Started (UTC)', 'Target', 'Seed', 'Verdict', 'Time to detect', 'Time to Ready'],
      style: { head: options.color ? ['cyan'] : [], border: options.color ? ['grey'] : [] },
      colAligns: ['right', 'left', 'left', 'right', 'left', 'right', 'right'],
    });
    for (const [i, r] of list.entries()) {
      if (i < first) continue;
      table.push([
        String(i + 1),
        formatInstant(r.at)
          .replace('T', ' ')
          .replace(/\.\d+Z$/, 'Z'),
        r.result.target,
        String(r.result.seed),
        verdictLabel(r.result.verdict),
        formatDuration(r.result.timings.timeToDetect),
        formatDuration(r.result.timings.timeToReady),
      ]);
    }
    const passed = list.filter((r) => r.result.verdict === 'pass').length;
    blocks.push(
      `${drill}: ${last.result.experiment.title} (${list.length} ${list.length === 1 ? 'run' : 'runs'}, ${passed} passed)\n${table.toString()}`,
    );
  }
  return blocks.join('\n\n');
}

export async function runHistory(
  req: HistoryRequest,
  out: (text: string) => void,
  warn: (line: string) => void = () => {},
): Promise<number> {
  const runs = await listRuns(req.resultsDir, {
    ...(req.drill !== undefined ? { drill: req.drill } : {}),
    onSkip: (file, reason) => warn(`gameday: skipped ${file}: ${reason}`),
  });
  if (runs.length === 0) {
    if (req.drill !== undefined) {
      const known = [...byDrill(await listRuns(req.resultsDir)).keys()];
      if (known.length > 0)
        throw new InvalidInputError(
          `No runs of drill "${req.drill}" in ${req.resultsDir}; it has runs of: ${known.join(', ')}.`,
        );
    }
    out(
      `No runs recorded in ${req.resultsDir}${req.drill !== undefined ? ` for drill ${req.drill}` : ''}. Runs are recorded by \`gameday run --results-dir ${req.resultsDir}\`.\n`,
    );
    return EXIT.ok;
  }
  out(
    `${historyText(runs, { color: Boolean(process.stdout.isTTY), ...(req.last !== undefined ? { last: req.last } : {}) })}\n`,
  );
  return EXIT.ok;
}

export const history: CommandModule = {
  command: 'history',
  describe: 'List the recorded runs per drill: when, verdict, time-to-detect, time-to-Ready',
  builder: (y: Argv) =>
    y
      .option('results-dir', {
        type: 'string',
        default: DEFAULT_RESULTS_DIR,
        describe: 'Where `gameday run --results-dir` recorded the runs',
      })
      .option('drill', { type: 'string', describe: 'Only this drill (experiment id)' })
      .option('last', { type: 'number', describe: 'Only the last N runs of each drill' }),
  handler: async (args) => {
    const last = args.last as number | undefined;
    if (last !== undefined && (!Number.isInteger(last) || last < 1))
      throw new InvalidInputError(`--last ${String(last)}: expected a whole number of runs, 1 or more.`);
    return runHistory(
      {
        resultsDir: String(args.resultsDir),
        ...(text(args.drill) !== undefined ? { drill: text(args.drill) as string } : {}),
        ...(last !== undefined ? { last } : {}),
      },
      (t) => process.stdout.write(t),
      (l) => process.stderr.write(`${l}\n`),
    );
  },
};

// ---------------------------------------------------------------------------------------------------------
// For `gameday run`: the options and the after-run step that records, gates and exports results.

/** Adds --results-dir, --baseline, --gate-*, --metrics, --pushgateway, --instance to a command. */
export function resultsOptions(y: Argv): Argv {
  return y
    .option('results-dir', {
      type: 'string',
      describe: "Append each run's JSON result to this history (see `gameday history`)",
    })
    .option('baseline', {
      type: 'string',
      describe:
        "Exit 1 when a drill's time-to-Ready or time-to-detect regressed against the runs recorded here (no value: the --results-dir history, else .gameday/results)",
    })
    .option('gate-window', {
      type: 'number',
      default: 10,
      describe: 'Baseline: the median of this many most recent runs',
    })
    .option('gate-threshold', {
      type: 'number',
      default: 0.2,
      describe: 'Baseline: allowed growth over the median (0.2 = 20%)',
    })
    .option('gate-min-runs', {
      type: 'number',
      default: 3,
      describe: 'Baseline: fewer earlier runs than this, no gate',
    })
    .option('results-configmap', {
      type: 'string',
      describe: 'In-cluster: keep the last runs per drill in this ConfigMap ([namespace/]name)',
    })
    .option('metrics', {
      type: 'string',
      describe: 'Write per-drill verdicts and timings in Prometheus text format to this file',
    })
    .option('pushgateway', { type: 'string', describe: 'PUT the metrics to this Pushgateway (http://host:9091)' })
    .option('instance', {
      type: 'string',
      describe: "Pushgateway instance label: the cluster's name (default: this host's name)",
    });
}

export interface RecordOptions {
  resultsDir?: string;
  /** `[namespace/]name` of a ConfigMap to keep the last runs in (in-cluster), or a ConfigMapAccess. */
  resultsConfigmap?: string | ConfigMapAccess;
  baseline?: string;
  gate?: GateOptions;
  metrics?: string;
  pushgateway?: string;
  instance?: string;
  /** Wall clock, for tests. */
  now?: number;
}

export interface RecordOutcome {
  /** False when the baseline gate found a regression: the run exits 1. */
  gateOk: boolean;
  /** Lines for the person: the gate's verdicts, where results went. */
  lines: string[];
}

/** The after-run step of `gameday run`: gate against the baseline first, then append, then metrics. */
export async function recordRun(results: readonly RunResult[], o: RecordOptions): Promise<RecordOutcome> {
  const lines: string[] = [];
  let gateOk = true;
  const measured = results.filter((r) => !r.dryRun);
  if (o.baseline !== undefined) {
    const gate = await gateResults(measured, o.baseline, o.gate ?? {});
    gateOk = gate.ok;
    lines.push(...gate.messages.map((m) => `baseline: ${m}`));
  }
  if (o.resultsDir !== undefined) {
    for (const r of measured)
      lines.push(`history: ${await appendResult(o.resultsDir, r, o.now !== undefined ? { now: o.now } : {})}`);
  }
  if (o.resultsConfigmap !== undefined && measured.length > 0) {
    const cm =
      typeof o.resultsConfigmap === 'string' ? await inClusterConfigMap(o.resultsConfigmap) : o.resultsConfigmap;
    await appendToConfigMap(cm, measured, o.now !== undefined ? { now: o.now } : {});
    lines.push(`history: ConfigMap ${cm.where}`);
  }
  // A dry run measured nothing: it must not overwrite the metrics of real runs with an empty file.
  if ((o.metrics !== undefined || o.pushgateway !== undefined) && measured.length > 0) {
    const text = renderPrometheus(measured, o.now !== undefined ? { now: o.now } : {});
    if (o.metrics !== undefined) {
      await writeMetricsFile(o.metrics, text);
      lines.push(`metrics: ${o.metrics}`);
    }
    if (o.pushgateway !== undefined) {
      const instance = o.instance ?? hostname();
      await pushMetrics(o.pushgateway, text, { instance });
      lines.push(`metrics: pushed to ${o.pushgateway} (instance ${instance})`);
    }
  }
  return { gateOk, lines };
}

/** RecordOptions from parsed `resultsOptions` arguments. */
export function recordOptionsFrom(args: Record<string, unknown>): RecordOptions {
  const opt = (k: string): string | undefined => text(args[k]);
  const out: RecordOptions = {
    gate: {
      window: Number(args['gateWindow'] ?? 10),
      threshold: Number(args['gateThreshold'] ?? 0.2),
      minRuns: Number(args['gateMinRuns'] ?? 3),
    },
  };
  const set = <K extends 'resultsDir' | 'resultsConfigmap' | 'baseline' | 'metrics' | 'pushgateway' | 'instance'>(
    k: K,
    v: string | undefined,
  ): void => {
    if (v !== undefined) out[k] = v;
  };
  set('resultsDir', opt('resultsDir'));
  set('resultsConfigmap', opt('resultsConfigmap'));
  // A bare `--baseline` arrives as "": gate against the history this run records into (or the default one),
  // not against the current directory, which holds no runs and so silently never gates.
  const baseline = opt('baseline');
  set('baseline', baseline === '' ? opt('resultsDir') || DEFAULT_RESULTS_DIR : baseline);
  set('metrics', opt('metrics'));
  set('pushgateway', opt('pushgateway'));
  set('instance', opt('instance'));
  return out;
}
