import { expect } from 'chai';
import { summaryTable } from '../../src/report/summary-table.js';
import { allFixtures, failingPartition, passingHostCrash } from './fixtures.js';

const ANSI = /\u001b\[[0-9;]*m/;

describe('summaryTable', () => {
  it('has the columns drill, verdict, time-to-detect, time-to-Ready, target(s) and wall time', () => {
    const head = summaryTable(allFixtures(), { color: false }).split('\n')[1] ?? '';
    const columns = head
      .split('│')
      .map((c) => c.trim())
      .filter(Boolean);
    expect(columns).to.deep.equal(['drill', 'verdict', 'time-to-detect', 'time-to-Ready', 'target(s)', 'wall time']);
  });

  it('shows each drill with its times, targets and wall time, and marks a missed target', () => {
    const text = summaryTable([passingHostCrash(), failingPartition()], { color: false });
    const d1 = text.split('\n').find((l) => l.includes('d1-host-crash')) ?? '';
    expect(
      d1
        .split('│')
        .map((c) => c.trim())
        .filter(Boolean),
    ).to.deep.equal(['d1-host-crash', 'PASS', '42s', '3m32s', 'time-to-detect <= 1m', '412ms']);
    expect(text).to.contain('time-to-Ready <= 5m MISSED');
    expect(text).to.contain('6m12s');
  });

  it('calls a dry run PLANNED, not PASS, since it measured nothing', () => {
    const text = summaryTable([{ ...passingHostCrash(), dryRun: true }], { color: false });
    expect(text).to.contain('PLANNED (dry run)');
    expect(text).not.to.contain('PASS');
  });

  it('writes no escape codes when colour is off, so logs stay clean', () => {
    expect(summaryTable(allFixtures(), { color: false })).not.to.match(ANSI);
  });

  it('colours the verdicts when asked', () => {
    const text = summaryTable([passingHostCrash(), failingPartition()], { color: true });
    expect(text).to.contain('\u001b[32mPASS\u001b[0m');
    expect(text).to.contain('\u001b[31mFAIL\u001b[0m');
  });
});
