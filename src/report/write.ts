import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { InvalidInputError } from '../errors.js';
import { isReporterName, REPORTER_NAMES, reporters, type ReporterName } from './index.js';
import type { ReportMeta, Reporter } from './reporter.js';
import type { RunResult } from './result.js';

export interface ReportFailure {
  /** The reporter (format) that failed, as asked for. */
  reporter: string;
  error: Error;
}

export interface WriteReportsResult {
  /** Every file written, in the order of `formats`. */
  paths: string[];
  /** Reporters that threw or could not write; the others were written regardless. */
  failures: ReportFailure[];
}

/** File names from experiment ids: ids are kebab-case by convention, but a file name must never escape `dir`. */
function fileStem(id: string): string {
  const stem = id.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^\.+/, '');
  return stem === '' ? 'experiment' : stem;
}

/** One stem per result; an experiment run twice in one invocation gets "-2", "-3" rather than overwriting. */
function uniqueStems(results: RunResult[]): string[] {
  const seen = new Map<string, number>();
  return results.map((r) => {
    const base = fileStem(r.experiment.id);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  });
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

async function write(file: string, content: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, content, 'utf8');
}

/** What each format writes: json one file per experiment, the others one file for the whole run. */
type Registry = Record<ReporterName, Reporter>;

async function writeFormat(
  registry: Registry,
  name: ReporterName,
  dir: string,
  results: RunResult[],
  meta: ReportMeta,
): Promise<string[]> {
  if (name === 'json') {
    const stems = uniqueStems(results);
    // Render every file before writing any, so a throwing render leaves no half set behind.
    const files = results.map((r, i) => ({
      path: join(dir, `${stems[i] ?? 'experiment'}.json`),
      text: registry.json.render([r], meta),
    }));
    for (const f of files) await write(f.path, f.text);
    return files.map((f) => f.path);
  }
  const file = join(dir, name === 'junit' ? 'report.xml' : `report.${registry[name].extension}`);
  await write(file, registry[name].render(results, meta));
  return [file];
}

/**
 * Writes the reports of a run into `dir`: `<experiment-id>.json` per experiment, `report.xml` (JUnit),
 * `report.md` and `report.html`. A reporter that throws is returned in `failures` and never stops the
 * others, nor the drill: the caller logs it.
 */
export async function writeReports(
  dir: string,
  results: RunResult[],
  meta: ReportMeta,
  formats: readonly string[] = REPORTER_NAMES,
  /** The reporters to use; tests swap one for a reporter that throws. */
  registry: Registry = reporters,
): Promise<WriteReportsResult> {
  const out: WriteReportsResult = { paths: [], failures: [] };
  for (const format of formats) {
    if (!isReporterName(format)) {
      const error = new InvalidInputError(
        `report format: expected one of ${REPORTER_NAMES.join(', ')}, got ${JSON.stringify(format)}.`,
      );
      out.failures.push({ reporter: format, error });
      continue;
    }
    try {
      out.paths.push(...(await writeFormat(registry, format, dir, results, meta)));
    } catch (err) {
      out.failures.push({ reporter: format, error: asError(err) });
    }
  }
  return out;
}

/** `--junit FILE`: the JUnit report of every result, to exactly that file. */
export async function writeJunit(file: string, results: RunResult[], meta: ReportMeta): Promise<WriteReportsResult> {
  try {
    await write(file, reporters.junit.render(results, meta));
    return { paths: [file], failures: [] };
  } catch (err) {
    return { paths: [], failures: [{ reporter: 'junit', error: asError(err) }] };
  }
}
