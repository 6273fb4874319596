import { expect } from 'chai';
import { Random } from '../../../src/engine/random.js';
import type { FaultItem } from '../../../src/experiment/types.js';
import { closeFakes } from '../../kit/fake-context.js';
import { fakeDrill, runFake } from '../fake-drill.js';

/** A drill whose recovery never ends by itself: it waits until the drill is aborted. */
const hanging = fakeDrill({ recovery: { mode: 'automatic', steps: [{ type: 'fake-step', hang: true }] } });

describe('phases/rollback: whatever ends the drill, every change is undone', () => {
  afterEach(closeFakes);

  it('after a pass: the fault is reverted, the steady state is back, the journal is finished', async () => {
    const { result, world, journal } = await runFake(fakeDrill());
    expect(result.verdict).to.equal('pass');
    expect(world.faultLog()).to.deep.equal(['inject a', 'revert a']);
    expect(result.rollback).to.deep.equal({ ok: true, reverted: ['fake-fault on business'], errors: [] });
    expect(result.timeline.filter((t) => t.kind === 'rollback').map((t) => t.text)).to.deep.equal([
      'reverted fake-fault',
      'steady state is back',
    ]);
    expect(journal?.data.state).to.equal('rolled-back');
  });

  it('after a missed target: verdict fail, and the fault is still reverted', async () => {
    const { result, world } = await runFake(fakeDrill({ targets: { timeToReady: '5s' } }));
    expect(result.verdict).to.equal('fail');
    expect(result.checks[0]?.message).to.equal('time-to-Ready 20s exceeds the target 5s');
    expect(world.faultLog()).to.deep.equal(['inject a', 'revert a']);
    expect(result.rollback.ok).to.equal(true);
  });

  it('after a timeout: the verify phase fails with what it waited for, and the fault is reverted', async () => {
    const { result, world } = await runFake(
      fakeDrill({ recovery: { mode: 'self-heal' }, timeouts: { recover: '2m' } }),
    );
    expect(result.verdict).to.equal('fail');
    expect(result.error).to.equal('Ready not reached within 2m00s: app is up (now: app=false).');
    expect(result.phases.find((p) => p.name === 'verify')).to.deep.include({ ok: false, error: result.error });
    expect(world.faultLog()).to.deep.equal(['inject a', 'revert a']);
    expect(result.rollback.ok).to.equal(true);
  });

  it('after an exception in a step: verdict error (infrastructure), the recover phase failed, the fault reverted', async () => {
    const { result, world } = await runFake(
      fakeDrill({ recovery: { mode: 'automatic', steps: [{ type: 'fake-step', fail: true }] } }),
    );
    expect(result).to.deep.include({ verdict: 'error', errorKind: 'infrastructure', error: 'the step failed' });
    expect(result.phases.find((p) => p.name === 'recover')).to.deep.include({ ok: false, error: 'the step failed' });
    expect(world.faultLog()).to.deep.equal(['inject a', 'revert a']);
  });

  it('after an injection that throws: the half-applied fault is reverted too', async () => {
    const { result, world, journal } = await runFake(fakeDrill(), { arrange: (w) => w.failInject.add('a') });
    expect(result).to.deep.include({ verdict: 'error', error: 'a: the host refused' });
    expect(result.faults[0]).to.deep.include({ ok: false, error: 'a: the host refused' });
    expect(world.faultLog()).to.deep.equal(['inject a', 'revert a']);
    expect(journal?.data.faults[0]?.status).to.equal('reverted');
  });

  it('after the abort signal during recovery: verdict aborted, the fault reverted at once', async () => {
    const stop = new AbortController();
    const { result, world } = await runFake(hanging, {
      signal: stop.signal,
      arrange: (w) => w.fake.clock.setTimer(60_000, () => stop.abort('SIGTERM')),
    });
    expect(result).to.deep.include({ verdict: 'aborted', error: 'Interrupted (SIGTERM).' });
    expect(result.phases.find((p) => p.name === 'recover')).to.deep.include({ ok: false });
    expect(world.faultLog()).to.deep.equal(['inject a', 'revert a']);
    const rollbackAt = result.phases.find((p) => p.name === 'rollback')!.startedAt;
    expect(rollbackAt - result.startedAt).to.equal(60_000);
  });

  it('on a signal while the verify probes are still starting, the rollback starts at once (issue 15 item 11)', async () => {
    const stop = new AbortController();
    const { result, world, journal } = await runFake(
      fakeDrill({ verify: [{ type: 'flag', flag: 'app', hangStart: true }] }),
      {
        signal: stop.signal,
        arrange: (w) => w.fake.clock.setTimer(30_000, () => stop.abort('SIGTERM')),
      },
    );
    expect(result).to.deep.include({ verdict: 'aborted', error: 'Interrupted (SIGTERM).' });
    expect(result.phases.find((p) => p.name === 'rollback')!.startedAt - result.startedAt).to.equal(30_000);
    expect(world.faultLog()).to.deep.equal(['inject a', 'revert a']);
    expect(result.rollback).to.deep.equal({ ok: true, reverted: ['fake-fault on business'], errors: [] });
    expect(journal?.data.state).to.equal('rolled-back');
    world.release();
  });

  it('a fault stuck in its own code when the drill stops is reverted at once, and can change nothing when it wakes', async () => {
    const stop = new AbortController();
    const { result, world } = await runFake(
      fakeDrill({ faults: [{ type: 'fake-fault', id: 'a', breaks: 'app', hangInject: true }] }),
      {
        signal: stop.signal,
        arrange: (w) => w.fake.clock.setTimer(10_000, () => stop.abort('SIGINT')),
      },
    );
    expect(result.verdict).to.equal('aborted');
    expect(result.phases.find((p) => p.name === 'rollback')!.startedAt - result.startedAt).to.equal(10_000);
    expect(world.faultLog()).to.deep.equal(['inject a', 'revert a']);
    world.release();
    await new Promise((r) => setTimeout(r, 10));
    // Its host call after the stop was refused: the flag stays up, the host was never frozen.
    expect(world.fake.calls).not.to.include('freeze pause a');
    expect(world.flags.get('app')).to.equal(true);
  });

  it('a host call under way when the drill stops is waited for, then its fault is reverted again', async () => {
    const stop = new AbortController();
    const { result, world, journal } = await runFake(
      fakeDrill({ faults: [{ type: 'fake-fault', id: 'a', breaks: 'app', hangHost: true }] }),
      {
        signal: stop.signal,
        arrange: (w) => {
          w.fake.clock.setTimer(10_000, () => stop.abort('SIGTERM'));
          // The ssh answers 20 s after the stop: its change lands after the first revert.
          w.fake.clock.setTimer(30_000, () => w.release());
        },
      },
    );
    expect(result.verdict).to.equal('aborted');
    expect(world.faultLog()).to.deep.equal(['inject a', 'revert a', 'revert a']);
    expect(world.flags.get('app')).to.equal(true);
    expect(result.rollback.ok).to.equal(true);
    expect(journal?.data.state).to.equal('rolled-back');
  });

  it('a host call that never ends leaves the journal unfinished and says so, instead of waiting for ever', async () => {
    const stop = new AbortController();
    const { result, world, journal } = await runFake(
      fakeDrill({ faults: [{ type: 'fake-fault', id: 'a', breaks: 'app', hangHost: true }] }),
      { signal: stop.signal, arrange: (w) => w.fake.clock.setTimer(10_000, () => stop.abort('SIGTERM')) },
    );
    expect(result.rollback.ok).to.equal(false);
    expect(result.rollback.errors).to.deep.equal([
      `freeze a pause was still under way when the drill stopped and did not end within 60s: run \`gameday rollback ${journal!.path}\` once it has`,
    ]);
    expect(journal?.data.state).to.equal('rollback-incomplete');
    world.release();
  });

  it('after an abort condition: verdict aborted naming the condition, and the fault reverted', async () => {
    const { result, world } = await runFake(fakeDrill({ ...hanging, abortWhen: [{ type: 'flag', flag: 'db' }] }), {
      arrange: (w) => {
        w.flags.set('db', true);
        w.fake.clock.setTimer(45_000, () => w.set('db', false));
      },
    });
    expect(result.verdict).to.equal('aborted');
    expect(result.error).to.equal('Abort condition failed: db is up (observed: db=false).');
    expect(world.faultLog()).to.deep.equal(['inject a', 'revert a']);
  });

  it('after an abort before the drill started: nothing is injected and no phase runs but the rollback', async () => {
    const stop = new AbortController();
    stop.abort('SIGINT');
    const { result, world, journal } = await runFake(fakeDrill(), { signal: stop.signal });
    expect(result.verdict).to.equal('aborted');
    expect(result.phases.map((p) => p.name)).to.deep.equal(['rollback']);
    expect(world.faultLog()).to.deep.equal([]);
    expect(journal).to.equal(undefined);
    expect(result.checks).to.deep.equal([]);
  });

  it('a revert that throws: the others are still reverted, newest first, and the rollback is incomplete', async () => {
    const faults: FaultItem[] = ['a', 'b', 'c'].map((id) => ({ type: 'fake-fault', id, breaks: id }));
    const { result, world, journal } = await runFake(
      fakeDrill({ faults, blastRadius: { maxNodes: 3 }, steadyState: [], detect: [], targets: {} }),
      { arrange: (w) => w.failRevert.set('b', 1) },
    );
    expect(world.faultLog()).to.deep.equal(['inject a', 'inject b', 'inject c', 'revert c', 'revert b', 'revert a']);
    expect(result.rollback).to.deep.equal({
      ok: false,
      reverted: ['fake-fault on business', 'fake-fault on business'],
      errors: ['fake-fault on business: b: the API did not answer'],
    });
    expect(result.verdict).to.equal('error');
    expect(result.error).to.equal('rollback incomplete: fake-fault on business: b: the API did not answer');
    expect(journal?.data.state).to.equal('rollback-incomplete');
    expect(journal?.data.faults.map((f) => f.status)).to.deep.equal(['reverted', 'revert-failed', 'reverted']);
  });

  it('a failed revert is not waited for: the settle check is skipped and the run ends at once', async () => {
    const { result } = await runFake(fakeDrill(), { arrange: (w) => w.failRevert.set('a', 1) });
    expect(result.timeline.some((t) => t.text === 'steady state is back')).to.equal(false);
    expect(result.endedAt - result.phases.find((p) => p.name === 'rollback')!.startedAt).to.equal(0);
  });

  it('a steady state that does not come back after the rollback fails the rollback, naming the probe', async () => {
    const { result } = await runFake(
      fakeDrill({
        steadyState: [
          { type: 'flag', flag: 'app' },
          { type: 'flag', flag: 'disk' },
        ],
      }),
      {
        arrange: (w) => {
          w.flags.set('disk', true);
          // Something the faults did not do breaks the disk during the drill: rollback cannot repair it.
          w.fake.clock.setTimer(15_000, () => w.set('disk', false));
        },
      },
    );
    expect(result.rollback.ok).to.equal(false);
    expect(result.rollback.errors).to.deep.equal(['the steady state did not come back: disk is up (now: disk=false)']);
    expect(result.verdict).to.equal('error');
  });

  it('keeps the faults of a drill that ran to its end and asks to (a missed target too), not of one stopped early', async () => {
    const keep = fakeDrill({ rollback: { revertFaults: false }, steadyState: [] });
    expect((await runFake(keep)).world.faultLog()).to.deep.equal(['inject a']);
    const failing = { ...keep, targets: { timeToReady: '1s' } };
    expect((await runFake(failing)).world.faultLog()).to.deep.equal(['inject a']);
    const broken = { ...keep, recovery: { mode: 'automatic' as const, steps: [{ type: 'fake-step', fail: true }] } };
    expect((await runFake(broken)).world.faultLog()).to.deep.equal(['inject a', 'revert a']);
  });

  it('property: any mix of injections that succeed or fail reverts exactly what was touched, newest first', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = new Random(seed);
      const n = 1 + random.int(4);
      const ids = 'abcd'.slice(0, n).split('');
      const failing = ids.filter(() => random.next() < 0.3);
      const badReverts = ids.filter(() => random.next() < 0.2);
      const sequence = random.next() < 0.5;
      const faults: FaultItem[] = ids.map((id) => ({ type: 'fake-fault', id, breaks: id, nodes: [`n-${id}`] }));
      const { result, world, journal } = await runFake(
        fakeDrill({
          faults,
          faultMode: sequence ? 'sequence' : 'parallel',
          blastRadius: { maxNodes: 4 },
          steadyState: [],
          detect: [],
          recovery: { mode: 'self-heal' },
          verify: [],
          targets: {},
        }),
        {
          arrange: (w) => {
            for (const id of failing) w.failInject.add(id);
            for (const id of badReverts) w.failRevert.set(id, 1);
          },
        },
      );
      // Sequence mode stops at the first failure; parallel mode started them all.
      const firstFail = failing.length ? ids.indexOf(failing[0]!) : ids.length - 1;
      const touched = sequence ? ids.slice(0, firstFail + 1) : ids;
      const why = `seed ${seed}: ${sequence ? 'sequence' : 'parallel'} ${ids.join('')}, failing ${failing.join('')}, bad reverts ${badReverts.join('')}`;
      expect(world.faultLog(), why).to.deep.equal([
        ...touched.map((id) => `inject ${id}`),
        ...[...touched].reverse().map((id) => `revert ${id}`),
      ]);
      const revertFailed = touched.filter((id) => badReverts.includes(id));
      expect(result.rollback.ok, why).to.equal(revertFailed.length === 0);
      expect(result.rollback.reverted, why).to.have.length(touched.length - revertFailed.length);
      expect(
        journal?.data.faults.map((f) => f.status),
        why,
      ).to.deep.equal(
        ids.map((id) => (!touched.includes(id) ? 'planned' : revertFailed.includes(id) ? 'revert-failed' : 'reverted')),
      );
      expect(result.verdict, why).to.equal(failing.length || revertFailed.length ? 'error' : 'pass');
    }
  });
});
