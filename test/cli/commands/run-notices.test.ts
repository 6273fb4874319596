import { expect } from 'chai';
import { nobodyCanAct } from '../../../src/cli/commands/run.js';
import { RealClock } from '../../../src/engine/clock.js';
import { DrillRun } from '../../../src/engine/drill-run.js';
import type { Experiment, LoadedExperiment } from '../../../src/experiment/types.js';
import { clockWords } from '../../../src/report/format.js';
import { closeFakes, fakeContext } from '../../kit/fake-context.js';
import { fakeDrill } from '../../engine/fake-drill.js';

const manual = (over: Partial<Experiment> = {}): LoadedExperiment => ({
  file: 'experiments/manual/x.json',
  experiment: fakeDrill({ id: 'x', recovery: { mode: 'manual', steps: [{ type: 'fake-step' }] }, ...over }),
});

describe('gameday run tells the person what the run cannot do (issue 18)', () => {
  afterEach(closeFakes);

  it('warns that nobody can act on a manual drill on the in-process simulator, and says how to run it', () => {
    const text = nobodyCanAct(manual(), { kind: 'sim', embedded: true }, false);
    expect(text).to.contain('x is a manual drill, but this simulator runs inside this process');
    expect(text).to.contain('`gameday sim up`');
    expect(text).to.contain('`gameday run experiments/manual/x.json --kubeconfig .gameday/sim/kubeconfig`');
  });

  it('stays quiet where someone can act, or nobody needs to', () => {
    const attached = { kind: 'sim' as const, embedded: false, kubeconfig: '.gameday/sim/kubeconfig' };
    expect(nobodyCanAct(manual(), attached, false)).to.equal(undefined);
    expect(nobodyCanAct(manual(), { kind: 'kind' }, false)).to.equal(undefined);
    expect(nobodyCanAct(manual(), { kind: 'sim', embedded: true }, true)).to.equal(undefined);
    const automatic = manual({ recovery: { mode: 'automatic', steps: [{ type: 'fake-step' }] } });
    expect(nobodyCanAct(automatic, { kind: 'sim', embedded: true }, false)).to.equal(undefined);
  });

  it('reports the times of a run on a sped-up simulator as simulated time', async () => {
    const fake = fakeContext();
    const clock = new RealClock(60);
    try {
      const d = new DrillRun(
        { file: 'x.json', experiment: fakeDrill() },
        { ...fake.ctx.target, clock },
        {
          seed: 1,
          dryRun: false,
          signal: new AbortController().signal,
          journalDir: '/nonexistent',
          journalTarget: { kind: 'sim', embedded: false },
        },
      );
      expect(d.result).to.deep.include({ clock: 'real', clockSpeed: 60 });
      expect(clockWords(d.result)).to.equal('simulated clock (60x real time)');
      d.detach();
    } finally {
      clock.close();
    }
    expect(clockWords({ clock: 'real' })).to.equal('real clock');
    expect(clockWords({ clock: 'virtual' })).to.equal('virtual clock');
  });
});
