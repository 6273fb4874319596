import { expect } from 'chai';
import { runOnSim } from '../e2e/support.js';

describe('etcd-restore-single and etcd-grow on the simulator', () => {
  it('wait for the restored member and each added one to be healthy, so growing back never costs quorum (D4b)', async function () {
    this.timeout(20_000);
    const { result, target } = await runOnSim(
      {
        id: 'test-etcd-restore-grow',
        title: 'two etcd members down, restored and grown back',
        description: 'test drill',
        runbook: 'D4b',
        clusters: ['control'],
        blastRadius: { maxEtcdMembers: 2, allowQuorumLoss: true },
        faults: [{ type: 'kill-etcd-members', members: { count: 2 } }],
        recovery: {
          mode: 'automatic',
          steps: [
            { type: 'etcd-snapshot' },
            { type: 'etcd-restore-single' },
            { type: 'etcd-point-apiserver' },
            { type: 'etcd-grow', size: 3 },
          ],
        },
        verify: [{ type: 'etcd-healthy', count: 3 }, { type: 'api-writable' }],
      },
      { keepOpen: true },
    );
    try {
      expect(result.verdict, result.error).to.equal('pass');
      const grow = result.steps.find((s) => s.type === 'etcd-grow')!;
      // One election timeout (1 s) for each new member before the next member add.
      expect(grow.endedAt! - grow.startedAt!).to.be.at.least(2000);
      const health = await target.etcd('control').health();
      expect(health.map((h) => h.healthy)).to.deep.equal([true, true, true]);
    } finally {
      await target.close();
    }
  });
});
