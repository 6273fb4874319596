import { expect } from 'chai';
import { closeFakes } from '../../kit/fake-context.js';
import { World, fakeDrill, runFake } from '../fake-drill.js';

describe('phases/verify', () => {
  afterEach(closeFakes);

  it('starts watching when the recovery starts, before its first step ends', async () => {
    const { world } = await runFake(fakeDrill({ verify: [{ type: 'flag', flag: 'ok' }] }), {
      arrange: (w) => w.flags.set('ok', true),
    });
    expect(world.log.indexOf('probe start ok')).to.be.lessThan(world.log.indexOf('step app'));
  });

  it('gives automatic recovery the verify budget and a person the (longer) recover budget', async () => {
    const timeouts = { verify: '1m', recover: '10m' };
    const targets = {};
    const late = (w: World): void => {
      w.fake.clock.setTimer(5 * 60_000, () => w.set('app', true));
    };
    const automatic = await runFake(
      fakeDrill({ timeouts, targets, recovery: { mode: 'automatic', steps: [{ type: 'fake-step' }] } }),
      { arrange: late },
    );
    expect(automatic.result.error).to.match(/^Ready not reached within 1m00s/);
    const manual = await runFake(
      fakeDrill({ timeouts, targets, recovery: { mode: 'manual', steps: [{ type: 'fake-step' }] } }),
      {
        arrange: late,
      },
    );
    expect(manual.result.verdict).to.equal('pass');
  });

  it('records what the verify probes saw last, even when the recovery failed', async () => {
    const { result } = await runFake(
      fakeDrill({ recovery: { mode: 'automatic', steps: [{ type: 'fake-step', fail: true }] } }),
    );
    expect(result.probes.filter((p) => p.phase === 'verify').map((p) => [p.ok, p.observed])).to.deep.equal([
      [false, 'app=false'],
    ]);
  });

  it('names an unknown verify probe by its path, and still rolls back', async () => {
    const { result, world } = await runFake(fakeDrill({ verify: [{ type: 'flag', flag: 'app' }, { type: 'nope' }] }));
    expect(result.error).to.equal('fake.json: /verify/1: Unknown probe type "nope".');
    expect(world.faultLog()).to.deep.equal(['inject a', 'revert a']);
  });

  describe('timeouts mean what they say in manual and self-heal modes (issue 18)', () => {
    const upAt = (ms: number) => (w: World) => {
      w.fake.clock.setTimer(ms, () => w.set('app', true));
    };
    const drill = (mode: 'manual' | 'self-heal', timeouts: Record<string, string>) =>
      fakeDrill({
        timeouts,
        targets: {},
        recovery: mode === 'manual' ? { mode, steps: [{ type: 'fake-step' }] } : { mode },
      });

    it('timeouts.verify alone is the whole wait for Ready', async () => {
      for (const mode of ['manual', 'self-heal'] as const) {
        const { result } = await runFake(drill(mode, { verify: '40s' }), { arrange: upAt(5 * 60_000) });
        expect(result.verdict, mode).to.equal('fail');
        expect(result.error, mode).to.match(/^Ready not reached within 40s:/);
      }
    });

    it("without timeouts the wait is recover's default, 20 minutes", async () => {
      const inTime = await runFake(drill('self-heal', {}), { arrange: upAt(19 * 60_000) });
      expect(inTime.result.verdict).to.equal('pass');
      const late = await runFake(drill('self-heal', {}), { arrange: upAt(21 * 60_000) });
      expect(late.result.error).to.match(/^Ready not reached within 20m00s/);
    });

    it('recover and verify together: the person has recover, then the cluster has verify', async () => {
      const { result } = await runFake(drill('manual', { recover: '10m', verify: '1m' }), {
        arrange: upAt(10 * 60_000 + 30_000),
      });
      expect(result.verdict).to.equal('pass');
      const late = await runFake(drill('manual', { recover: '10m', verify: '1m' }), {
        arrange: upAt(11 * 60_000 + 30_000),
      });
      expect(late.result.error).to.match(/^Ready not reached within 11m00s/);
    });
  });
});
