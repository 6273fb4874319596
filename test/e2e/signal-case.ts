import { execa } from 'execa';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Target } from '../../src/targets/target.js';
import { BIN, gameday, phaseLine, waitForOutput, type ServedSim } from './cli-support.js';
import { untilSame, type ClusterState } from './cluster-state.js';
import { tempDir } from './support.js';

/**
 * One cell of the signal x fault matrix: run a drill with `gameday run` against a served simulator, send a
 * signal at a given moment, let the drill (or, after SIGKILL, `gameday rollback`) undo it, and compare the
 * whole cluster with what it was before. A cell passes when everything is as it was, or when the run said
 * loudly what is left (ROLLBACK INCOMPLETE / still different) and exited non-zero.
 */
export type Signal = 'SIGINT' | 'SIGTERM' | 'SIGKILL';
export type Moment = 'inject' | 'detect' | 'recover' | 'verify' | 'rollback';

export interface CaseResult {
  experiment: string;
  signal: Signal;
  moment: Moment;
  /**
   * restored: as before; loud: left different, and said so; silent: left different without a word; missed:
   * the drill ended by itself before the moment (pass, fail, or an error after its faults) and left nothing;
   * refused: it ended before its first fault without the signal (refused, error), so the cell tested nothing
   * and is a failure of its own.
   */
  outcome: 'restored' | 'loud' | 'silent' | 'missed' | 'refused';
  exitCode: number | undefined;
  differences: string[];
  output: string;
  seconds: number;
}

export async function signalCase(
  sim: ServedSim,
  target: Target,
  baseline: ClusterState,
  experiment: string,
  signal: Signal,
  moment: Moment,
  settleMs = 90_000,
): Promise<CaseResult> {
  const started = Date.now();
  const journalDir = tempDir('matrix-journal');
  const run = execa(
    'node',
    [BIN, 'run', experiment, '--kubeconfig', sim.kubeconfig, '--journal-dir', journalDir, '-v'],
    {
      reject: false,
      env: { NO_COLOR: '1' },
      // execa would follow a SIGTERM with a SIGKILL after 5 s: a rollback slower than that (a loaded
      // machine) would be killed by the test, not by the user, and leave what SIGKILL leaves.
      forceKillAfterDelay: false,
    },
  );
  let output = '';
  run.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  run.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const at = await Promise.race([
    waitForOutput(run, phaseLine(moment), 120_000).then(() => true),
    run.then(() => false),
  ]).catch(() => false);
  if (at) run.kill(signal);
  // A run that does not end within minutes of the signal is a failure of its own: it is stopped and said.
  const hung = setTimeout(() => {
    output += '\n[the run did not end within 5 minutes of the signal: killed]';
    run.kill('SIGKILL');
  }, 300_000);
  const r = await run;
  clearTimeout(hung);
  let loud = /ROLLBACK INCOMPLETE|left different|still different/.test(output) && r.exitCode !== 0;
  if (signal === 'SIGKILL' && at) {
    const rb = await gameday(['rollback', '--journal-dir', journalDir, '--wait', '10m']);
    output += `\n$ gameday rollback\n${rb.stdout}${rb.stderr}`;
    loud = rb.exitCode !== 0 && /FAILED/.test(rb.stdout);
  }
  const differences = await untilSame(target, baseline, settleMs);
  const journals = readdirSync(journalDir).filter((n) => n.endsWith('.json'));
  const unfinished = journals.filter(
    (n) => (JSON.parse(readFileSync(join(journalDir, n), 'utf8')) as { state: string }).state !== 'rolled-back',
  );
  if (differences.length === 0 && unfinished.length > 0 && !loud)
    differences.push(`journal ${unfinished.join(', ')} left unfinished without a word`);
  return {
    experiment,
    signal,
    moment,
    outcome:
      differences.length > 0
        ? loud
          ? 'loud'
          : 'silent'
        : at
          ? 'restored'
          : r.exitCode === 0 || r.exitCode === 1 || phaseLine('inject').test(output)
            ? 'missed'
            : 'refused',
    exitCode: r.exitCode,
    differences,
    output,
    seconds: (Date.now() - started) / 1000,
  };
}
