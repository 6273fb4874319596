import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { GamedayError } from '../errors.js';
import { commands } from './commands/index.js';
import { EXIT } from './exit-codes.js';

/**
 * The only place that prints errors and chooses exit codes: typed errors become their one-paragraph
 * message and their exit code; anything else is a bug, reported as such without a stack trace unless
 * GAMEDAY_DEBUG is set.
 */
export function reportError(err: unknown): number {
  if (err instanceof GamedayError) {
    process.stderr.write(`gameday: ${err.message}\n`);
    return err.exitCode;
  }
  const msg = err instanceof Error ? err.message : String(err);
  process.stderr.write(
    `gameday: internal error: ${msg}\nThis is a bug in gameday; please report it with the command you ran.${
      process.env.GAMEDAY_DEBUG ? `\n${(err as Error)?.stack ?? ''}` : ' (set GAMEDAY_DEBUG=1 for details)'
    }\n`,
  );
  return EXIT.infrastructure;
}

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const cli = yargs(argv)
    .scriptName('gameday')
    .usage('$0 <command> [options]\n\nTurns Kubernetes emergency-drill runbooks into repeatable, measured experiments.')
    .strict()
    .recommendCommands()
    .demandCommand(
      1,
      'Name a command: run, validate, list, explain, sim, proving-ground, rollback, schedule, history, report, practice, node, ack, diagnose, hint.',
    )
    .help()
    .version()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      // An option's coerce that rejects a value surfaces as yargs' YError: a usage error, not a bug.
      if (err?.name === 'YError') throw new UsageError(err.message);
      if (err) throw err;
      throw new UsageError(msg);
    });
  for (const c of commands) {
    cli.command({
      command: c.command,
      describe: c.describe,
      builder: c.builder,
      handler: async (args: Record<string, unknown>) => {
        code = await c.handler(args);
      },
    });
  }
  try {
    await cli.parseAsync();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`gameday: ${err.message}\nRun "gameday --help" for usage.\n`);
      return EXIT.invalid;
    }
    return reportError(err);
  }
  return code;
}

class UsageError extends Error {}

const isEntry = process.argv[1] && /gameday(\.js)?$|main\.(js|ts)$/.test(process.argv[1]);
if (isEntry) {
  main(hideBin(process.argv)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.exitCode = reportError(err);
    },
  );
}
