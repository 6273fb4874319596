import { expect } from 'chai';
import { dirname, resolve } from 'node:path';
import { explainText } from '../../src/cli/commands/explain.js';
import { loadExperiments } from '../../src/experiment/load.js';
import type { LoadedExperiment } from '../../src/experiment/types.js';
import type { RunResult } from '../../src/report/result.js';
import { runOnSim } from './support.js';

/** The topology an experiment names, resolved against its file, as `gameday run` resolves it. */
const topologyOf = (l: LoadedExperiment): { topology?: string } =>
  l.experiment.topology ? { topology: resolve(dirname(l.file), l.experiment.topology) } : {};

const why = (r: RunResult): string => `${r.error ?? ''} ${r.checks.map((c) => c.message).join('; ')}`;

/** The top-level step numbers of an explanation. */
const numbers = (text: string): number[] =>
  text
    .split('\n')
    .map((l) => /^(\d+)\. /.exec(l)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);

/**
 * Experiments written as a new user would, from the README, `gameday list`, `gameday explain` and the schema
 * alone: other clusters and namespaces, compound faults, a custom topology, manual recovery. Each one
 * validates, explains itself in numbered steps, dry-runs to a plan and runs with the outcome Kubernetes
 * would give, without any code change.
 */
describe('experiments a new user writes', function () {
  this.timeout(120_000);

  it('validate, explain, dry-run and pass on the simulator', async () => {
    const loaded = await loadExperiments(['test/fixtures/experiments/user']);
    expect(loaded.length).to.be.at.least(8);
    for (const l of loaded) {
      const id = l.experiment.id;
      const n = numbers(explainText(l.experiment));
      expect(n, `${id}: explain`).to.deep.equal(n.map((_, i) => i + 1));
      const dry = await runOnSim(l.experiment, { dryRun: true, file: l.file, ...topologyOf(l) });
      expect(dry.result.verdict, `${id} dry run: ${why(dry.result)}`).to.equal('pass');
      expect(
        dry.result.timeline.filter((t) => t.text.includes('cannot be planned')).map((t) => t.text),
        id,
      ).to.deep.equal([]);
      const { result } = await runOnSim(l.experiment, { file: l.file, ...topologyOf(l) });
      expect(result.verdict, `${id}: ${why(result)}`).to.equal('pass');
      expect(result.rollback.ok, `${id}: ${result.rollback.errors.join('; ')}`).to.equal(true);
    }
  });

  /** What each negative drill must end in, and the words that say why. */
  const NEGATIVE: Record<string, { verdict: RunResult['verdict']; says: RegExp }> = {
    'user-negative-self-heal-verify-40s': {
      verdict: 'fail',
      says: /Ready not reached within 40s.*unavailability at least 40s, still failing when the drill ended/,
    },
    'user-negative-shop-detect-target-too-tight': {
      verdict: 'fail',
      says: /time-to-detect 49\.9s exceeds the target 45s/,
    },
    'user-negative-manual-nobody-acts': { verdict: 'fail', says: /Ready not reached within 3m00s/ },
    'user-negative-recovery-past-its-deadline': {
      verdict: 'fail',
      says: /the recovery steps did not finish within 2m00s \(timeouts\.recover\)/,
    },
    'user-negative-wrong-recovery-for-a-partition': {
      verdict: 'fail',
      says: /Ready not reached within 2m00s: .*10\.128\.38\.10 Ready=Unknown/,
    },
  };

  it('negative drills fail as Kubernetes would have them fail, say why, and leave nothing broken', async () => {
    const loaded = await loadExperiments(['test/fixtures/experiments/user-negative']);
    expect(loaded.map((l) => l.experiment.id).sort()).to.deep.equal(Object.keys(NEGATIVE).sort());
    for (const l of loaded) {
      const id = l.experiment.id;
      const want = NEGATIVE[id]!;
      const dry = await runOnSim(l.experiment, { dryRun: true, file: l.file, ...topologyOf(l) });
      expect(dry.result.verdict, `${id} dry run: ${why(dry.result)}`).to.equal('pass');
      const { result } = await runOnSim(l.experiment, { file: l.file, ...topologyOf(l) });
      expect(result.verdict, `${id}: ${why(result)}`).to.equal(want.verdict);
      expect(why(result), id).to.match(want.says);
      expect(result.rollback.ok, `${id}: ${result.rollback.errors.join('; ')}`).to.equal(true);
    }
  });
});
