import { expect } from 'chai';
import { closeFakes } from '../../kit/fake-context.js';
import { fakeDrill, runFake } from '../fake-drill.js';

describe('phases/detect', () => {
  afterEach(closeFakes);

  it('measures time-to-detect from the first injection to every detect probe passing', async () => {
    const { result } = await runFake(fakeDrill());
    expect(result.timings.timeToDetect).to.equal(10_000);
    expect(result.timeline.map((t) => t.text)).to.include('detected after 10s');
    expect(result.probes.filter((p) => p.phase === 'detect').map((p) => [p.ok, p.observed])).to.deep.equal([
      [true, 'app=false'],
    ]);
  });

  it('goes on to recover when detection never comes: the phase fails and the target is missed', async () => {
    const { result, world } = await runFake(
      fakeDrill({
        faults: [{ type: 'fake-fault', id: 'a' }],
        timeouts: { detect: '1m' },
        detect: [{ type: 'flag', flag: 'alarm' }],
      }),
    );
    expect(result.phases.find((p) => p.name === 'detect')).to.deep.include({
      ok: false,
      error: 'detection not reached within 1m00s: alarm is up (now: alarm=false).',
    });
    expect(result.phases.map((p) => p.name)).to.include('verify');
    expect(world.log).to.include('step app');
    expect(result.verdict).to.equal('fail');
    expect(result.checks.find((c) => c.name === 'timeToDetect')?.message).to.equal(
      'time-to-detect was never reached (target 1m00s)',
    );
  });

  it('measures nothing when the drill declares no detection', async () => {
    const { result } = await runFake(fakeDrill({ detect: [], targets: {} }));
    expect(result.timings).to.not.have.property('timeToDetect');
    expect(result.verdict).to.equal('pass');
  });
});
