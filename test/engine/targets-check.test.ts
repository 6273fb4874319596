import { expect } from 'chai';
import { InvalidInputError } from '../../src/errors.js';
import { evaluateTargets } from '../../src/engine/targets-check.js';
import { describeMeasured } from '../../src/report/format.js';
import type { RunResult } from '../../src/report/result.js';

function result(o: Partial<RunResult> = {}): RunResult {
  return {
    experiment: { id: 'x', title: 'x', file: 'x.json', runbook: 'T', description: '', tags: [] },
    target: 'sim',
    seed: 1,
    dryRun: false,
    verdict: 'pass',
    clock: 'virtual',
    startedAt: 0,
    endedAt: 0,
    wallMs: 0,
    timings: {},
    checks: [],
    phases: [],
    faults: [],
    steps: [],
    probes: [],
    timeline: [],
    actions: [],
    rollback: { ok: true, reverted: [], errors: [] },
    ...o,
  };
}

describe('evaluateTargets', () => {
  it('declares nothing when the experiment has no targets', () => {
    expect(evaluateTargets(undefined, result({ timings: { timeToReady: 1 } }))).to.deep.equal([]);
  });

  it('passes a time within its target and fails one beyond it, inclusive at the limit', () => {
    const checks = evaluateTargets(
      { timeToDetect: '40s', timeToReady: '1m', timeToRecover: '1m' },
      result({ timings: { timeToDetect: 40_000, timeToReady: 60_001, timeToRecover: 59_000 } }),
    );
    expect(checks).to.deep.equal([
      {
        name: 'timeToDetect',
        allowed: 40_000,
        measured: 40_000,
        ok: true,
        message: 'time-to-detect 40s within the target 40s',
      },
      {
        name: 'timeToReady',
        allowed: 60_000,
        measured: 60_001,
        ok: false,
        message: 'time-to-Ready 1m00s exceeds the target 1m00s',
      },
      {
        name: 'timeToRecover',
        allowed: 60_000,
        measured: 59_000,
        ok: true,
        message: 'time-to-recover 59s within the target 1m00s',
      },
    ]);
  });

  it('misses a target whose time was never measured', () => {
    const [check] = evaluateTargets({ timeToReady: '5m' }, result());
    expect(check).to.deep.include({
      ok: false,
      measured: undefined,
      message: 'time-to-Ready was never reached (target 5m00s)',
    });
  });

  it('takes the worst monitor as the unavailability, and zero when no monitor failed', () => {
    const worst = evaluateTargets(
      { maxUnavailability: '10s' },
      result({ timings: { unavailability: { a: 3000, b: 12_000 } } }),
    );
    expect(worst[0]).to.deep.include({ measured: 12_000, ok: false });
    const none = evaluateTargets({ maxUnavailability: '0ms' }, result({ timings: {} }));
    expect(none[0]).to.deep.include({ measured: 0, ok: true, message: 'unavailability 0ms within the target 0ms' });
  });

  it('counts a monitor still failing at the end against the target, as "at least", however short (issue 18)', () => {
    const [check] = evaluateTargets(
      { maxUnavailability: '5m' },
      result({ verdict: 'fail', timings: { unavailability: { api: 40_000, db: 90_000 }, stillUnavailable: ['api'] } }),
    );
    expect(check).to.deep.equal({
      name: 'maxUnavailability',
      allowed: 300_000,
      measured: 40_000,
      atLeast: true,
      ok: false,
      message: 'unavailability at least 40s, still failing when the drill ended (api; target 5m00s)',
    });
    expect(describeMeasured(check!)).to.equal('at least 40s, still failing');
  });

  it('does not call unavailability measured when the run ended in error', () => {
    const [check] = evaluateTargets({ maxUnavailability: '1m' }, result({ verdict: 'error' }));
    expect(check).to.deep.include({ measured: undefined, ok: false });
  });

  it('checks data loss only where the drill measured it', () => {
    const unmeasured = evaluateTargets({ noDataLoss: true }, result());
    expect(unmeasured[0]).to.deep.include({
      ok: false,
      message: 'data safety was not measured (no snapshot and writer in this drill)',
    });
    const data = {
      keysBeforeSnapshot: 100,
      minKeys: 100,
      lostBeforeSnapshot: 0,
      writtenAfterSnapshot: 2,
      lostAfterSnapshot: 2,
      lostKeys: [],
    };
    const safe = evaluateTargets({ noDataLoss: true }, result({ data }));
    expect(safe[0]).to.deep.include({ ok: true, measured: 0 });
    expect(safe[0]?.message).to.contain('(2 written after it lost by design)');
    const lostKeys = [
      { key: '/gameday/writer/00000007-a', why: 'changed' as const },
      { key: '/gameday/writer/00000009-a', why: 'missing' as const },
    ];
    const lost = evaluateTargets({ noDataLoss: true }, result({ data: { ...data, lostBeforeSnapshot: 2, lostKeys } }));
    expect(lost[0]).to.deep.include({
      ok: false,
      measured: 2,
      message:
        '2 of 100 keys acknowledged before the snapshot are missing or changed after recovery: /gameday/writer/00000007-a (changed), /gameday/writer/00000009-a (missing)',
    });
    // A check of fewer keys than declared proves nothing: it fails even with none lost.
    const few = evaluateTargets({ noDataLoss: true }, result({ data: { ...data, keysBeforeSnapshot: 1 } }));
    expect(few[0]).to.deep.include({
      ok: false,
      measured: 0,
      message: 'only 1 key acknowledged before the snapshot checked, fewer than the 100 declared',
    });
  });

  it('checks in a fixed order whatever order the experiment declares them in', () => {
    const checks = evaluateTargets(
      { noDataLoss: true, maxUnavailability: '1s', timeToRecover: '1s', timeToReady: '1s', timeToDetect: '1s' },
      result(),
    );
    expect(checks.map((c) => c.name)).to.deep.equal([
      'timeToDetect',
      'timeToReady',
      'timeToRecover',
      'maxUnavailability',
      'noDataLoss',
    ]);
  });

  it('names the target whose duration cannot be read', () => {
    expect(() => evaluateTargets({ timeToReady: 'soon' }, result())).to.throw(
      InvalidInputError,
      'targets.timeToReady: expected a duration such as "30s", "5m", "1h30m" or "PT5M", got "soon".',
    );
  });
});
