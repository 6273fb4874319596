import type { Argv } from 'yargs';
import { ExperimentValidationError } from '../../experiment/errors.js';
import { formatIssue, validateExperimentFiles, type FileValidation } from '../../experiment/load.js';
import { defaultRegistries } from '../../experiment/registries.js';
import type { Registries } from '../../experiment/schema.js';
import { GamedayError } from '../../errors.js';
import type { CommandModule } from '../command.js';
import { EXIT } from '../exit-codes.js';

export const command = 'validate <paths..>';
export const describe = 'Check experiment files (files, directories or globs) without running anything';

export function builder(y: Argv): Argv {
  return y.positional('paths', { type: 'string', array: true, describe: 'Experiment files, directories or globs' });
}

/** `ok  <file>` for a valid file, one line per issue for an invalid one. */
function report(results: readonly FileValidation[], out: (line: string) => void): void {
  for (const r of results) {
    if (r.errors.length === 0) out(`ok  ${r.file}`);
    else for (const issue of r.errors) out(formatIssue(issue));
  }
}

function summary(results: readonly FileValidation[]): string {
  const invalid = results.filter((r) => r.errors.length > 0).length;
  const problems = results.reduce((n, r) => n + r.errors.reduce((m, e) => m + (e.hidden ?? 1), 0), 0);
  return `${invalid} of ${results.length} experiment file${results.length === 1 ? ' is' : 's are'} invalid (${problems} problem${problems === 1 ? '' : 's'}).`;
}

/**
 * Validates and prints through `out`; returns the exit code (0 all valid, 2 otherwise). A path naming nothing
 * is printed like any other problem, so this never throws for the user's mistakes.
 */
export async function runValidate(
  paths: readonly string[],
  out: (line: string) => void,
  registries: Registries = defaultRegistries,
): Promise<number> {
  let results: FileValidation[];
  try {
    results = await validateExperimentFiles(paths, registries);
  } catch (err) {
    if (!(err instanceof GamedayError)) throw err;
    out(err.message);
    return err.exitCode;
  }
  report(results, out);
  return results.some((r) => r.errors.length > 0) ? EXIT.invalid : EXIT.ok;
}

export async function handler(args: Record<string, unknown>): Promise<number> {
  const paths = (args['paths'] as string[] | undefined) ?? [];
  // Errors about the paths themselves propagate to the CLI root, which prints them and exits 2.
  const results = await validateExperimentFiles(paths);
  report(results, (line) => process.stdout.write(`${line}\n`));
  const issues = results.flatMap((r) => r.errors);
  if (issues.length > 0) throw new ExperimentValidationError(issues, summary(results));
  return EXIT.ok;
}

export const validate: CommandModule = { command, describe, builder, handler };
