import { expect } from 'chai';
import { closeFakes } from '../../kit/fake-context.js';
import { fakeDrill, runFake } from '../fake-drill.js';

describe('phases/recover', () => {
  afterEach(closeFakes);

  it('starts after the recovery delay, and time-to-Ready counts from there', async () => {
    const { result } = await runFake(fakeDrill({ recovery: { ...fakeDrill().recovery, delay: '2m' } }));
    const recover = result.phases.find((p) => p.name === 'recover')!;
    const detect = result.phases.find((p) => p.name === 'detect')!;
    expect(recover.startedAt - detect.startedAt).to.equal(10_000 + 120_000);
    expect(result.timings.timeToReady).to.equal(20_000);
    expect(result.timings.timeToRecover).to.equal(150_000);
  });

  it('runs the steps in order, each recorded with its name, description and times', async () => {
    const { result, world } = await runFake(
      fakeDrill({
        recovery: {
          mode: 'automatic',
          steps: [
            { type: 'fake-step', takesMs: 5000, name: 'first' },
            { type: 'fake-step', fixes: 'app', takesMs: 1000 },
          ],
        },
      }),
    );
    expect(world.log.filter((l) => l.startsWith('step'))).to.deep.equal(['step nothing', 'step app']);
    expect(result.steps.map((s) => [s.name, s.ok, s.endedAt! - s.startedAt!])).to.deep.equal([
      ['first', true, 5000],
      ['fake-step', true, 1000],
    ]);
    expect(result.steps[0]?.description).to.equal('fake step {"takesMs":5000}');
    expect(result.timings.timeToReady).to.equal(6000);
  });

  it('goes on after a failing step that says continueOnError, and stops after one that does not', async () => {
    const steps = [
      { type: 'fake-step', fail: true, continueOnError: true },
      { type: 'fake-step', fixes: 'app' },
    ];
    const going = await runFake(fakeDrill({ recovery: { mode: 'automatic', steps } }));
    expect(going.result.verdict).to.equal('pass');
    expect(going.result.steps.map((s) => [s.ok, s.error])).to.deep.equal([
      [false, 'the step failed'],
      [true, undefined],
    ]);
    expect(going.result.timeline.map((t) => t.text)).to.include('fake-step failed: the step failed');
    const stopping = await runFake(
      fakeDrill({ recovery: { mode: 'automatic', steps: [{ ...steps[0]!, continueOnError: false }, steps[1]!] } }),
    );
    expect(stopping.result.verdict).to.equal('error');
    expect(stopping.result.steps).to.have.length(1);
  });

  it('names the step whose input is wrong by its JSON path', async () => {
    const { result } = await runFake(
      fakeDrill({ recovery: { mode: 'automatic', steps: [{ type: 'cordon', nodes: { from: 'faults' } }] } }),
    );
    expect(result.errorKind).to.equal('invalid-input');
    expect(result.error).to.equal(
      'fake.json: /recovery/steps/0: business: "from": "faults" selects no node: no fault of this drill hit a node.',
    );
  });

  it('in manual mode shows a person the steps and times them until the verification passes', async () => {
    const { result, world, progress } = await runFake(
      fakeDrill({ recovery: { mode: 'manual', steps: [{ type: 'fake-step', fixes: 'app' }] } }),
      { arrange: (w) => w.fake.clock.setTimer(200_000, () => w.set('app', true)) },
    );
    expect(progress.filter((p) => p.type === 'manual')).to.deep.equal([
      { type: 'manual', experiment: 'fake-drill', steps: ['1. fake step {"fixes":"app"}'] },
    ]);
    expect(world.log).to.not.include('step app');
    expect(result.timings.timeToReady).to.equal(200_000 - 10_000);
  });

  it('in self-heal mode does nothing and waits, within the recover budget', async () => {
    const { result, world } = await runFake(fakeDrill({ recovery: { mode: 'self-heal' } }), {
      arrange: (w) => w.fake.clock.setTimer(100_000, () => w.set('app', true)),
    });
    expect(result.timeline.map((t) => t.text)).to.include('self-heal: no action, waiting for Kubernetes to recover');
    expect(world.log.some((l) => l.startsWith('step'))).to.equal(false);
    expect(result.timings.timeToReady).to.equal(90_000);
  });

  it('stops automatic steps that run past timeouts.recover: a failure, rolled back (issue 18)', async () => {
    const { result, world } = await runFake(
      fakeDrill({
        timeouts: { recover: '1m' },
        recovery: { mode: 'automatic', steps: [{ type: 'fake-step', fixes: 'app', takesMs: 120_000 }] },
      }),
    );
    expect(result.verdict).to.equal('fail');
    expect(result.error).to.equal('the recovery steps did not finish within 1m00s (timeouts.recover).');
    expect(result.phases.find((p) => p.name === 'recover')).to.deep.include({ ok: false });
    expect(world.faultLog()).to.deep.equal(['inject a', 'revert a']);
    expect(world.flags.get('app')).to.equal(true);
  });

  it('lets automatic steps that finish in time run as before: the deadline leaves no trace', async () => {
    const { result } = await runFake(fakeDrill({ timeouts: { recover: '1m' } }));
    expect(result.verdict).to.equal('pass');
    expect(result.timings.timeToReady).to.equal(20_000);
  });
});
