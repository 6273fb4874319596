import type { Argv } from 'yargs';
import { ExperimentValidationError } from '../../experiment/errors.js';
import { expandPaths, formatIssue, validateExperimentFiles, type FileValidation } from '../../experiment/load.js';
import { defaultRegistries } from '../../experiment/registries.js';
import type { Registries } from '../../experiment/schema.js';
import { GamedayError } from '../../errors.js';
import type { CommandModule } from '../command.js';
import { checkOtherDocument, kindOfFile, type DocumentKind } from '../document-kind.js';
import { EXIT } from '../exit-codes.js';

export const command = 'validate <paths..>';
export const describe =
  'Check experiment files, simulator topologies and lab profiles (files, directories or globs) without running anything';

export function builder(y: Argv): Argv {
  return y.positional('paths', {
    type: 'string',
    array: true,
    describe: 'Experiment, topology or lab-profile files, directories or globs',
  });
}

/** A topology or lab profile among the files: checked as `--topology` and `--profile` would read it. */
interface OtherValidation {
  file: string;
  kind: Exclude<DocumentKind, 'experiment'>;
  problems: string[];
}

interface AllValidations {
  /** Every file, in the order given. */
  files: string[];
  experiments: FileValidation[];
  others: OtherValidation[];
}

/** Each file validated as what it is: an experiment, a simulator topology or a lab profile. */
async function validateAll(paths: readonly string[], registries: Registries): Promise<AllValidations> {
  const files = await expandPaths(paths);
  const others: OtherValidation[] = [];
  const experimentFiles: string[] = [];
  for (const file of files) {
    const kind = kindOfFile(file);
    if (kind === 'experiment') experimentFiles.push(file);
    else others.push({ file, kind, problems: checkOtherDocument(file, kind) });
  }
  const experiments = experimentFiles.length > 0 ? await validateExperimentFiles(experimentFiles, registries) : [];
  return { files, experiments, others };
}

/** `ok  <file>` for a valid file, one line per issue for an invalid one, in the order the files were given. */
function report(all: AllValidations, out: (line: string) => void): void {
  for (const file of all.files) {
    const r = all.experiments.find((x) => x.file === file);
    if (r) {
      if (r.errors.length === 0) out(`ok  ${r.file}`);
      else for (const issue of r.errors) out(formatIssue(issue));
      continue;
    }
    const o = all.others.find((x) => x.file === file);
    if (!o) continue;
    if (o.problems.length === 0) out(`ok  ${o.file} (${o.kind === 'topology' ? 'simulator topology' : 'lab profile'})`);
    else for (const line of o.problems) out(line);
  }
}

function summary(all: AllValidations): string {
  const results = all.experiments;
  const invalid =
    results.filter((r) => r.errors.length > 0).length + all.others.filter((o) => o.problems.length).length;
  const problems =
    results.reduce((n, r) => n + r.errors.reduce((m, e) => m + (e.hidden ?? 1), 0), 0) + all.others.reduce((n, o) => n + o.problems.length, 0);
  const total = all.files.length;
  const noun = all.others.length === 0 ? 'experiment file' : 'file';
  return `${invalid} of ${total} ${noun}${total === 1 ? ' is' : 's are'} invalid (${problems} problem${problems === 1 ? '' : 's'}).`;
}

const anyInvalid = (all: AllValidations): boolean =>
  all.experiments.some((r) => r.errors.length > 0) || all.others.some((o) => o.problems.length > 0);

/**
 * Validates and prints through `out`; returns the exit code (0 all valid, 2 otherwise). A path naming nothing
 * is printed like any other problem, so this never throws for the user's mistakes.
 */
export async function runValidate(
  paths: readonly string[],
  out: (line: string) => void,
  registries: Registries = defaultRegistries,
): Promise<number> {
  let all: AllValidations;
  try {
    all = await validateAll(paths, registries);
  } catch (err) {
    if (!(err instanceof GamedayError)) throw err;
    out(err.message);
    return err.exitCode;
  }
  report(all, out);
  return anyInvalid(all) ? EXIT.invalid : EXIT.ok;
}

export async function handler(args: Record<string, unknown>): Promise<number> {
  const paths = (args['paths'] as string[] | undefined) ?? [];
  // Errors about the paths themselves propagate to the CLI root, which prints them and exits 2.
  const all = await validateAll(paths, defaultRegistries);
  report(all, (line) => process.stdout.write(`${line}\n`));
  if (anyInvalid(all))
    throw new ExperimentValidationError(
      all.experiments.flatMap((r) => r.errors),
      summary(all),
    );
  return EXIT.ok;
}

export const validate: CommandModule = { command, describe, builder, handler };
