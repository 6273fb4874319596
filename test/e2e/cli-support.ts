import { execa, type ResultPromise } from 'execa';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './support.js';

/** Running the built CLI as a person would: `gameday run`, signals, `gameday rollback`, against `sim up`. */
export const BIN = join(process.cwd(), 'bin', 'gameday.js');
export const built = existsSync(join(process.cwd(), 'dist', 'src', 'cli', 'main.js'));

export function gameday(args: string[], opts: { cwd?: string } = {}) {
  return execa('node', [BIN, ...args], { reject: false, cwd: opts.cwd ?? process.cwd(), env: { NO_COLOR: '1' } });
}

/** Resolve with the output so far when the child's output matches `text`. */
export function waitForOutput(
  child: Pick<ResultPromise, 'stdout' | 'stderr'>,
  text: string | RegExp,
  timeoutMs: number,
): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(
      () => reject(new Error(`no "${String(text)}" within ${timeoutMs} ms; output so far:\n${seen}`)),
      timeoutMs,
    );
    const on = (chunk: Buffer): void => {
      seen += chunk.toString();
      if (typeof text === 'string' ? seen.includes(text) : text.test(seen)) {
        clearTimeout(timer);
        child.stdout?.off('data', on);
        child.stderr?.off('data', on);
        resolve(seen);
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
  });
}

/** A served simulator of the default platform (speed 20), stopped by `stop()`. */
export interface ServedSim {
  kubeconfig: string;
  dir: string;
  stop(): Promise<void>;
}

export async function serveSim(speed = 20): Promise<ServedSim> {
  const dir = tempDir('served');
  const kubeconfig = join(dir, 'kubeconfig');
  const sim = execa('node', [BIN, 'sim', 'up', '--kubeconfig', kubeconfig, '--speed', String(speed)], {
    reject: false,
  });
  await waitForOutput(sim, 'All nodes Ready', 90_000);
  return {
    kubeconfig,
    dir,
    stop: async () => {
      sim.kill('SIGTERM');
      await sim;
    },
  };
}

/** A phase's progress line in `-v` output, e.g. "+  12.5s  detect". */
export const phaseLine = (phase: string): RegExp => new RegExp(`\\+\\s*\\S+\\s+${phase}\\n`);
