import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalisedReport } from '../../bench/compare-reports.js';
import { loadExperiments } from '../../src/experiment/load.js';
import { writeReports } from '../../src/report/write.js';
import { runOnSim, tempDir } from './support.js';

/** Drills that cover a node fault, a workload fault with steps, a control-plane fault and etcd. */
const DRILLS = ['d1-host-crash', 'd11-gateway-proxy-unschedulable', 'd10-apiserver-down', 'd4a-etcd-one-member-down'];

describe('the same seed gives the same per-drill report, byte for byte apart from wall-clock fields', function () {
  this.timeout(60_000);

  for (const id of DRILLS) {
    it(id, async () => {
      const [loaded] = await loadExperiments([join('experiments', `${id}.json`)]);
      const reports: string[] = [];
      for (let run = 0; run < 2; run++) {
        const { result } = await runOnSim(loaded!.experiment, { seed: 7 });
        const dir = tempDir('determinism');
        await writeReports(dir, [result], { generatedAt: Date.now(), gamedayVersion: 'test' });
        reports.push(normalisedReport(readFileSync(join(dir, `${id}.json`), 'utf8')));
      }
      expect(JSON.parse(reports[0]!)).to.have.nested.property('results[0].verdict', 'pass');
      expect(reports[1]).to.equal(reports[0]);
    });
  }

  it('the comparison sees a difference in anything but wall-clock fields', () => {
    const report = (wallMs: number, at: number): string =>
      JSON.stringify({ meta: { generatedAt: wallMs, command: 'x' }, results: [{ wallMs, timeline: [{ at }] }] });
    expect(normalisedReport(report(1, 5))).to.equal(normalisedReport(report(2, 5)));
    expect(normalisedReport(report(1, 5))).to.not.equal(normalisedReport(report(1, 6)));
  });
});
