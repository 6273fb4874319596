import { expect } from 'chai';
import { explainText } from '../../../src/cli/commands/explain.js';
import { loadExperiments } from '../../../src/experiment/load.js';
import type { Experiment } from '../../../src/experiment/types.js';

/** The top-level step numbers of an explanation, in order. */
const numbers = (text: string): number[] =>
  text
    .split('\n')
    .map((l) => /^(\d+)\. /.exec(l)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);

const drill: Experiment = {
  id: 'x',
  title: 'x',
  description: 'x',
  runbook: 'x',
  clusters: ['control'],
  faults: [{ type: 'kill-etcd-members', members: { count: 1 } }],
  detect: [{ type: 'etcd-healthy', count: 3, expect: false }],
  recovery: { mode: 'self-heal' },
  verify: [{ type: 'etcd-healthy', count: 3 }],
};

describe('gameday explain', () => {
  it('numbers its steps without gaps, whatever sections a drill leaves out (issue 18)', () => {
    expect(numbers(explainText(drill))).to.deep.equal([1, 2, 3, 4, 5, 6]);
    const { detect: _d, ...undetected } = drill;
    expect(numbers(explainText(undetected))).to.deep.equal([1, 2, 3, 4, 5]);
  });

  it('numbers every catalogue drill without gaps', async () => {
    for (const l of await loadExperiments(['experiments'])) {
      const n = numbers(explainText(l.experiment));
      expect(n, l.experiment.id).to.deep.equal(n.map((_, i) => i + 1));
    }
  });

  it('says a probe expected to fail the other way round', () => {
    expect(explainText(drill)).to.contain('  1. NOT etcd healthy with 3 members');
  });
});
