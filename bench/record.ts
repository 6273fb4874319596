/**
 * What every bench prints, and writes to bench/results/<name>.txt only when run with --record: a run to try
 * something out must not overwrite the figures the README quotes.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The command-line arguments without --record. */
export const benchArgs = process.argv.slice(2).filter((a) => a !== '--record');
const record = process.argv.includes('--record');

export interface BenchOutput {
  /** Print a line (and keep it for the results file). */
  say(line: string): void;
  /** Write the results file if asked to (--record); say where, or how to record. */
  done(): Promise<void>;
}

export function benchOutput(name: string): BenchOutput {
  const lines = [
    `$ npx tsx bench/${name}.ts ${process.argv.slice(2).join(' ')}`.trimEnd(),
    `# ${new Date().toISOString()}, node ${process.version}, ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (a shared machine)`,
  ];
  for (const l of lines) console.log(l);
  return {
    say(line) {
      lines.push(line);
      console.log(line);
    },
    async done() {
      const file = join(dirname(fileURLToPath(import.meta.url)), 'results', `${name}.txt`);
      if (!record) {
        console.log(`# not recorded: run with --record to write ${file}`);
        return;
      }
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, `${lines.join('\n')}\n`);
      console.log(`# recorded in ${file}`);
    },
  };
}
