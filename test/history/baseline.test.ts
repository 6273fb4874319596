import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRegression, gateResults, p50 } from '../../src/history/baseline.js';
import { appendResult } from '../../src/history/store.js';
import { MONDAY, WEEK, drillRun } from './fixtures.js';

const MIN = 60_000;
const S = 1_000;

describe('regression gate', () => {
  it('takes the median, interpolating between the middle two of an even count', () => {
    expect(p50([3, 1, 2])).to.equal(2);
    expect(p50([4, 1, 3, 2])).to.equal(2.5);
    expect(p50([7])).to.equal(7);
  });

  it('fails a time-to-Ready beyond p50 + 20% of the last runs, naming the drill and both figures', () => {
    const history = [5 * MIN, 5 * MIN + 10 * S, 5 * MIN + 20 * S, 5 * MIN + 5 * S, 5 * MIN + 30 * S].map((ready) =>
      drillRun({ ready }),
    );
    const check = checkRegression(drillRun({ ready: 7 * MIN + 2 * S }), history);
    expect(check.ok).to.equal(false);
    expect(check.messages[0]).to.equal(
      'd1-host-crash: time-to-Ready 7m02s regressed beyond p50 5m10s + 20% (6m12s) of the last 5 runs',
    );
    const ready = check.checks.find((c) => c.metric === 'timeToReady');
    expect(ready).to.include({ status: 'regressed', measured: 7 * MIN + 2 * S, p50: 5 * MIN + 10 * S, runs: 5 });
    expect(ready?.limit).to.be.closeTo(6 * MIN + 12 * S, 1);
  });

  it('checks time-to-detect the same way', () => {
    const history = [40, 42, 44].map((s) => drillRun({ detect: s * S }));
    const check = checkRegression(drillRun({ detect: 55 * S }), history);
    expect(check.ok).to.equal(false);
    expect(check.messages).to.include(
      'd1-host-crash: time-to-detect 55s regressed beyond p50 42s + 20% (50.4s) of the last 3 runs',
    );
  });

  it('passes a run within the limit, naming the baseline it was held to', () => {
    const history = [300, 310, 320].map((s) => drillRun({ ready: s * S }));
    const check = checkRegression(drillRun({ ready: 360 * S }), history);
    expect(check.ok).to.equal(true);
    expect(check.messages[0]).to.equal(
      'd1-host-crash: time-to-Ready 6m00s within p50 5m10s + 20% (6m12s) of the last 3 runs',
    );
  });

  it('applies no gate with too few runs, and says so plainly', () => {
    const check = checkRegression(drillRun({ ready: 60 * MIN }), [drillRun({ ready: MIN }), drillRun({ ready: MIN })]);
    expect(check.ok).to.equal(true);
    expect(check.checks.every((c) => c.status === 'no-gate')).to.equal(true);
    expect(check.messages[0]).to.equal('d1-host-crash: no time-to-Ready gate yet: 2 earlier runs on sim, 3 needed');
  });

  it('uses only the last N runs, and only runs of the same drill on the same target that measured something', () => {
    const old = [1, 1, 1, 1, 1].map((m) => drillRun({ ready: m * MIN }));
    const recent = [10, 10, 10].map((m) => drillRun({ ready: m * MIN }));
    const noise = [
      drillRun({ id: 'd6-kubelet-stopped', ready: 100 * MIN }),
      drillRun({ target: 'kind', ready: 100 * MIN }),
      drillRun({ verdict: 'error', ready: 100 * MIN }),
      { ...drillRun({ ready: 100 * MIN }), dryRun: true },
    ];
    const check = checkRegression(drillRun({ ready: 11 * MIN }), [...old, ...noise, ...recent], { window: 3 });
    expect(check.ok).to.equal(true);
    expect(check.checks[0]).to.include({ status: 'ok', p50: 10 * MIN, runs: 3 });
  });

  it('honours the threshold and minimum run count it is given', () => {
    const history = [100, 100].map((s) => drillRun({ ready: s * S }));
    const check = checkRegression(drillRun({ ready: 111 * S }), history, { threshold: 0.1, minRuns: 2 });
    expect(check.messages[0]).to.equal(
      'd1-host-crash: time-to-Ready 1m51s regressed beyond p50 1m40s + 10% (1m50s) of the last 2 runs',
    );
  });

  describe('over a results directory', () => {
    let dir: string;
    beforeEach(async () => {
      dir = await fsp.mkdtemp(join(tmpdir(), 'gameday-baseline-'));
    });
    afterEach(async () => {
      await fsp.rm(dir, { recursive: true, force: true });
    });

    it('fails only the drill that regressed, regressions listed first', async () => {
      for (const [i, ready] of [300, 305, 310].entries()) {
        await appendResult(dir, drillRun({ ready: ready * S }), { now: MONDAY + i * WEEK });
        await appendResult(dir, drillRun({ id: 'd6-kubelet-stopped', ready: 60 * S }), { now: MONDAY + i * WEEK });
      }
      const gate = await gateResults(
        [drillRun({ id: 'd6-kubelet-stopped', ready: 61 * S }), drillRun({ ready: 400 * S })],
        dir,
      );
      expect(gate.ok).to.equal(false);
      expect(gate.messages[0]).to.equal(
        'd1-host-crash: time-to-Ready 6m40s regressed beyond p50 5m05s + 20% (6m06s) of the last 3 runs',
      );
      expect(gate.checks.map((c) => [c.drill, c.ok])).to.deep.equal([
        ['d6-kubelet-stopped', true],
        ['d1-host-crash', false],
      ]);
    });

    it('passes with no gate when the baseline directory holds nothing yet', async () => {
      const gate = await gateResults([drillRun()], join(dir, 'empty'));
      expect(gate.ok).to.equal(true);
      expect(gate.messages).to.deep.equal([
        'd1-host-crash: no time-to-Ready gate yet: 0 earlier runs on sim, 3 needed',
        'd1-host-crash: no time-to-detect gate yet: 0 earlier runs on sim, 3 needed',
      ]);
    });
  });
});
