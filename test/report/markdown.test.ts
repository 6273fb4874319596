import { expect } from 'chai';
import { markdown } from '../../src/report/markdown.js';
import { allFixtures, hostileChinese, META, passingHostCrash } from './fixtures.js';

/** Cells of a table row, splitting on pipes that are not escaped. */
function cells(row: string): string[] {
  return row
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

function summaryRows(md: string): string[][] {
  const lines = md.split('\n');
  const head = lines.findIndex((l) => l.startsWith('| Drill |'));
  const rows: string[][] = [];
  for (let i = head + 2; lines[i]?.startsWith('|'); i++) rows.push(cells(lines[i] ?? ''));
  return rows;
}

describe('markdown reporter', () => {
  it('starts with a summary table of drill, verdict, times, targets and notes', () => {
    const md = markdown.render(allFixtures(), META);
    expect(md).to.contain('| Drill | Verdict | Time to detect | Time to Ready | Target | Notes |');
    const rows = summaryRows(md);
    expect(rows).to.have.length(5);
    expect(rows[0]).to.deep.equal([
      'D1 Host crash (`d1-host-crash`)',
      '✅ PASS',
      '42s',
      '3m32s',
      'time-to-detect &lt;= 1m, time-to-Ready &lt;= 5m, time-to-recover &lt;= 10m',
      '-',
    ]);
    expect(rows[1]?.slice(1, 4)).to.deep.equal(['❌ FAIL', '41s', '6m12s']);
    expect(rows[1]?.[5]).to.equal('time-to-Ready 6m12s exceeds the target 5m');
    expect(rows[2]?.slice(1, 4)).to.deep.equal(['💥 ERROR', '-', '-']);
    expect(rows[3]?.[5]).to.contain('Stopped by SIGINT during recover.').and.to.contain('rollback failed');
  });

  it('keeps one cell per column when the input holds pipes and newlines', () => {
    const r = passingHostCrash();
    r.experiment.title = 'a | b\nc';
    const [row] = summaryRows(markdown.render([r], META));
    expect(row).to.have.length(6);
    expect(row?.[0]).to.equal('a \\| b c (`d1-host-crash`)');
  });

  it('has a section per experiment with its targets, steps and timeline', () => {
    const md = markdown.render([passingHostCrash()], META);
    expect(md).to.contain('## ✅ PASS D1 Host crash');
    expect(md).to.contain(
      '| time-to-Ready &lt;= 5m | 5m | 3m32s | ✅ met | time-to-Ready 3m32s within the target 5m |',
    );
    expect(md).to.contain(
      '| restart kubelet | `restart-service` | business | +0:45.900 | 500ms | ok | systemctl restart kubelet |',
    );
    expect(md).to.contain('```text\n     +0:00  phase    preflight\n');
    expect(md).to.contain('\n +0:02.500  fault    power off 10.128.38.8\n');
  });

  it('escapes markup from the input and keeps Chinese text', () => {
    const md = markdown.render([hostileChinese()], META);
    expect(md).not.to.contain('<script>alert');
    expect(md).to.contain('机房断电恢复 &lt;script&gt;alert("pwned")&lt;/script&gt;');
    expect(md).to.contain('Runbook: runbooks/轻舟云平台应急演练方案.md\\#机房断电恢复');
  });

  it('fences the timeline so backticks in it cannot close the block', () => {
    const r = passingHostCrash();
    r.timeline.push({ at: r.startedAt + 1, kind: 'note', text: 'ran ```rm -rf``` oops' });
    const md = markdown.render([r], META);
    expect(md).to.contain('````text\n');
  });
});
