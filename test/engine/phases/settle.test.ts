import { expect } from 'chai';
import { closeFakes } from '../../kit/fake-context.js';
import { fakeDrill, runFake } from '../fake-drill.js';

describe('phases/settle: the steady state comes back after the rollback', () => {
  afterEach(closeFakes);

  it('waits for the steady state after the reverts, on the clock', async () => {
    const { result } = await runFake(fakeDrill({ steadyState: [{ type: 'flag', flag: 'cache' }] }), {
      arrange: (w) => {
        w.flags.set('cache', true);
        // The cache goes cold during the drill and warms up by itself 30 s into the rollback.
        w.fake.clock.setTimer(20_000, () => w.set('cache', false));
        w.fake.clock.setTimer(60_000, () => w.set('cache', true));
      },
    });
    expect(result.rollback.ok).to.equal(true);
    const back = result.timeline.find((t) => t.text === 'steady state is back')!;
    expect(back.at - result.startedAt).to.equal(60_000);
    expect(result.endedAt).to.equal(back.at);
  });

  it('does not wait in a dry run, nor when the drill stopped before injecting', async () => {
    const dry = await runFake(fakeDrill(), { dryRun: true });
    expect(dry.result.timeline.some((t) => t.text === 'steady state is back')).to.equal(false);
    const early = await runFake(fakeDrill({ faults: [{ type: 'unknown-fault' }] }));
    expect(early.result.timeline.some((t) => t.kind === 'rollback')).to.equal(false);
  });

  it('stops the steady-state probes once settled', async () => {
    const { world } = await runFake(fakeDrill());
    expect(world.log.slice(-1)).to.deep.equal(['probe stop app']);
  });
});
