import { expect } from 'chai';
import { runOnSim } from '../e2e/support.js';

describe('power-on-node', () => {
  it('powers named masters on while no API server is left to list the nodes (D2)', async function () {
    this.timeout(20_000);
    const masters = ['10.128.38.1', '10.128.38.2', '10.128.38.3'];
    const { result } = await runOnSim({
      id: 'test-masters-dark',
      title: 'every master of control powered off',
      description: 'test drill',
      runbook: 'D2',
      clusters: ['control'],
      blastRadius: { maxNodes: 3, maxEtcdMembers: 3, allowControlPlaneMajority: true, allowQuorumLoss: true },
      steadyState: [{ type: 'no-notready-nodes' }],
      faults: [{ type: 'power-off-node', nodes: { names: masters } }],
      recovery: { mode: 'automatic', steps: [{ type: 'power-on-node', nodes: { names: masters } }] },
      verify: [{ type: 'no-notready-nodes' }],
    });
    expect(result.steps.map((s) => [s.type, s.ok, s.error])).to.deep.equal([['power-on-node', true, undefined]]);
    expect(result.verdict, result.error).to.equal('pass');
  });
});
