import { expect } from 'chai';
import { closeFakes, node } from '../../kit/fake-context.js';
import { fakeDrill, runFake, type World } from '../fake-drill.js';

/** The service flag goes down and up at these instants (ms from the start of the run). */
function flaps(w: World, changes: [number, boolean][]): void {
  w.flags.set('svc', true);
  for (const [at, up] of changes) w.fake.clock.setTimer(at, () => w.set('svc', up));
}

describe('phases/watchers: monitors and abort conditions', () => {
  afterEach(closeFakes);

  it('reports the longest stretch each monitor was failing, by probe name, in declaration order', async () => {
    const { result } = await runFake(
      fakeDrill({
        monitors: [
          { type: 'flag', flag: 'svc', name: 'service' },
          { type: 'flag', flag: 'app', name: 'app' },
        ],
        targets: { maxUnavailability: '15s' },
      }),
      {
        arrange: (w) =>
          flaps(w, [
            [2000, false],
            [14_000, true],
            [20_000, false],
            [25_000, true],
          ]),
      },
    );
    expect(Object.entries(result.timings.unavailability ?? {})).to.deep.equal([
      ['service', 12_000],
      // app is down from 10 s (the fault) to 30 s (the step): 20 s.
      ['app', 20_000],
    ]);
    expect(result.checks[0]).to.deep.include({ name: 'maxUnavailability', measured: 20_000, ok: false });
  });

  it('closes a stretch still failing when the drill ends, and does not count the rollback', async () => {
    const { result } = await runFake(
      fakeDrill({
        monitors: [{ type: 'flag', flag: 'svc' }],
        recovery: { mode: 'automatic', steps: [{ type: 'fake-step', fixes: 'app', takesMs: 40_000 }] },
      }),
      { arrange: (w) => flaps(w, [[5000, false]]) },
    );
    const verifyEnd = result.phases.find((p) => p.name === 'verify')!.endedAt!;
    expect(result.timings.unavailability).to.deep.equal({ flag: verifyEnd - result.startedAt - 5000 });
    expect(result.timings.stillUnavailable).to.deep.equal(['flag']);
  });

  it('a monitor still failing when the drill ends misses the target, reported as "at least" (issue 18)', async () => {
    const { result } = await runFake(
      fakeDrill({ monitors: [{ type: 'flag', flag: 'svc', name: 'svc' }], targets: { maxUnavailability: '5m' } }),
      { arrange: (w) => flaps(w, [[5000, false]]) },
    );
    expect(result.verdict).to.equal('fail');
    expect(result.checks[0]).to.deep.include({ name: 'maxUnavailability', measured: 25_000, atLeast: true, ok: false });
    expect(result.checks[0]!.message).to.equal(
      'unavailability at least 25s, still failing when the drill ended (svc; target 5m00s)',
    );
  });

  it('a monitor that recovered before the end is not "still failing"', async () => {
    const { result } = await runFake(fakeDrill({ monitors: [{ type: 'flag', flag: 'svc' }] }), {
      arrange: (w) =>
        flaps(w, [
          [5000, false],
          [8000, true],
        ]),
    });
    expect(result.timings).to.not.have.property('stillUnavailable');
  });

  it('stops the monitors before the rollback starts', async () => {
    const { world } = await runFake(fakeDrill({ monitors: [{ type: 'flag', flag: 'svc' }] }), {
      arrange: (w) => w.flags.set('svc', true),
    });
    expect(world.log.indexOf('probe stop svc')).to.be.lessThan(world.log.indexOf('revert a'));
  });

  it('rolls back even when a monitor fails to stop', async () => {
    const { result, world } = await runFake(
      fakeDrill({ monitors: [{ type: 'flag', flag: 'svc', stopThrows: true }] }),
      {
        arrange: (w) => w.flags.set('svc', true),
      },
    );
    expect(world.faultLog()).to.deep.equal(['inject a', 'revert a']);
    expect(result.verdict).to.equal('pass');
  });

  it('reports no unavailability for a drill without monitors', async () => {
    const { result } = await runFake(fakeDrill());
    expect(result.timings).to.not.have.property('unavailability');
  });

  it('an abort condition that holds changes nothing', async () => {
    const { result } = await runFake(fakeDrill({ abortWhen: [{ type: 'flag', flag: 'db' }] }), {
      arrange: (w) => w.flags.set('db', true),
    });
    expect(result.verdict).to.equal('pass');
  });

  it('an abort condition failing during detection stops the drill there and rolls back', async () => {
    const { result, world } = await runFake(
      fakeDrill({ abortWhen: [{ type: 'flag', flag: 'db' }], detect: [{ type: 'flag', flag: 'never' }] }),
      {
        arrange: (w) => {
          w.flags.set('db', true);
          w.fake.clock.setTimer(3000, () => w.set('db', false));
        },
      },
    );
    expect(result.verdict).to.equal('aborted');
    expect(result.phases.map((p) => p.name)).to.deep.equal([
      'preflight',
      'steady-state',
      'journal',
      'inject',
      'detect',
      'rollback',
    ]);
    expect(world.faultLog()).to.deep.equal(['inject a', 'revert a']);
    expect(world.log.some((l) => l.startsWith('step'))).to.equal(false);
  });

  it('a monitor and an abort condition defaulting to "the nodes the faults hit" watch the planned nodes (issue 18)', async () => {
    const { result } = await runFake(
      fakeDrill({
        faults: [{ type: 'fake-fault', id: 'a', breaks: 'app', lowerAfterMs: 10_000, nodes: ['w2'] }],
        monitors: [{ type: 'node-ready' }],
        abortWhen: [{ type: 'node-schedulable', nodes: { from: 'faults' } }],
        targets: { maxUnavailability: '0s' },
      }),
      {
        objects: { nodes: [node('w1'), node('w2', { ready: 'Unknown' })] },
        arrange: (w) => w.fake.clock.setTimer(15_000, () => w.fake.put('nodes', node('w2'))),
      },
    );
    expect(result.verdict, result.error).to.equal('fail');
    // w2 (the node the fault hit, not w1) is NotReady from the start of the watch until 15 s.
    expect(result.timings.unavailability).to.deep.equal({ 'node-ready': 15_000 });
  });
});
