import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordRun } from '../../src/cli/commands/history.js';
import { runReport } from '../../src/cli/commands/report.js';
import { listRuns } from '../../src/history/store.js';
import { MONDAY, WEEK, drillRun } from './fixtures.js';

/**
 * What the issue asks to be checked: three runs of a drill, the third slower, give a trend page with three
 * points per series and a failed regression gate naming that drill. The runs go through the after-run step
 * `gameday run --results-dir --baseline` uses; the page through `gameday report --trend`.
 */
describe('three weekly runs of a drill, the third slower', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fsp.mkdtemp(join(tmpdir(), 'gameday-scenario-'));
  });
  afterEach(async () => {
    await fsp.rm(dir, { recursive: true, force: true });
  });

  it('records each run, fails the gate of a slower fourth run naming the drill, and draws a point per run in each series', async () => {
    const results = join(dir, 'results');
    const readies = [300_000, 310_000, 320_000];
    for (const [i, ready] of readies.entries()) {
      const outcome = await recordRun([drillRun({ ready, seed: i + 1 })], {
        resultsDir: results,
        baseline: results,
        now: MONDAY + i * WEEK,
      });
      // Too little history for a gate yet: never a failure.
      expect(outcome.gateOk).to.equal(true);
      expect(outcome.lines[0]).to.equal(
        `baseline: d1-host-crash: no time-to-Ready gate yet: ${i} earlier ${i === 1 ? 'run' : 'runs'} on sim, 3 needed`,
      );
    }
    expect(await listRuns(results)).to.have.length(3);

    // The third run of the scenario is slower than the baseline of the runs before it.
    const slow = drillRun({ ready: 420_000, seed: 4 });
    const outcome = await recordRun([slow], {
      resultsDir: results,
      baseline: results,
      metrics: join(dir, 'gameday.prom'),
      now: MONDAY + 3 * WEEK,
    });
    expect(outcome.gateOk).to.equal(false);
    expect(outcome.lines[0]).to.equal(
      'baseline: d1-host-crash: time-to-Ready 7m00s regressed beyond p50 5m10s + 20% (6m12s) of the last 3 runs',
    );
    expect(await fsp.readFile(join(dir, 'gameday.prom'), 'utf8')).to.contain(
      'gameday_drill_time_to_ready_seconds{drill="d1-host-crash",target="sim"} 420\n',
    );

    const page = join(dir, 'trend.html');
    const out: string[] = [];
    expect(await runReport({ resultsDir: results, trend: page, now: MONDAY + 4 * WEEK }, (l) => out.push(l))).to.equal(
      0,
    );
    expect(out).to.deep.equal([`trend: ${page} (1 drill, 4 runs)`]);
    const html = await fsp.readFile(page, 'utf8');
    expect(html.match(/<circle class="point timeToReady/g)).to.have.length(4);
    expect(html.match(/<circle class="point timeToDetect/g)).to.have.length(4);
    expect(html).to.contain(
      '<span class="missed-text">regressed</span> time-to-Ready 7m00s regressed beyond p50 5m10s + 20% (6m12s) of the last 3 runs',
    );
  });

  it('with exactly three runs, the third slower: three points per series and a gate failure naming the drill', async () => {
    const results = join(dir, 'results');
    const runs = [drillRun({ ready: 300_000 }), drillRun({ ready: 310_000 }), drillRun({ ready: 500_000 })];
    for (const [i, r] of runs.entries()) await recordRun([r], { resultsDir: results, now: MONDAY + i * WEEK });
    const page = join(dir, 'trend.html');
    await runReport({ resultsDir: results, trend: page }, () => {});
    const html = await fsp.readFile(page, 'utf8');
    expect(html.match(/<circle class="point timeToReady/g)).to.have.length(3);
    expect(html.match(/<circle class="point timeToDetect/g)).to.have.length(3);
    // The gate of the third against the first two, with the minimum lowered to what exists.
    const gate = await recordRun([runs[2]!], { baseline: results, gate: { minRuns: 2 } });
    expect(gate.gateOk).to.equal(false);
    expect(gate.lines[0]).to.match(/^baseline: d1-host-crash: time-to-Ready 8m20s regressed beyond p50 /);
  });

  it('writes the last run per drill as metrics from the history with gameday report --metrics', async () => {
    const results = join(dir, 'results');
    await recordRun([drillRun({ ready: 300_000 })], { resultsDir: results, now: MONDAY });
    await recordRun([drillRun({ ready: 330_000 })], { resultsDir: results, now: MONDAY + WEEK });
    const file = join(dir, 'm.prom');
    await runReport({ resultsDir: results, metrics: file }, () => {});
    const text = await fsp.readFile(file, 'utf8');
    expect(text).to.contain('gameday_drill_time_to_ready_seconds{drill="d1-host-crash",target="sim"} 330\n');
    expect(text).to.contain(
      `gameday_drill_last_run_timestamp_seconds{drill="d1-host-crash",target="sim"} ${(MONDAY + WEEK) / 1000}\n`,
    );
  });
});
