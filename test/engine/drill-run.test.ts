import { expect } from 'chai';
import { AbortedError, InvalidInputError } from '../../src/errors.js';
import { DrillRun, type Progress } from '../../src/engine/drill-run.js';
import { closeFakes, fakeContext } from '../kit/fake-context.js';
import { World, fakeDrill, worldPlugins } from './fake-drill.js';
import type { Experiment } from '../../src/experiment/types.js';

function drillRun(over: Partial<Experiment> = {}, signal = new AbortController().signal) {
  const fake = fakeContext();
  const progress: Progress[] = [];
  const d = new DrillRun({ file: 'fake.json', experiment: fakeDrill(over) }, fake.ctx.target, {
    seed: 1,
    dryRun: false,
    signal,
    journalDir: '/nonexistent',
    journalTarget: { kind: 'sim', embedded: true },
    onProgress: (p) => progress.push(p),
    plugins: worldPlugins(new World(fake)),
  });
  return { d, fake, progress };
}

describe('DrillRun', () => {
  afterEach(closeFakes);

  it('takes the experiment timeouts, or the defaults', () => {
    expect(drillRun().d.timeouts).to.deep.equal({
      steadyState: 120_000,
      detect: 600_000,
      recover: 1_200_000,
      verify: 900_000,
    });
    expect(drillRun({ timeouts: { detect: '30s', verify: 'PT2M' } }).d.timeouts).to.include({
      detect: 30_000,
      verify: 120_000,
    });
  });

  it('closes a phase when the next starts, and tells the terminal', async () => {
    const { d, fake, progress } = drillRun();
    d.enter('preflight');
    await fake.clock.sleep(5000);
    d.enter('steady-state');
    expect(d.result.phases).to.deep.equal([
      { name: 'preflight', startedAt: fake.clock.now() - 5000, endedAt: fake.clock.now(), ok: true },
      { name: 'steady-state', startedAt: fake.clock.now(), ok: true },
    ]);
    // 'start' first: it hands over the result the phases fill in (the war room draws from it).
    expect(progress.map((p) => p.type)).to.deep.equal(['start', 'phase', 'phase']);
    expect(progress[0]?.type === 'start' && progress[0].result).to.equal(d.result);
    expect(d.result.timeline.map((t) => [t.kind, t.text])).to.deep.equal([
      ['phase', 'preflight'],
      ['phase', 'steady-state'],
    ]);
  });

  it('after an abort starts no phase but the rollback', () => {
    const stop = new AbortController();
    const { d } = drillRun({}, stop.signal);
    d.enter('preflight');
    stop.abort('SIGTERM');
    expect(d.signal.aborted).to.equal(true);
    expect(() => d.enter('steady-state')).to.throw(AbortedError, 'Interrupted (SIGTERM).');
    d.enter('rollback');
    expect(d.phase?.name).to.equal('rollback');
  });

  it('stops listening to the caller once detached: a late signal does not abort the rollback', () => {
    const stop = new AbortController();
    const { d } = drillRun({}, stop.signal);
    d.detach();
    stop.abort('SIGINT');
    expect(d.signal.aborted).to.equal(false);
  });

  it('gives one context per cluster, made once, with the experiment default', () => {
    const { d } = drillRun();
    expect(d.contextFor(undefined)).to.equal(d.contextFor('business'));
    expect(d.contextFor(undefined).cluster).to.equal('business');
    expect(() => d.contextFor('control')).to.throw(/Cluster "control" is not on this target; it has: business\./);
  });

  it('names the file and JSON path of an input error raised while acting on an item', async () => {
    const { d } = drillRun();
    const err = await d
      .located('/faults/2', () => Promise.reject(new InvalidInputError('no node named x.')))
      .catch((e: unknown) => e);
    expect((err as Error).message).to.equal('fake.json: /faults/2: no node named x.');
    const other = await d.located('/faults/2', () => Promise.reject(new Error('boom'))).catch((e: unknown) => e);
    expect((other as Error).message).to.equal('boom');
  });
});
