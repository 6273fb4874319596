import { expect } from 'chai';
import { closeFakes } from '../../kit/fake-context.js';
import { fakeDrill, runFake } from '../fake-drill.js';

describe('phases/steady-state: the cluster is healthy before the drill touches it', () => {
  afterEach(closeFakes);

  it('waits for the steady state to come, and starts the drill from there', async () => {
    const { result } = await runFake(fakeDrill(), {
      arrange: (w) => {
        w.flags.set('app', false);
        w.fake.clock.setTimer(7000, () => w.set('app', true));
      },
    });
    expect(result.verdict).to.equal('pass');
    const inject = result.phases.find((p) => p.name === 'inject')!;
    expect(inject.startedAt - result.startedAt).to.equal(7000);
    expect(result.probes.filter((p) => p.phase === 'steady-state')).to.deep.equal([
      {
        phase: 'steady-state',
        type: 'flag',
        name: 'flag',
        cluster: 'business',
        ok: true,
        observed: 'app=true',
        at: inject.startedAt,
      },
    ]);
  });

  it('fails the drill when it does not come within its timeout, and touches nothing', async () => {
    const { result, world } = await runFake(fakeDrill({ timeouts: { steadyState: '30s' } }), {
      arrange: (w) => w.flags.set('app', false),
    });
    expect(result).to.deep.include({
      verdict: 'fail',
      error: 'the steady state not reached within 30s: app is up (now: app=false).',
    });
    expect(result.endedAt - result.startedAt).to.equal(30_000);
    expect(world.faultLog()).to.deep.equal([]);
    // Nothing was injected: there is nothing to measure and no target was missed.
    expect(result.checks).to.deep.equal([]);
  });

  it('refuses an unknown probe naming where it is', async () => {
    const { result } = await runFake(fakeDrill({ steadyState: [{ type: 'flag', flag: 'app' }, { type: 'vibes' }] }));
    expect(result.errorKind).to.equal('invalid-input');
    expect(result.error).to.equal('fake.json: /steadyState/1: Unknown probe type "vibes".');
  });
});
