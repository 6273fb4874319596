import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError, errorMessage } from '../errors.js';
import type { RunResult } from '../report/result.js';
import { MAX_STATE_BYTES, readInputFile } from '../input-file.js';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../private-files.js';

/**
 * The results history: one JSON file per run, `<dir>/<experiment-id>/<ISO time>-<seed>.json`. Plain files
 * so that a PersistentVolume, a CI cache or an artifact store can hold them, and a person can read them.
 *
 * A run on the simulator's virtual clock starts at the same virtual instant every time, so the history
 * orders runs by wall-clock time: each stored file is the RunResult plus `recordedAt`, the wall-clock
 * milliseconds at which it was appended.
 */

export const DEFAULT_RESULTS_DIR = '.gameday/results';

export type StoredResult = RunResult & { recordedAt: number };

export interface StoredRun {
  drill: string;
  /** Path of the file. */
  file: string;
  /** Wall-clock start of the run (ms since epoch): what the history is ordered by. */
  at: number;
  result: StoredResult;
}

/** When the run started, on the wall clock: the measured start on a real clock, recordedAt less the run's wall time on a virtual one. */
export function wallStart(result: Pick<RunResult, 'clock' | 'startedAt' | 'wallMs'>, recordedAt: number): number {
  return result.clock === 'real' ? result.startedAt : recordedAt - result.wallMs;
}

/** A drill id as a directory name: ids are kebab-case, but the history never lets one climb out of `dir`. */
export function drillDirName(id: string): string {
  const name = id.replace(/[^A-Za-z0-9._-]/g, '_');
  if (name === '' || /^\.+$/.test(name) || name.startsWith('.')) return `_${name}`;
  return name;
}

/** ISO 8601 basic format, "20240506T030000.123Z": sortable, and no ":" for file systems and tools that mind. */
export function fileTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '');
}

/**
 * Append a run's result atomically: written to a temporary file in the same directory, then linked to its
 * final name, which fails rather than overwrite when two runs share the millisecond and seed (the second
 * gets a suffix). A reader never sees half a file. Returns the path written.
 */
export async function appendResult(dir: string, result: RunResult, options: { now?: number } = {}): Promise<string> {
  const recordedAt = options.now ?? Date.now();
  const stored: StoredResult = { ...result, recordedAt };
  const drillDir = join(dir, drillDirName(result.experiment.id));
  // Results name the objects and nodes a drill touched: the user's alone, like the journals.
  await ensurePrivateDir(dir);
  await ensurePrivateDir(drillDir);
  const base = `${fileTime(wallStart(result, recordedAt))}-${result.seed}`;
  const tmp = join(drillDir, `.${base}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fsp.open(tmp, 'wx', PRIVATE_FILE_MODE);
  try {
    await handle.writeFile(`${JSON.stringify(stored, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    for (let n = 1; ; n++) {
      const file = join(drillDir, `${base}${n === 1 ? '' : `-${n}`}.json`);
      try {
        await fsp.link(tmp, file);
        return file;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 100) throw err;
      }
    }
  } finally {
    await fsp.rm(tmp, { force: true });
  }
}

export interface ListOptions {
  /** Only this drill (experiment id). */
  drill?: string;
  /** Called for each file that is not a stored result (hand-edited, another tool's), which is skipped. */
  onSkip?: (file: string, reason: string) => void;
}

function isResult(value: unknown): value is StoredResult {
  const r = value as Partial<StoredResult> | null;
  return (
    typeof r === 'object' &&
    r !== null &&
    typeof r.experiment?.id === 'string' &&
    typeof r.verdict === 'string' &&
    typeof r.startedAt === 'number' &&
    typeof r.timings === 'object' &&
    r.timings !== null &&
    Array.isArray(r.checks)
  );
}

async function readDir(dir: string): Promise<string[]> {
  try {
    return await fsp.readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    if (code === 'ENOTDIR') throw new InvalidInputError(`${dir} is a file, not a results directory.`);
    throw err;
  }
}

/**
 * Every stored run, oldest first (by wall-clock start, then file name). A directory that does not exist
 * holds no runs: the first run of a new drill has no history, which is not an error.
 */
export async function listRuns(dir: string, options: ListOptions = {}): Promise<StoredRun[]> {
  const drills =
    options.drill !== undefined
      ? [drillDirName(options.drill)]
      : (await readDir(dir)).filter((n) => !n.startsWith('.')).sort();
  const runs: StoredRun[] = [];
  for (const d of drills) {
    const drillDir = join(dir, d);
    const stat = await fsp.stat(drillDir).catch(() => undefined);
    if (!stat?.isDirectory()) continue;
    for (const name of (await readDir(drillDir)).filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort()) {
      const file = join(drillDir, name);
      // Not fsp.readFile: a FIFO named like a result would hold `gameday history` forever.
      const read = readInputFile(file, { maxBytes: MAX_STATE_BYTES, what: 'a stored result' });
      if (!read.ok) {
        options.onSkip?.(file, `the file ${read.reason}`);
        continue;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(read.text);
      } catch (err) {
        options.onSkip?.(file, `not JSON: ${errorMessage(err)}`);
        continue;
      }
      if (!isResult(parsed)) {
        options.onSkip?.(file, 'not a gameday run result');
        continue;
      }
      if (options.drill !== undefined && parsed.experiment.id !== options.drill) continue;
      const recordedAt = typeof parsed.recordedAt === 'number' ? parsed.recordedAt : parsed.endedAt;
      const result: StoredResult = { ...parsed, recordedAt };
      runs.push({ drill: parsed.experiment.id, file, at: wallStart(result, recordedAt), result });
    }
  }
  return runs.sort((a, b) => a.at - b.at || a.file.localeCompare(b.file));
}

/** Runs grouped by drill, drills in name order, each oldest first. */
export function byDrill(runs: readonly StoredRun[]): Map<string, StoredRun[]> {
  const out = new Map<string, StoredRun[]>();
  for (const r of [...runs].sort((a, b) => a.drill.localeCompare(b.drill))) {
    const list = out.get(r.drill) ?? [];
    list.push(r);
    out.set(r.drill, list);
  }
  return out;
}
