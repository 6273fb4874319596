import { expect } from 'chai';
import { closeFakes } from '../../kit/fake-context.js';
import { fakeDrill, runFake } from '../fake-drill.js';

describe('phases/outcome: the verdict', () => {
  afterEach(closeFakes);

  it('takes the abort as the cause when the abort made a wait fail', async () => {
    const stop = new AbortController();
    const { result } = await runFake(fakeDrill({ detect: [{ type: 'flag', flag: 'never' }] }), {
      signal: stop.signal,
      arrange: (w) => w.fake.clock.setTimer(5000, () => stop.abort('SIGINT')),
    });
    expect(result).to.deep.include({ verdict: 'aborted', error: 'Interrupted (SIGINT).' });
    expect(result).to.not.have.property('errorKind');
    expect(result.timeline.map((t) => t.text)).to.include('stopped: Interrupted (SIGINT).');
  });

  it('marks the phase that stopped the drill with the error', async () => {
    const { result } = await runFake(fakeDrill(), { arrange: (w) => w.failInject.add('a') });
    expect(result.phases.find((p) => p.name === 'inject')).to.deep.include({ ok: false, error: 'a: the host refused' });
    expect(result.errorKind).to.equal('infrastructure');
  });

  it('checks no target of a drill stopped before its first fault: it measured nothing', async () => {
    const { result } = await runFake(fakeDrill({ timeouts: { steadyState: '1s' } }), {
      arrange: (w) => w.flags.set('app', false),
    });
    expect(result.checks).to.deep.equal([]);
  });

  it('checks the targets of a drill that failed after its first fault: what was not reached is missed', async () => {
    const { result } = await runFake(
      fakeDrill({ recovery: { mode: 'automatic', steps: [{ type: 'fake-step', fail: true }] } }),
    );
    expect(result.checks.map((c) => [c.name, c.ok])).to.deep.equal([
      ['timeToDetect', true],
      ['timeToReady', false],
    ]);
    expect(result.verdict).to.equal('error');
  });

  it('measures nothing in a dry run: no timings but the start-up, no checks', async () => {
    const { result } = await runFake(fakeDrill(), { dryRun: true });
    expect(Object.keys(result.timings)).to.deep.equal(['startupWallMs']);
    expect(result.checks).to.deep.equal([]);
    expect(result.dryRun).to.equal(true);
  });

  it('takes the data-safety measure a plugin left in the drill state', async () => {
    const dataSafety = {
      keysBeforeSnapshot: 100,
      minKeys: 100,
      lostBeforeSnapshot: 0,
      writtenAfterSnapshot: 1,
      lostAfterSnapshot: 1,
      lostKeys: [],
    };
    const steps = [{ type: 'fake-step', fixes: 'app', dataSafety }];
    const { result } = await runFake(
      fakeDrill({ recovery: { mode: 'automatic', steps }, targets: { noDataLoss: true } }),
    );
    expect(result.data).to.deep.equal(dataSafety);
    expect(result.checks[0]).to.deep.include({ name: 'noDataLoss', ok: true, measured: 0 });
  });

  it('spans the run on the target clock and keeps the wall time apart', async () => {
    const { result } = await runFake(fakeDrill());
    expect(result.endedAt - result.startedAt).to.equal(30_000);
    expect(result.clock).to.equal('virtual');
    expect(result.wallMs).to.be.a('number');
  });
});
