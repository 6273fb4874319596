import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { VirtualClock, VIRTUAL_EPOCH } from '../../src/engine/clock.js';
import { InvalidInputError } from '../../src/errors.js';
import { judgeDiagnosis } from '../../src/practice/diagnosis.js';
import { buildReport, formatReport } from '../../src/practice/practice-report.js';
import {
  acknowledge,
  diagnose,
  markEnded,
  markInjected,
  newState,
  recordApi,
  recordShell,
  sessionNow,
  takeHint,
  type PracticeState,
} from '../../src/practice/session-state.js';
import { findSession, SessionStore } from '../../src/practice/session-store.js';
import { injectDelayOf } from '../../src/practice/session.js';

function d6(clock: VirtualClock): PracticeState {
  const s = newState({
    id: 'd6-test',
    experiment: {
      id: 'd6-kubelet-stopped',
      title: 'Kubelet stopped',
      file: 'experiments/d6-kubelet-stopped.json',
      runbook: 'D6 节点组件异常 (node component failure)',
    },
    target: 'sim',
    cluster: 'business',
    now: clock.now(),
    wallNow: 1_000_000,
    speed: 1,
    mode: 'virtual',
    targets: { acknowledge: 60_000, recover: 180_000 },
  });
  s.hints = [
    'Restart kubelet on the node: `systemctl restart kubelet`.',
    'Check the node is Ready: `kubectl get node`.',
  ];
  return s;
}

describe('the practice session', () => {
  let clock: VirtualClock;
  beforeEach(() => {
    clock = new VirtualClock();
  });
  afterEach(() => clock.close());

  it('times acknowledge, diagnose and recover from the injection on the session clock', async () => {
    const s = d6(clock);
    await clock.sleep(42_000);
    markInjected(s, clock.now(), [{ type: 'stop-kubelet', hit: ['10.128.38.8'] }]);
    await clock.sleep(50_000);
    expect(acknowledge(s, clock.now(), 'ack')).to.deep.equal({ first: true, before: false });
    await clock.sleep(5_000);
    expect(acknowledge(s, clock.now(), 'ack').first).to.equal(false);
    await clock.sleep(25_000);
    expect(diagnose(s, clock.now(), 'kubelet stopped on 10.128.38.8').correct).to.equal(true);
    await clock.sleep(40_000);
    markEnded(s, clock.now(), { status: 'recovered', recoveredAt: clock.now() });
    const r = buildReport(s);
    expect(r.timings).to.deep.equal([
      { name: 'acknowledge', ms: 50_000, targetMs: 60_000, met: true },
      { name: 'diagnose', ms: 80_000 },
      { name: 'recover', ms: 120_000, targetMs: 180_000, met: true },
    ]);
    expect(r.score).to.deep.equal({ score: 100, deductions: [] });
  });

  it('reports a wrong diagnosis as wrong, and counts it and the hints in the score', async () => {
    const s = d6(clock);
    markInjected(s, clock.now(), [{ type: 'stop-kubelet' }]);
    await clock.sleep(70_000);
    const wrong = diagnose(s, clock.now(), 'the node lost its network');
    expect(wrong).to.include({ correct: false, matched: 'none' });
    expect(wrong.message).to.match(/^Wrong/);
    expect(s.ack).to.deep.equal({ at: VIRTUAL_EPOCH + 70_000, by: 'diagnose' });
    const h1 = takeHint(s, clock.now());
    expect(h1.message).to.equal('Runbook step 1/2: Restart kubelet on the node: `systemctl restart kubelet`.');
    takeHint(s, clock.now());
    expect(takeHint(s, clock.now()).message).to.equal('No more hints: all 2 runbook steps are shown.');
    expect(s.hintsUsed).to.equal(2);
    await clock.sleep(300_000);
    markEnded(s, clock.now(), { status: 'gave-up', error: 'Interrupted (SIGINT).' });
    const r = buildReport(s);
    expect(r.wrongDiagnoses).to.equal(1);
    expect(r.diagnoses).to.deep.equal([{ afterMs: 70_000, guess: 'the node lost its network', correct: false }]);
    expect(r.timings[0]).to.deep.equal({ name: 'acknowledge', ms: 70_000, targetMs: 60_000, met: false });
    expect(r.score.deductions).to.deep.equal([
      '-50 not recovered',
      '-20 fault never named correctly',
      '-5 1 wrong diagnosis',
      '-5 acknowledged after the 1m00s target',
      '-10 2 hints used',
    ]);
    expect(r.score.score).to.equal(10);
    const text = formatReport(r);
    expect(text).to.contain('time to acknowledge    1m10s   (target 1m00s ✗ missed)');
    expect(text).to.contain('diagnosis "the node lost its network": wrong');
  });

  it('counts the first node-shell command after the alert as the acknowledgement, and none before', async () => {
    const s = d6(clock);
    recordShell(s, clock.now(), '10.128.38.8', 'uptime', 0);
    expect(s.ack).to.equal(undefined);
    markInjected(s, clock.now(), [{ type: 'stop-kubelet' }]);
    await clock.sleep(30_000);
    recordApi(s, clock.now(), 'deployment x: replicas 0 -> 2', 'gameday');
    expect(s.ack).to.equal(undefined);
    await clock.sleep(3_000);
    recordShell(s, clock.now(), '10.128.38.8', 'systemctl status kubelet', 3);
    expect(s.ack).to.deep.equal({ at: VIRTUAL_EPOCH + 33_000, by: 'shell' });
    expect(s.transcript.filter((e) => e.kind === 'shell').map((e) => e.text)).to.deep.equal([
      'uptime',
      'systemctl status kubelet',
    ]);
  });

  it('gives no hint and takes no diagnosis before a fault is injected', () => {
    const s = d6(clock);
    expect(takeHint(s, clock.now()).hint).to.equal(undefined);
    expect(diagnose(s, clock.now(), 'kubelet').message).to.equal('Wrong: nothing has been injected yet.');
    expect(s.hintsUsed).to.equal(0);
  });

  it('computes "now" on the session clock from another process\'s wall clock, sped up', () => {
    const s = d6(clock);
    s.clock = { wallAt: 1_000, clockAt: 50_000, speed: 10, mode: 'real' };
    expect(sessionNow(s, 3_000)).to.equal(70_000);
  });

  it('picks the injection moment from the seed within the bounds', () => {
    const a = injectDelayOf(7, { minMs: 30_000, maxMs: 300_000 });
    expect(a).to.equal(injectDelayOf(7, { minMs: 30_000, maxMs: 300_000 }));
    expect(a).to.be.within(30_000, 300_000);
    expect(injectDelayOf(7, { minMs: 5_000, maxMs: 5_000 })).to.equal(5_000);
  });
});

describe('diagnosis checking', () => {
  const D6 = 'D6 节点组件异常 (node component failure)';
  const D11 = 'D11 GatewayProxy 故障恢复';
  it("accepts the fault in people's words, its type, or the runbook section", () => {
    expect(judgeDiagnosis('kubelet is stopped', [{ type: 'stop-kubelet' }], D6).matched).to.equal('fault');
    expect(judgeDiagnosis('stop-kubelet', [{ type: 'stop-kubelet' }], D6).correct).to.equal(true);
    expect(judgeDiagnosis('gateway-proxy scaled to zero', [{ type: 'scale-workload' }], D11).matched).to.equal('fault');
    expect(judgeDiagnosis('d11', [{ type: 'scale-workload' }], D11).matched).to.equal('section');
  });
  it('rejects a different fault and calls a guess that fits several faults too vague', () => {
    expect(judgeDiagnosis('docker is down', [{ type: 'stop-kubelet' }], D6).correct).to.equal(false);
    expect(judgeDiagnosis('D5', [{ type: 'stop-kubelet' }], D6).correct).to.equal(false);
    const vague = judgeDiagnosis('kubelet or docker', [{ type: 'stop-kubelet' }], D6);
    expect(vague.correct).to.equal(false);
    expect(vague.message).to.match(/^Too vague/);
  });
});

describe('the session file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gameday-practice-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('applies changes under a lock and finds the active session', () => {
    const clock = new VirtualClock();
    const store = new SessionStore(dir, 'd6-test');
    store.create(d6(clock));
    store.update((s) => markInjected(s, clock.now(), [{ type: 'stop-kubelet' }]));
    const found = findSession(dir);
    expect(found.id).to.equal('d6-test');
    expect(found.update((s) => diagnose(s, clock.now(), 'kubelet').correct)).to.equal(true);
    expect(store.read().diagnoses).to.have.length(1);
    clock.close();
  });

  it('breaks a lock left by a dead process', () => {
    const clock = new VirtualClock();
    const store = new SessionStore(dir, 's');
    store.create(d6(clock));
    writeFileSync(`${store.path}.lock`, '');
    const old = new Date(Date.now() - 60_000);
    // An old modification time makes the lock look abandoned.
    utimesSync(`${store.path}.lock`, old, old);
    store.update((s) => {
      s.hintsUsed = 1;
    });
    expect(store.read().hintsUsed).to.equal(1);
    clock.close();
  });

  it('says there is no session, and how to start one', () => {
    expect(() => findSession(dir)).to.throw(InvalidInputError, /gameday practice <experiment>/);
  });
});
