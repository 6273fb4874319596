import { expect } from 'chai';
import { loadExperiments } from '../../src/experiment/load.js';
import { runOnSim } from './support.js';

// Experiments written as a new user would, from the schema and the README alone: other clusters, other
// namespaces, combinations of faults in sequence. They must run without any code change.
describe('experiments a new user writes', () => {
  it('validate and pass on the simulator', async () => {
    const loaded = await loadExperiments(['test/fixtures/experiments/user']);
    expect(loaded.length).to.be.at.least(3);
    for (const l of loaded) {
      const { result } = await runOnSim(l.experiment);
      expect(
        result.verdict,
        `${l.experiment.id}: ${result.error ?? ''} ${result.checks.map((c) => c.message).join('; ')}`,
      ).to.equal('pass');
    }
  });
});
