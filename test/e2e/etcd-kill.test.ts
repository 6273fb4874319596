import { expect } from 'chai';
import { execa } from 'execa';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Journal } from '../../src/engine/journal.js';
import { requireEtcd } from '../etcd/require-etcd.js';
import { tempDir } from './support.js';

const BIN = join(process.cwd(), 'bin', 'gameday.js');
const built = existsSync(join(process.cwd(), 'dist', 'src', 'cli', 'main.js'));
const D4B = join(process.cwd(), 'experiments', 'd4b-etcd-two-members-down.json');

/** Live processes whose command line mentions `path` (a zombie's is empty: it no longer runs). */
function processesUsing(path: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (cmdline.includes(path)) found.push(`${pid}: ${cmdline.slice(0, 120)}`);
  }
  return found;
}

/**
 * Moments of a `--etcd real` D4b, each the first output line matching `after` plus `delayMs`: from the
 * simulator and etcd starting, through the fault, the restore and the grow, to the rollback.
 */
const MOMENTS: { name: string; after: RegExp; delayMs: number }[] = [
  { name: 'making the target, before etcd starts', after: /\[1\/1\]/, delayMs: 0 },
  { name: 'while etcd starts and takes the simulator content', after: /\[1\/1\]/, delayMs: 800 },
  { name: 'steady state', after: /steady-state\n/, delayMs: 0 },
  { name: 'journal, the writer seeding its keys', after: /journal\n/, delayMs: 0 },
  { name: 'the snapshot and the kill', after: /inject kill-etcd-members/, delayMs: 0 },
  { name: 'quorum lost, waiting for detection', after: /  detect\n/, delayMs: 1500 },
  { name: 'mid-restore (members stopped, data moved aside)', after: /etcd-restore-single:/, delayMs: 200 },
  { name: 'member add of the first new member', after: /etcd-grow:/, delayMs: 100 },
  { name: 'waiting for the second member add', after: /etcd member \S+ added/, delayMs: 1500 },
  { name: 'rollback', after: /  (verify|rollback)\n/, delayMs: 0 },
];

// Issue 15, item 4: a drill killed with SIGKILL cannot stop the real etcd it started. Its members die with it
// (parent-death signal); its journal names them and their data directory, and `gameday rollback` removes
// whatever is left. Checked at ten moments spread over a D4b on real etcd, through the CLI.
describe('SIGKILL during a --etcd real drill, then gameday rollback', function () {
  this.timeout(600_000);
  before(function () {
    if (!built) {
      console.log('      skipped: dist/ is not built (npm test builds it first: run `npm run build`)');
      this.skip();
    }
    requireEtcd(this);
  });

  for (const moment of MOMENTS) {
    it(`leaves no etcd process and no data directory: killed ${moment.name}`, async () => {
      const dir = tempDir('etcd-kill');
      // The drill's temp directories go here, so that what it leaves is found whatever its name.
      const tmp = join(dir, 'tmp');
      mkdirSync(tmp);
      const journals = join(dir, 'journal');
      const env = { NO_COLOR: '1', TMPDIR: tmp };
      const child = execa('node', [BIN, 'run', D4B, '--etcd', 'real', '--journal-dir', journals, '-v'], {
        reject: false,
        env,
        all: true,
      });
      let seen = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`never saw ${String(moment.after)}:\n${seen}`)), 120_000);
        child.all.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          if (moment.after.test(seen)) {
            clearTimeout(timer);
            setTimeout(resolve, moment.delayMs);
          }
        });
        void child.then(() => {
          clearTimeout(timer);
          reject(new Error(`the drill ended before ${moment.name}:\n${seen}`));
        });
      });
      child.kill('SIGKILL');
      const ended = await child;
      expect(ended.signal, seen).to.equal('SIGKILL');
      // The members die with the drill (the kernel's parent-death signal), before any rollback.
      for (let i = 0; i < 100 && processesUsing(tmp).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(processesUsing(tmp), 'etcd members still running after the drill was killed').to.deep.equal([]);

      const rollback = await execa('node', [BIN, 'rollback', '--journal-dir', journals], { reject: false, env });
      const said = rollback.stdout + rollback.stderr;
      expect(rollback.exitCode, said).to.equal(0);
      expect(processesUsing(tmp), said).to.deep.equal([]);
      expect(
        readdirSync(tmp).filter((n) => n.startsWith('gameday-')),
        said,
      ).to.deep.equal([]);
      // Nothing is left for a second rollback to find.
      expect(Journal.pending(journals), said).to.deep.equal([]);
    });
  }
});
