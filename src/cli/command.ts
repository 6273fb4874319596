import type { Argv } from 'yargs';

/** A yargs command module whose handler returns the exit code (only the CLI root exits). */
export interface CommandModule {
  command: string | string[];
  describe: string;
  builder: (y: Argv) => Argv;
  handler: (args: Record<string, unknown>) => Promise<number>;
}
