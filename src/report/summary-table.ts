import Table from 'cli-table3';
import { formatDuration } from '../kit/duration.js';
import { describeCheck, verdictLabel } from './format.js';
import type { RunResult } from './result.js';

export interface SummaryTableOptions {
  /** Colour the verdicts. The CLI passes whether the stream is a TTY: escape codes in a log file are noise. */
  color: boolean;
}

const ANSI: Record<RunResult['verdict'], string> = {
  pass: '\u001b[32m',
  fail: '\u001b[31m',
  aborted: '\u001b[33m',
  error: '\u001b[35m',
};
const RESET = '\u001b[0m';
const BOLD = '\u001b[1m';

function verdictCell(r: RunResult, color: boolean): string {
  // A dry run measures nothing, so it did not "pass": it says PLANNED, as the verdict line above the table does.
  const text =
    r.dryRun && r.verdict === 'pass'
      ? 'PLANNED (dry run)'
      : `${verdictLabel(r.verdict)}${r.dryRun ? ' (dry run)' : ''}`;
  return color ? `${BOLD}${ANSI[r.verdict]}${text}${RESET}` : text;
}

/** Each target on its own line, missed ones marked, so the cell answers "which target failed?". */
function targetsCell(r: RunResult): string {
  if (r.checks.length === 0) return '-';
  return r.checks
    .map((c) => `${describeCheck(c)}${c.ok ? '' : c.measured === undefined ? ' (not reached)' : ' MISSED'}`)
    .join('\n');
}

/** The table printed at the end of `gameday run`: one row per drill. */
export function summaryTable(results: RunResult[], options: SummaryTableOptions = { color: false }): string {
  const table = new Table({
    head: ['drill', 'verdict', 'time-to-detect', 'time-to-Ready', 'target(s)', 'wall time'],
    colAligns: ['left', 'left', 'right', 'right', 'left', 'right'],
    // cli-table3 colours the head and borders by default: off unless asked, like the verdicts.
    style: options.color ? { head: ['cyan'], border: ['grey'] } : { head: [], border: [] },
  });
  for (const r of results) {
    table.push([
      r.experiment.id,
      verdictCell(r, options.color),
      formatDuration(r.timings.timeToDetect),
      formatDuration(r.timings.timeToReady ?? r.timings.timeToRecover),
      targetsCell(r),
      formatDuration(r.wallMs),
    ]);
  }
  return table.toString();
}
