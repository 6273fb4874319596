import { expect } from 'chai';
import { loadExperiments } from '../../src/experiment/load.js';
import { runOnSim } from './support.js';

/**
 * Issue 18: what an SRE writing drills from the README, `gameday list` and the schema meets, one item at a
 * time, on the simulator. Each test fails if its item's fix is undone.
 */
describe('writing drills (issue 18) on the simulator', function () {
  this.timeout(60_000);

  it('3. "expect": false lets etcd-healthy and static-pod-running detect their faults', async () => {
    const [d4a, d10] = await loadExperiments([
      'experiments/d4a-etcd-one-member-down.json',
      'experiments/d10-scheduler-down.json',
    ]);
    for (const l of [d4a!, d10!]) {
      const { result } = await runOnSim(l.experiment);
      expect(result.verdict, `${l.experiment.id}: ${result.error ?? ''}`).to.equal('pass');
      const detect = result.probes.filter((p) => p.phase === 'detect');
      expect(detect.map((p) => p.ok)).to.deep.equal([true]);
      expect(result.timings.timeToDetect).to.be.a('number');
      expect(result.checks.find((c) => c.name === 'timeToDetect')?.ok).to.equal(true);
    }
  });
});
