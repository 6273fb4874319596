import { expect } from 'chai';
import { existsSync, readdirSync } from 'node:fs';
import { closeFakes } from '../kit/fake-context.js';
import { fakeDrill, runFake } from './fake-drill.js';

const ALL_PHASES = ['preflight', 'steady-state', 'journal', 'inject', 'detect', 'recover', 'verify', 'rollback'];

describe('runExperiment', () => {
  afterEach(closeFakes);

  it('runs the phases in order and measures detection and Ready on the target clock', async () => {
    const { result, world } = await runFake(fakeDrill());
    expect(result.verdict, result.error).to.equal('pass');
    expect(result.phases.map((p) => p.name)).to.deep.equal(ALL_PHASES);
    expect(result.phases.every((p) => p.ok && p.endedAt !== undefined)).to.equal(true);
    expect(result.timings).to.include({ timeToDetect: 10_000, timeToReady: 20_000, timeToRecover: 30_000 });
    expect(result.checks.map((c) => [c.name, c.ok])).to.deep.equal([
      ['timeToDetect', true],
      ['timeToReady', true],
    ]);
    expect(world.log.filter((l) => !l.startsWith('probe'))).to.deep.equal([
      'inject a',
      'injected a',
      'step app',
      'revert a',
    ]);
  });

  it('gives the same result twice for the same seed, timeline and times included', async () => {
    const a = (await runFake(fakeDrill())).result;
    const b = (await runFake(fakeDrill())).result;
    const strip = (r: typeof a): unknown => ({ ...r, wallMs: 0, timings: { ...r.timings, startupWallMs: 0 } });
    expect(strip(b)).to.deep.equal(strip(a));
  });

  it('stops every probe it started, the steady state last, after the rollback', async () => {
    const { world } = await runFake(fakeDrill());
    const starts = world.log.filter((l) => l.startsWith('probe start')).length;
    const stops = world.log.filter((l) => l.startsWith('probe stop')).length;
    expect(stops).to.equal(starts);
    expect(world.log.at(-1)).to.equal('probe stop app');
    expect(world.log.indexOf('revert a')).to.be.lessThan(world.log.lastIndexOf('probe stop app'));
  });

  it('writes the journal before the first change and finishes it rolled back', async () => {
    const { journal } = await runFake(fakeDrill());
    expect(journal?.data.state).to.equal('rolled-back');
    expect(journal?.data.faults.map((f) => [f.index, f.type, f.status])).to.deep.equal([[0, 'fake-fault', 'reverted']]);
  });

  it('writes no journal when it stops before the journal phase, and changes nothing', async () => {
    const { result, world, journalDir } = await runFake(fakeDrill(), { arrange: (w) => w.flags.set('app', false) });
    expect(result.verdict).to.equal('fail');
    expect(world.faultLog()).to.deep.equal([]);
    expect(existsSync(journalDir) && readdirSync(journalDir)).to.deep.equal([]);
  });

  it('reports each step and fault with what it hit and when', async () => {
    const { result } = await runFake(
      fakeDrill({ faults: [{ type: 'fake-fault', id: 'a', breaks: 'app', nodes: ['n1'], name: 'crash' }] }),
    );
    expect(result.faults).to.have.length(1);
    expect(result.faults[0]).to.deep.include({ type: 'fake-fault', name: 'crash', ok: true, hit: ['n1'] });
    expect(result.steps.map((s) => [s.type, s.ok, s.endedAt! - s.startedAt!])).to.deep.equal([
      ['fake-step', true, 20_000],
    ]);
  });

  it('keeps only its own actions in the result, not those the target logged before it started', async () => {
    const { result } = await runFake(fakeDrill(), {
      arrange: (w) =>
        w.fake.ctx.target.actions.record({ at: 0, cluster: 'business', kind: 'sim', text: 'earlier', dryRun: false }),
    });
    expect(result.actions.map((a) => a.text)).to.deep.equal(['inject a']);
  });
});
