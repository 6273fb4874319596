import { createInterface } from 'node:readline/promises';
import { InvalidInputError } from '../errors.js';

/**
 * Ask before breaking a real cluster. Without a terminal to ask on (CI, cron), refuse rather than assume:
 * the person must say --yes.
 */
export async function confirmOnTerminal(summary: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stdout.isTTY) {
    throw new InvalidInputError(
      `This drill changes a real cluster and there is no terminal to confirm it on. What it may do:\n${summary}\nPass --yes to run it unattended.`,
    );
  }
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`${summary}\nProceed with this drill? [y/N] `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
