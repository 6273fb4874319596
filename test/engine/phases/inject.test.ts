import { expect } from 'chai';
import { closeFakes, node } from '../../kit/fake-context.js';
import { fakeDrill, runFake } from '../fake-drill.js';

const quiet = { steadyState: [], detect: [], recovery: { mode: 'self-heal' as const }, verify: [], targets: {} };
/** When fault `id` started, from the start of the run. */
const at = (r: Awaited<ReturnType<typeof runFake>>['result'], id: string): number =>
  r.timeline.find((t) => t.text === `inject fake-fault: fake fault ${id}`)!.at - r.startedAt;

describe('phases/inject', () => {
  afterEach(closeFakes);

  it('in sequence mode injects one fault after another, each after its delay on the clock', async () => {
    const { result, world } = await runFake(
      fakeDrill({
        ...quiet,
        faultMode: 'sequence',
        blastRadius: { maxNodes: 3 },
        faults: [
          { type: 'fake-fault', id: 'a', injectMs: 2000 },
          { type: 'fake-fault', id: 'b', after: '30s' },
          { type: 'fake-fault', id: 'c', after: '1m' },
        ],
      }),
    );
    expect(world.log.filter((l) => l.startsWith('inject'))).to.deep.equal([
      'inject a',
      'injected a',
      'inject b',
      'injected b',
      'inject c',
      'injected c',
    ]);
    expect([at(result, 'a'), at(result, 'b'), at(result, 'c')]).to.deep.equal([0, 32_000, 92_000]);
  });

  it('in parallel mode starts every fault at the same instant', async () => {
    const { result, world } = await runFake(
      fakeDrill({
        ...quiet,
        faults: [
          { type: 'fake-fault', id: 'a', injectMs: 5000 },
          { type: 'fake-fault', id: 'b' },
        ],
      }),
    );
    expect(world.log.slice(0, 3)).to.deep.equal(['inject a', 'inject b', 'injected b']);
    expect([at(result, 'a'), at(result, 'b')]).to.deep.equal([0, 0]);
  });

  it('in parallel mode lets every injection settle before a failure rolls back, so no revert races an injection', async () => {
    const { result, world } = await runFake(
      fakeDrill({
        ...quiet,
        faults: [
          { type: 'fake-fault', id: 'slow', injectMs: 10_000 },
          { type: 'fake-fault', id: 'bad' },
        ],
      }),
      { arrange: (w) => w.failInject.add('bad') },
    );
    expect(result.error).to.equal('bad: the host refused');
    expect(world.log).to.deep.equal(['inject slow', 'inject bad', 'injected slow', 'revert bad', 'revert slow']);
  });

  it('in sequence mode stops at the first failure: later faults are never injected nor reverted', async () => {
    const { world, journal } = await runFake(
      fakeDrill({
        ...quiet,
        faultMode: 'sequence',
        faults: [
          { type: 'fake-fault', id: 'a' },
          { type: 'fake-fault', id: 'b' },
          { type: 'fake-fault', id: 'c' },
        ],
      }),
      { arrange: (w) => w.failInject.add('b') },
    );
    expect(world.faultLog()).to.deep.equal(['inject a', 'inject b', 'revert b', 'revert a']);
    expect(journal?.data.faults.map((f) => f.status)).to.deep.equal(['reverted', 'reverted', 'planned']);
  });

  it('records what each fault hit, so that "from": "faults" of a later step finds it', async () => {
    const { result, world } = await runFake(
      fakeDrill({
        ...quiet,
        faults: [{ type: 'fake-fault', id: 'a', nodes: ['w2'] }],
        recovery: { mode: 'automatic', steps: [{ type: 'cordon', nodes: { from: 'faults' } }] },
      }),
      { objects: { nodes: [node('w1'), node('w2')] } },
    );
    expect(result.verdict, result.error).to.equal('pass');
    expect(world.fake.calls).to.deep.equal(['patch nodes w2 strategic {"spec":{"unschedulable":true}}']);
    expect(result.faults[0]?.hit).to.deep.equal(['w2']);
  });

  it('times the start-up (wall clock, to the first fault) and measures from the first injection', async () => {
    const { result } = await runFake(fakeDrill());
    expect(result.timings.startupWallMs).to.be.a('number');
    expect(result.timings.timeToRecover).to.equal(30_000);
  });
});
