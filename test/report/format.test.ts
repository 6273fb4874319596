import { expect } from 'chai';
import { describeCheck, describeMeasured, formatOffset, formatTarget, notes } from '../../src/report/format.js';
import { deadline, marks } from '../../src/report/marks.js';
import { abortedGateway, erroredEtcd, passingHostCrash, T0 } from './fixtures.js';

describe('report formatting', () => {
  it('writes targets as an experiment would: 5m, 1m, 90s, 1h30m', () => {
    expect([300_000, 60_000, 90_000, 5_400_000, 3_600_000, 500].map(formatTarget)).to.deep.equal([
      '5m',
      '1m',
      '1m30s',
      '1h30m',
      '1h',
      '500ms',
    ]);
  });

  it('writes offsets from the start of the drill with milliseconds only when there are some', () => {
    expect([0, 2_500, 372_000, 3_723_004, -1_000].map(formatOffset)).to.deep.equal([
      '+0:00',
      '+0:02.500',
      '+6:12',
      '+1:02:03.004',
      '-0:01',
    ]);
  });

  it('names checks and their measurements in the runbook words', () => {
    const [detect] = passingHostCrash().checks;
    expect(detect && describeCheck(detect)).to.equal('time-to-detect <= 1m');
    const [, noLoss] = erroredEtcd().checks;
    expect(noLoss && [describeCheck(noLoss), describeMeasured(noLoss)]).to.deep.equal(['no data loss', 'not reached']);
  });

  it('notes the error and the failed rollback of a run', () => {
    expect(notes(abortedGateway())).to.deep.equal([
      'Stopped by SIGINT during recover.',
      'rollback failed: scale gateway-system/gateway-proxy to 2: connection refused',
    ]);
  });
});

describe('report marks', () => {
  it('derives injected, detected, recovery start and Ready instants from phases and timings', () => {
    expect(marks(passingHostCrash())).to.deep.equal({
      injectedAt: T0 + 2_500,
      recoveryStartedAt: T0 + 44_500,
      detectedAt: T0 + 44_500,
      readyAt: T0 + 256_500,
    });
  });

  it('leaves out what a run never reached', () => {
    expect(marks(erroredEtcd())).to.deep.equal({});
    expect(marks(abortedGateway())).to.not.have.property('readyAt');
  });

  it('anchors detect and recover targets at the fault and the Ready target at the start of recovery', () => {
    const r = passingHostCrash();
    const m = marks(r);
    expect(r.checks.map((c) => (deadline(c, m) ?? 0) - T0)).to.deep.equal([62_500, 344_500, 602_500]);
  });
});
