import type { Argv } from 'yargs';
import type { CommandModule } from '../command.js';
import { findSession } from '../../practice/session-store.js';
import { hintSession } from '../../practice/trainee.js';
import { EXIT } from '../exit-codes.js';
import { sessionOptions } from './ack.js';

export const hint: CommandModule = {
  command: 'hint',
  describe: "Reveal the runbook's next recovery step in the running practice session (each hint costs points)",
  builder: (y: Argv) => sessionOptions(y),
  handler: (args) => {
    const store = findSession(String(args.dir), args.session as string | undefined);
    process.stdout.write(hintSession(store) + '\n');
    return Promise.resolve(EXIT.ok);
  },
};
