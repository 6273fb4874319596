import type { Argv } from 'yargs';
import type { CommandModule } from '../command.js';
import { knownFaultTypes } from '../../practice/diagnosis.js';
import { findSession } from '../../practice/session-store.js';
import { diagnoseSession } from '../../practice/trainee.js';
import { EXIT } from '../exit-codes.js';
import { sessionOptions } from './ack.js';

export const diagnose: CommandModule = {
  command: 'diagnose [guess..]',
  describe: 'Say what you think is broken in the running practice session; gameday says right or wrong and records it',
  builder: (y: Argv) =>
    sessionOptions(
      y
        .positional('guess', {
          type: 'string',
          array: true,
          describe:
            'What is broken, in your words ("kubelet stopped on 10.128.38.8"), a fault type, or the runbook section (D6)',
        })
        .option('list', { type: 'boolean', default: false, describe: 'List the fault types a guess may name' }),
    ),
  handler: (args) => {
    if (args.list) {
      process.stdout.write(knownFaultTypes().join('\n') + '\n');
      return Promise.resolve(EXIT.ok);
    }
    const guess = ((args.guess as string[] | undefined) ?? []).join(' ');
    const store = findSession(String(args.dir), args.session as string | undefined);
    const verdict = diagnoseSession(store, guess);
    process.stdout.write(verdict.message + '\n');
    // A wrong guess is an answer, not a failure of the command; scripts can still tell them apart.
    return Promise.resolve(verdict.correct ? EXIT.ok : EXIT.targetMissed);
  },
};
