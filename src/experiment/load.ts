import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';
import { ExperimentValidationError } from './errors.js';
import { glob, isGlob } from './glob.js';
import type { ValidationIssue } from './issues.js';
import { MAX_EXPERIMENT_BYTES, readInputFile } from '../input-file.js';
import { parseJsonSource } from './json-source.js';
import { quoteText } from './quote.js';
import { defaultRegistries } from './registries.js';
import type { Registries } from './schema.js';
import type { LoadedExperiment } from './types.js';
import { validateExperiment, type ValidationResult } from './validate.js';

export { formatIssue, type ValidationIssue } from './issues.js';
export { validateExperiment, type ValidationResult } from './validate.js';

/** One file's outcome: `value` when valid, otherwise its issues. */
export interface FileValidation extends ValidationResult {
  file: string;
}

/**
 * Files, directories (their *.json, not recursive, sorted, skipping hidden names such as editors' lock files) and globs, in the order given, each file once.
 * A path that names nothing is the user's mistake and throws.
 */
export async function expandPaths(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  const seen = new Set<string>();
  const add = (file: string): void => {
    const key = path.resolve(file);
    if (seen.has(key)) return;
    seen.add(key);
    files.push(file);
  };
  for (const p of paths) {
    if (isGlob(p)) {
      const matched = await glob(p);
      if (matched.length === 0) throw new InvalidInputError(`No experiment files match ${quoteText(p)}.`);
      matched.forEach(add);
      continue;
    }
    let stat;
    try {
      stat = await fsp.stat(p);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const dangling =
        code === 'ENOENT' &&
        (await fsp.lstat(p).then(
          (l) => l.isSymbolicLink(),
          () => false,
        ));
      if ((code === 'ENOENT' && !dangling) || code === 'ENOTDIR')
        throw new InvalidInputError(`No such experiment file or directory: ${quoteText(p)}.`);
      // A loop of symbolic links, a path too long, no permission: say which, it is not "no such file".
      const read = readInputFile(p, { maxBytes: MAX_EXPERIMENT_BYTES, what: 'an experiment file' });
      throw new InvalidInputError(`${quoteText(p)} ${read.ok ? `cannot be read (${code ?? 'error'})` : read.reason}.`);
    }
    if (stat.isDirectory()) {
      const names = (await fsp.readdir(p, { withFileTypes: true }))
        // A ConfigMap volume (the in-cluster CronJob) presents its files as symlinks: follow them.
        // Anything else named *.json (a pipe, a device) is listed too, to be refused by name rather than skipped.
        .filter((e) => !e.isDirectory() && e.name.endsWith('.json') && !e.name.startsWith('.'))
        .map((e) => e.name)
        .sort();
      if (names.length === 0) throw new InvalidInputError(`No *.json experiment files in ${quoteText(p)}.`);
      for (const name of names) add(path.join(p, name));
    } else {
      add(p);
    }
  }
  return files;
}

/** Experiments are referred to by id in reports and journals, so two files may not share one. */
function markDuplicateIds(results: FileValidation[], texts: ReadonlyMap<FileValidation, string>): void {
  const firstFile = new Map<string, string>();
  for (const result of results) {
    const id = result.value?.id;
    if (result.value === undefined || id === undefined) continue;
    const first = firstFile.get(id);
    if (first === undefined) {
      firstFile.set(id, result.file);
      continue;
    }
    const parsed = parseJsonSource(texts.get(result) ?? '');
    const position = parsed.ok ? parsed.doc.locate('/id') : { line: 1, column: 1 };
    result.errors.push({
      file: result.file,
      ...position,
      path: '/id',
      message: `Duplicate experiment id ${JSON.stringify(id)}; ${first} has it too`,
    });
    delete result.value;
  }
}

/** Validates every experiment file the paths name; never throws for an invalid experiment. */
export async function validateExperimentFiles(
  paths: readonly string[],
  registries: Registries = defaultRegistries,
): Promise<FileValidation[]> {
  const files = await expandPaths(paths);
  const results: FileValidation[] = [];
  // Kept only to place duplicate-id issues at the "id" they are about.
  const texts = new Map<FileValidation, string>();
  for (const file of files) {
    const read = readInputFile(file, { maxBytes: MAX_EXPERIMENT_BYTES, what: 'an experiment file' });
    if (!read.ok) {
      const issue: ValidationIssue = {
        file,
        line: read.position?.line ?? 0,
        column: read.position?.column ?? 0,
        path: '',
        message: `The file ${read.reason}`,
      };
      results.push({ file, errors: [issue] });
      continue;
    }
    const text = read.text;
    const result: FileValidation = { file, ...validateExperiment(file, text, registries) };
    texts.set(result, text);
    results.push(result);
  }
  markDuplicateIds(results, texts);
  return results;
}

/** The experiments the paths name, or an ExperimentValidationError listing every issue in every file. */
export async function loadExperiments(
  paths: readonly string[],
  registries: Registries = defaultRegistries,
): Promise<LoadedExperiment[]> {
  const results = await validateExperimentFiles(paths, registries);
  const issues = results.flatMap((r) => r.errors);
  if (issues.length > 0) throw new ExperimentValidationError(issues);
  return results.map((r) => ({ file: r.file, experiment: r.value as NonNullable<typeof r.value> }));
}
