import { expect } from 'chai';
import { loadExperiments } from '../../src/experiment/load.js';
import { kubeletDrill, runOnSim } from './support.js';

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

  it('5. monitors defaulting to "the nodes the faults hit" watch them from before the fault', async () => {
    const { result } = await runOnSim(
      kubeletDrill({
        monitors: [{ type: 'node-ready', name: 'faulted node Ready' }],
        abortWhen: [{ type: 'node-schedulable', nodes: { from: 'faults' } }],
        targets: { timeToDetect: '60s', timeToReady: '2m', maxUnavailability: '2m' },
      }),
    );
    expect(result.verdict, result.error).to.equal('pass');
    // NotReady from the node-monitor grace period until the kubelet is back: a real stretch, not zero.
    expect(result.timings.unavailability?.['faulted node Ready']).to.be.greaterThan(0);
  });

  describe('7. the dry run of a valid drill plans every step', () => {
    const addNode = kubeletDrill({
      id: 'add-node-then-verify-it',
      faults: [{ type: 'stop-kubelet', nodes: { names: ['10.128.38.10'] } }],
      recovery: {
        mode: 'automatic',
        steps: [
          { type: 'add-node', nodeName: '10.128.38.99' },
          { type: 'restart-service', service: 'kubelet' },
        ],
      },
      verify: [{ type: 'node-ready', nodes: { names: ['10.128.38.99', '10.128.38.10'] } }],
      targets: { timeToReady: '5m' },
    });

    it('a verify probe may name the node add-node joins: planned in a dry run, passed in a real one', async () => {
      const dry = await runOnSim(addNode, { dryRun: true });
      expect(dry.result.verdict, dry.result.error).to.equal('pass');
      expect(dry.result.actions.map((a) => a.text)).to.include('join a new worker node 10.128.38.99');
      const real = await runOnSim(addNode);
      expect(real.result.verdict, real.result.error).to.equal('pass');
      expect(real.result.probes.find((p) => p.phase === 'verify')?.observed).to.contain('10.128.38.99 Ready=True');
    });

    it('set-resources on the Deployment a fault creates is planned in D3 and D9, and rollout undo after a bad image', async () => {
      const loaded = await loadExperiments([
        'experiments/d3-memory-lower-requests.json',
        'experiments/d9-pod-pending.json',
        'experiments/d9-pod-image-pull-backoff.json',
      ]);
      for (const l of loaded) {
        const { result } = await runOnSim(l.experiment, { dryRun: true });
        expect(result.verdict, `${l.experiment.id}: ${result.error ?? ''}`).to.equal('pass');
        const notes = result.timeline.map((t) => t.text).filter((t) => t.includes('cannot be planned'));
        expect(notes, l.experiment.id).to.deep.equal([]);
        expect(
          result.steps.every((s) => s.ok),
          l.experiment.id,
        ).to.equal(true);
        const patches = result.actions.filter((a) => a.text.startsWith('PATCH /apis/apps/v1/namespaces/'));
        expect(patches.length, l.experiment.id).to.be.greaterThan(0);
      }
    });
  });
});
