import type { Argv } from 'yargs';
import type { CommandModule } from '../command.js';
import { DEFAULT_PRACTICE_DIR, findSession } from '../../practice/session-store.js';
import { ackSession } from '../../practice/trainee.js';
import { EXIT } from '../exit-codes.js';

/** Options every trainee command shares: which session, and where session files are. */
export function sessionOptions(y: Argv): Argv {
  return y
    .option('session', { type: 'string', describe: 'The practice session (default: the running one)' })
    .option('dir', { type: 'string', default: DEFAULT_PRACTICE_DIR, describe: 'Where practice session files are' });
}

export const ack: CommandModule = {
  command: 'ack',
  describe: 'Acknowledge the alert of the running practice session (starts your time to diagnose)',
  builder: (y: Argv) => sessionOptions(y),
  handler: (args) => {
    const store = findSession(String(args.dir), args.session as string | undefined);
    process.stdout.write(ackSession(store) + '\n');
    return Promise.resolve(EXIT.ok);
  },
};
