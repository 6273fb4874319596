import { expect } from 'chai';
import { junit } from '../../src/report/junit.js';
import {
  abortedGateway,
  allFixtures,
  erroredEtcd,
  failingPartition,
  hostileChinese,
  META,
  passingHostCrash,
} from './fixtures.js';
import { childElements, parseXml, textOf, type XmlElement } from './xml.js';

function suites(xml: string): XmlElement[] {
  return childElements(parseXml(xml), 'testsuite');
}

function suite(xml: string, id: string): XmlElement {
  const found = suites(xml).find((s) => s.attrs['name'] === id);
  if (!found) throw new Error(`no testsuite ${id}`);
  return found;
}

function counts(el: XmlElement): Record<string, string | undefined> {
  const { tests, failures, errors, skipped } = el.attrs;
  return { tests, failures, errors, skipped };
}

function outcome(tc: XmlElement): XmlElement | undefined {
  return childElements(tc).find((c) => ['failure', 'error', 'skipped'].includes(c.name));
}

describe('junit reporter', () => {
  it('writes well-formed XML with one testsuite per experiment under a testsuites root', () => {
    const xml = junit.render(allFixtures(), META);
    const root = parseXml(xml);
    expect(root.name).to.equal('testsuites');
    expect(suites(xml).map((s) => s.attrs['name'])).to.deep.equal([
      'd1-host-crash',
      'd5-node-unreachable',
      'd4b-etcd-two-members-down',
      'd11-gateway-proxy-scaled-to-zero',
      'd2-power-loss',
    ]);
  });

  it('gives the root the sums of its suites counts', () => {
    const xml = junit.render(allFixtures(), META);
    const root = parseXml(xml);
    for (const key of ['tests', 'failures', 'errors', 'skipped']) {
      const sum = suites(xml).reduce((n, s) => n + Number(s.attrs[key]), 0);
      expect(Number(root.attrs[key]), key).to.equal(sum);
    }
    expect(counts(root)).to.deep.equal({ tests: '15', failures: '1', errors: '3', skipped: '3' });
  });

  it('makes one passing testcase per declared target of a passing run, named after the target', () => {
    const s = suite(junit.render([passingHostCrash()], META), 'd1-host-crash');
    expect(counts(s)).to.deep.equal({ tests: '3', failures: '0', errors: '0', skipped: '0' });
    const cases = childElements(s, 'testcase');
    expect(cases.map((c) => c.attrs['name'])).to.deep.equal([
      'time-to-detect <= 1m',
      'time-to-Ready <= 5m',
      'time-to-recover <= 10m',
    ]);
    expect(cases.every((c) => c.attrs['classname'] === 'd1-host-crash' && outcome(c) === undefined)).to.equal(true);
    expect(cases[1]?.attrs['time']).to.equal('212.000');
  });

  it('gives the suite the duration of the run on the target clock, in seconds', () => {
    const s = suite(junit.render([passingHostCrash()], META), 'd1-host-crash');
    expect(s.attrs['time']).to.equal('257.300');
    expect(s.attrs['timestamp']).to.equal('2025-06-01T02:00:00');
  });

  it('reports a missed target as a TargetMissed failure carrying the run message', () => {
    const s = suite(junit.render([failingPartition()], META), 'd5-node-unreachable');
    expect(counts(s)).to.deep.equal({ tests: '2', failures: '1', errors: '0', skipped: '0' });
    const tc = childElements(s, 'testcase').find((c) => c.attrs['name'] === 'time-to-Ready <= 5m');
    const failure = tc && outcome(tc);
    expect(failure?.name).to.equal('failure');
    expect(failure?.attrs).to.include({ message: 'time-to-Ready 6m12s exceeds the target 5m', type: 'TargetMissed' });
    expect(failure && textOf(failure)).to.equal('allowed: 5m\nmeasured: 6m12s');
  });

  it('reports an errored run as a "run" testcase with an error and skips the targets it never measured', () => {
    const s = suite(junit.render([erroredEtcd()], META), 'd4b-etcd-two-members-down');
    expect(counts(s)).to.deep.equal({ tests: '3', failures: '0', errors: '1', skipped: '2' });
    const [run, ...rest] = childElements(s, 'testcase');
    expect(run?.attrs['name']).to.equal('run');
    const err = run && outcome(run);
    expect(err?.name).to.equal('error');
    expect(err?.attrs['type']).to.equal('Error');
    expect(err?.attrs['message']).to.equal(
      'kind: `docker` is not installed or not on PATH (needed to reach the kind node containers).',
    );
    expect(rest.map((c) => outcome(c)?.name)).to.deep.equal(['skipped', 'skipped']);
    expect(rest.map((c) => c.attrs['name'])).to.deep.equal(['time-to-Ready <= 10m', 'no data loss']);
  });

  it('reports an aborted run as an Aborted error, keeps what it measured, and flags a failed rollback', () => {
    const s = suite(junit.render([abortedGateway()], META), 'd11-gateway-proxy-scaled-to-zero');
    expect(counts(s)).to.deep.equal({ tests: '4', failures: '0', errors: '2', skipped: '1' });
    const byName = Object.fromEntries(childElements(s, 'testcase').map((c) => [c.attrs['name'], outcome(c)]));
    expect(byName['run']?.attrs['type']).to.equal('Aborted');
    expect(byName['time-to-detect <= 1m']).to.equal(undefined);
    expect(byName['time-to-Ready <= 3m']?.name).to.equal('skipped');
    expect(byName['rollback']?.attrs).to.include({
      type: 'RollbackFailed',
      message: 'rollback failed: scale gateway-system/gateway-proxy to 2: connection refused',
    });
  });

  it('turns a failed verdict red even when no single check explains it', () => {
    const r = { ...passingHostCrash(), verdict: 'fail' as const, error: 'a verify probe never passed' };
    const s = suite(junit.render([r], META), 'd1-host-crash');
    expect(counts(s)).to.include({ tests: '4', failures: '1' });
    const run = childElements(s, 'testcase')[0];
    expect(run && outcome(run)?.attrs).to.include({ type: 'DrillFailed', message: 'a verify probe never passed' });
  });

  it('keeps a suite for an experiment without targets, with one passing "run" testcase', () => {
    const r = { ...passingHostCrash(), checks: [] };
    const s = suite(junit.render([r], META), 'd1-host-crash');
    expect(counts(s)).to.deep.equal({ tests: '1', failures: '0', errors: '0', skipped: '0' });
  });

  it('puts the timeline in system-out with offsets from the start of the run', () => {
    const s = suite(junit.render([passingHostCrash()], META), 'd1-host-crash');
    const out = textOf(childElements(s, 'system-out')[0] ?? { name: '', attrs: {}, children: [] });
    expect(out).to.contain('+0:02.500  fault    power off 10.128.38.8');
    expect(out).to.contain('+4:16.500  rollback uncordon 10.128.38.8');
  });

  it('keeps Chinese text and markup-like text intact through escaping, and drops characters XML forbids', () => {
    const xml = junit.render([hostileChinese()], META);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).to.equal(true);
    const s = suite(xml, 'd2-power-loss');
    const props = Object.fromEntries(
      childElements(childElements(s, 'properties')[0] ?? s, 'property').map((p) => [p.attrs['name'], p.attrs['value']]),
    );
    expect(props['title']).to.equal('机房断电恢复 <script>alert("pwned")</script>');
    expect(props['runbook']).to.equal('runbooks/轻舟云平台应急演练方案.md#机房断电恢复');
    const out = textOf(childElements(s, 'system-out')[0] ?? s);
    expect(out).to.contain('全部节点断电 ]]> <script>x</script>');
    expect(out).to.contain('kubelet said \uFFFD[31mred\uFFFD[0m and a NUL \uFFFD');
    expect(xml).not.to.contain('<script>');
  });

  it('keeps a multi-line failure message multi-line in its attribute', () => {
    const r = failingPartition();
    const check = r.checks[1];
    if (check) check.message = 'time-to-Ready 6m12s exceeds the target 5m\nnsf-server was still Pending';
    const tc = childElements(suite(junit.render([r], META), 'd5-node-unreachable'), 'testcase')[1];
    expect(tc && outcome(tc)?.attrs['message']).to.equal(
      'time-to-Ready 6m12s exceeds the target 5m\nnsf-server was still Pending',
    );
  });

  it('marks every target skipped in a dry run', () => {
    const r = { ...passingHostCrash(), dryRun: true };
    expect(counts(suite(junit.render([r], META), 'd1-host-crash'))).to.deep.equal({
      tests: '3',
      failures: '0',
      errors: '0',
      skipped: '3',
    });
  });
});

describe('the XML checker used by these tests', () => {
  const bad: [string, string][] = [
    ['mismatched tags', '<a><b></a></b>'],
    ['a bare ampersand', '<a>fish & chips</a>'],
    ['an unquoted attribute', '<a x=1/>'],
    ['a duplicate attribute', '<a x="1" x="2"/>'],
    ['two roots', '<a/><b/>'],
    ['"<" in an attribute', '<a x="<"/>'],
    ['an unknown entity', '<a>&nbsp;</a>'],
    ['a control character', '<a>\u0001</a>'],
    ['an unclosed element', '<a><b/>'],
  ];
  for (const [what, text] of bad) {
    it(`rejects ${what}`, () => {
      expect(() => parseXml(text)).to.throw();
    });
  }

  it('decodes entities, character references and CDATA', () => {
    const el = parseXml('<a t="x&#10;y &amp; &quot;z&quot;">1 &lt; 2 &#x4E2D;<![CDATA[<raw>]]></a>');
    expect(el.attrs['t']).to.equal('x\ny & "z"');
    expect(textOf(el)).to.equal('1 < 2 中<raw>');
  });
});
