import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { historyText, runHistory } from '../../src/cli/commands/history.js';
import { InvalidInputError } from '../../src/errors.js';
import { appendResult, drillDirName, fileTime, listRuns, type StoredResult } from '../../src/history/store.js';
import { MONDAY, WEEK, drillRun } from './fixtures.js';

describe('results history', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fsp.mkdtemp(join(tmpdir(), 'gameday-history-'));
  });
  afterEach(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('stores a run as <dir>/<experiment-id>/<ISO time>-<seed>.json holding the result and when it was recorded', async () => {
    const result = drillRun({ seed: 7 });
    const file = await appendResult(dir, result, { now: MONDAY + 350 });
    // A virtual-clock run is filed under its wall-clock start: recorded at MONDAY + 350 ms, it took 350 ms.
    expect(file).to.equal(join(dir, 'd1-host-crash', '20250602T030000.000Z-7.json'));
    const stored = JSON.parse(await fsp.readFile(file, 'utf8')) as StoredResult;
    expect(stored.recordedAt).to.equal(MONDAY + 350);
    expect(stored.experiment.id).to.equal('d1-host-crash');
    expect(stored.timings.timeToReady).to.equal(310_000);
  });

  it('files a real-clock run under its measured start', async () => {
    const file = await appendResult(dir, drillRun({ clock: 'real', startedAt: MONDAY + WEEK, seed: 3 }), {
      now: MONDAY + 2 * WEEK,
    });
    expect(file.endsWith(`${fileTime(MONDAY + WEEK)}-3.json`)).to.equal(true);
  });

  it('leaves no temporary file behind and never overwrites a run recorded in the same millisecond with the same seed', async () => {
    const a = await appendResult(dir, drillRun({ ready: 100_000 }), { now: MONDAY });
    const b = await appendResult(dir, drillRun({ ready: 200_000 }), { now: MONDAY });
    expect(a).to.not.equal(b);
    expect(b.endsWith('-1-2.json')).to.equal(true);
    const names = await fsp.readdir(join(dir, 'd1-host-crash'));
    expect(names.sort()).to.deep.equal(['20250602T025959.650Z-1-2.json', '20250602T025959.650Z-1.json']);
    const runs = await listRuns(dir);
    expect(runs.map((r) => r.result.timings.timeToReady)).to.have.members([100_000, 200_000]);
  });

  it('lists runs oldest first across drills and filters by drill', async () => {
    await appendResult(dir, drillRun({ ready: 3 }), { now: MONDAY + 2 * WEEK });
    await appendResult(dir, drillRun({ id: 'd6-kubelet-stopped', ready: 9 }), { now: MONDAY + WEEK });
    await appendResult(dir, drillRun({ ready: 1 }), { now: MONDAY });
    const all = await listRuns(dir);
    expect(all.map((r) => [r.drill, r.result.timings.timeToReady])).to.deep.equal([
      ['d1-host-crash', 1],
      ['d6-kubelet-stopped', 9],
      ['d1-host-crash', 3],
    ]);
    const d1 = await listRuns(dir, { drill: 'd1-host-crash' });
    expect(d1.map((r) => r.result.timings.timeToReady)).to.deep.equal([1, 3]);
    expect(d1[0]?.at).to.equal(MONDAY - 350);
  });

  it('holds no runs when the directory does not exist yet', async () => {
    expect(await listRuns(join(dir, 'missing'))).to.deep.equal([]);
  });

  it('skips files that are not run results, saying which and why, and hidden entries such as the journal', async () => {
    await appendResult(dir, drillRun(), { now: MONDAY });
    await fsp.writeFile(join(dir, 'd1-host-crash', 'notes.json'), '{"hello": 1}');
    await fsp.writeFile(join(dir, 'd1-host-crash', 'broken.json'), '{');
    await fsp.mkdir(join(dir, '.journal'));
    await fsp.writeFile(join(dir, '.journal', 'x.json'), JSON.stringify(drillRun({ id: 'x' })));
    const skipped: string[] = [];
    const runs = await listRuns(dir, {
      onSkip: (file, reason) => skipped.push(`${file.slice(dir.length + 1)}: ${reason}`),
    });
    expect(runs).to.have.length(1);
    expect(skipped).to.have.length(2);
    expect(skipped.find((s) => s.startsWith('d1-host-crash/notes.json'))).to.equal(
      'd1-host-crash/notes.json: not a gameday run result',
    );
    expect(skipped.find((s) => s.startsWith('d1-host-crash/broken.json'))).to.match(/: not JSON: /);
  });

  it('never lets an experiment id name a directory outside the results directory', () => {
    expect(drillDirName('../../etc')).to.equal('_.._.._etc');
    expect(drillDirName('..')).to.equal('_..');
    expect(drillDirName('d1-host-crash')).to.equal('d1-host-crash');
  });

  it('prints a table per drill with time, verdict, time-to-detect and time-to-Ready', async () => {
    await appendResult(dir, drillRun({ ready: 300_000 }), { now: MONDAY });
    await appendResult(dir, drillRun({ ready: 700_000 }), { now: MONDAY + WEEK });
    await appendResult(
      dir,
      drillRun({ id: 'd6-kubelet-stopped', title: 'D6 kubelet stopped', detect: 40_000, ready: 65_000 }),
      { now: MONDAY },
    );
    let text = '';
    const code = await runHistory({ resultsDir: dir }, (t) => (text += t));
    expect(code).to.equal(0);
    const lines = text.split('\n');
    expect(lines).to.include('d1-host-crash: D1 Host crash (2 runs, 1 passed)');
    expect(lines).to.include('d6-kubelet-stopped: D6 kubelet stopped (1 run, 1 passed)');
    const row = (n: string): string => lines.find((l) => new RegExp(`^│\\s+${n} │ 2025-06-0`).test(l)) ?? '';
    const d1Second = lines.filter((l) => /│\s+2 │/.test(l))[0] ?? '';
    expect(d1Second)
      .to.match(/2025-06-09 02:59:59Z/)
      .and.match(/FAIL/)
      .and.match(/42s/)
      .and.match(/11m40s/);
    expect(row('1')).to.match(/PASS/);
    expect(lines.some((l) => /PASS.*40s.*1m05s/.test(l))).to.equal(true);
  });

  it('lists one drill with --drill, and names the recorded drills when asked for one it does not have', async () => {
    await appendResult(dir, drillRun(), { now: MONDAY });
    await appendResult(dir, drillRun({ id: 'd6-kubelet-stopped' }), { now: MONDAY });
    let text = '';
    await runHistory({ resultsDir: dir, drill: 'd6-kubelet-stopped' }, (t) => (text += t));
    expect(text).to.contain('d6-kubelet-stopped').and.not.contain('d1-host-crash');
    try {
      await runHistory({ resultsDir: dir, drill: 'd9-nope' }, () => {});
      expect.fail('expected an error');
    } catch (err) {
      expect(err).to.be.instanceOf(InvalidInputError);
      expect((err as Error).message).to.equal(
        `No runs of drill "d9-nope" in ${dir}; it has runs of: d1-host-crash, d6-kubelet-stopped.`,
      );
    }
  });

  it('shows only the last runs of each drill with --last, keeping their numbers', async () => {
    for (let i = 0; i < 4; i++)
      await appendResult(dir, drillRun({ ready: (i + 1) * 60_000 }), { now: MONDAY + i * WEEK });
    let text = '';
    await runHistory({ resultsDir: dir, last: 2 }, (t) => (text += t));
    const numbers = text.split('\n').flatMap((l) => /^│\s+(\d+) │/.exec(l)?.[1] ?? []);
    expect(numbers).to.deep.equal(['3', '4']);
    expect(text).to.contain('(4 runs, 4 passed)');
  });

  it('says plainly when nothing has been recorded', async () => {
    let text = '';
    expect(await runHistory({ resultsDir: join(dir, 'none') }, (t) => (text += t))).to.equal(0);
    expect(text).to.equal(
      `No runs recorded in ${join(dir, 'none')}. Runs are recorded by \`gameday run --results-dir ${join(dir, 'none')}\`.\n`,
    );
    expect(historyText([])).to.equal('');
  });
});
