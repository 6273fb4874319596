import { expect } from 'chai';
import { promises as fsp } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfrastructureError } from '../../src/errors.js';
import {
  escapeLabelValue,
  groupingPathSegment,
  pushMetrics,
  renderPrometheus,
  writeMetricsFile,
} from '../../src/metrics/prometheus.js';
import { MONDAY, drillRun } from '../history/fixtures.js';

/** Exposition-format lines: a HELP and TYPE per family, then samples `name{labels} value`. */
const SAMPLE =
  /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (-?[0-9.]+(?:e[+-]?\d+)?|NaN|[+-]Inf)$/;

function parse(text: string): {
  help: Map<string, string>;
  type: Map<string, string>;
  samples: { name: string; labels: string; value: string }[];
} {
  const help = new Map<string, string>();
  const type = new Map<string, string>();
  const samples: { name: string; labels: string; value: string }[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const h = /^# HELP (\S+) (.*)$/.exec(line);
    if (h) {
      help.set(h[1] as string, h[2] as string);
      continue;
    }
    const t = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (t) {
      type.set(t[1] as string, t[2] as string);
      continue;
    }
    const s = SAMPLE.exec(line);
    if (!s) throw new Error(`not an exposition line: ${line}`);
    // A sample's family must be declared before it.
    if (!type.has(s[1] as string)) throw new Error(`sample before its # TYPE: ${line}`);
    samples.push({ name: s[1] as string, labels: s[2] ?? '', value: s[3] as string });
  }
  return { help, type, samples };
}

describe('Prometheus metrics', () => {
  it('writes per drill the timings in seconds, the verdict as 1/0 per verdict and the last run time, each family with HELP and TYPE', () => {
    const text = renderPrometheus([drillRun({ detect: 42_500, ready: 310_000 })], { now: MONDAY });
    expect(text.endsWith('\n')).to.equal(true);
    const { help, type, samples } = parse(text);
    for (const name of [
      'gameday_drill_time_to_detect_seconds',
      'gameday_drill_time_to_ready_seconds',
      'gameday_drill_verdict',
      'gameday_drill_last_run_timestamp_seconds',
    ]) {
      expect(type.get(name), name).to.equal('gauge');
      expect(help.get(name), name).to.be.a('string').and.not.equal('');
    }
    const value = (name: string, labels: string): string | undefined =>
      samples.find((s) => s.name === name && s.labels === labels)?.value;
    expect(value('gameday_drill_time_to_ready_seconds', '{drill="d1-host-crash",target="sim"}')).to.equal('310');
    expect(value('gameday_drill_time_to_detect_seconds', '{drill="d1-host-crash",target="sim"}')).to.equal('42.5');
    expect(value('gameday_drill_verdict', '{drill="d1-host-crash",target="sim",verdict="pass"}')).to.equal('1');
    expect(value('gameday_drill_verdict', '{drill="d1-host-crash",target="sim",verdict="fail"}')).to.equal('0');
    expect(value('gameday_drill_verdict', '{drill="d1-host-crash",target="sim",verdict="error"}')).to.equal('0');
    // A virtual-clock run's own times are virtual: the wall clock stands in.
    expect(value('gameday_drill_last_run_timestamp_seconds', '{drill="d1-host-crash",target="sim"}')).to.equal(
      String(MONDAY / 1000),
    );
  });

  it('keeps the last run of each drill and leaves out timings that were not measured', () => {
    const failed = drillRun({ ready: 700_000 });
    const errored = { ...drillRun({ id: 'd6-kubelet-stopped', verdict: 'error' }), timings: {} };
    const text = renderPrometheus([drillRun({ ready: 1_000 }), failed, errored], { now: MONDAY });
    const { samples } = parse(text);
    expect(samples.filter((s) => s.name === 'gameday_drill_time_to_ready_seconds')).to.deep.equal([
      { name: 'gameday_drill_time_to_ready_seconds', labels: '{drill="d1-host-crash",target="sim"}', value: '700' },
    ]);
    expect(samples.find((s) => s.labels === '{drill="d1-host-crash",target="sim",verdict="fail"}')?.value).to.equal(
      '1',
    );
    expect(
      samples.find((s) => s.labels === '{drill="d6-kubelet-stopped",target="sim",verdict="error"}')?.value,
    ).to.equal('1');
    expect(
      samples.find((s) => s.name === 'gameday_drill_targets_missed' && s.labels.includes('d1-host-crash'))?.value,
    ).to.equal('1');
  });

  it("uses a real-clock run's own end as its timestamp", () => {
    const r = drillRun({ clock: 'real', startedAt: MONDAY });
    const { samples } = parse(renderPrometheus([r], { now: 0 }));
    expect(samples.find((s) => s.name === 'gameday_drill_last_run_timestamp_seconds')?.value).to.equal(
      String(r.endedAt / 1000),
    );
  });

  it('escapes backslashes, quotes and line feeds in label values', () => {
    expect(escapeLabelValue('a\\b"c\nd')).to.equal('a\\\\b\\"c\\nd');
    const text = renderPrometheus([drillRun({ id: 'odd "drill"\\\nname' })], { now: MONDAY });
    expect(text).to.contain(
      'gameday_drill_time_to_ready_seconds{drill="odd \\"drill\\"\\\\\\nname",target="sim"} 310\n',
    );
    expect(() => parse(text)).to.not.throw();
  });

  it('writes nothing but an empty text when there are no runs', () => {
    expect(renderPrometheus([])).to.equal('');
  });

  it('writes the file whole, replacing what was there', async () => {
    const dir = await fsp.mkdtemp(join(tmpdir(), 'gameday-metrics-'));
    try {
      const file = join(dir, 'textfile', 'gameday.prom');
      await writeMetricsFile(file, 'old\n');
      await writeMetricsFile(file, renderPrometheus([drillRun()], { now: MONDAY }));
      expect(await fsp.readFile(file, 'utf8')).to.contain('gameday_drill_verdict{');
      expect(await fsp.readdir(join(dir, 'textfile'))).to.deep.equal(['gameday.prom']);
    } finally {
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  describe('Pushgateway', () => {
    let server: Server;
    let url: string;
    let received: { method: string; url: string; contentType: string; body: string }[];
    let status: number;

    before(async () => {
      server = createServer((req: IncomingMessage, res) => {
        let body = '';
        req.setEncoding('utf8');
        req.on('data', (c: string) => (body += c));
        req.on('end', () => {
          received.push({
            method: req.method ?? '',
            url: req.url ?? '',
            contentType: String(req.headers['content-type']),
            body,
          });
          res.writeHead(status, { 'Content-Type': 'text/plain' });
          res.end(status === 200 ? '' : 'pushed metrics are invalid or inconsistent with existing metrics');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
    beforeEach(() => {
      received = [];
      status = 200;
    });

    it('PUTs the exposition text to /metrics/job/gameday/instance/<cluster>', async () => {
      const text = renderPrometheus([drillRun()], { now: MONDAY });
      await pushMetrics(url, text, { instance: 'business' });
      expect(received).to.have.length(1);
      expect(received[0]).to.deep.equal({
        method: 'PUT',
        url: '/metrics/job/gameday/instance/business',
        contentType: 'text/plain; version=0.0.4; charset=utf-8',
        body: text,
      });
    });

    it('encodes an instance holding a slash as base64, as the Pushgateway requires', async () => {
      await pushMetrics(`${url}/prefix/`, 'x 1\n', { instance: 'lab/qingzhou' });
      expect(received[0]?.url).to.equal(
        `/prefix/metrics/job/gameday/instance@base64/${Buffer.from('lab/qingzhou').toString('base64url')}`,
      );
      expect(groupingPathSegment('instance', 'a b')).to.equal('instance/a%20b');
    });

    it('reports a refused push with the status and what the Pushgateway said', async () => {
      status = 400;
      try {
        await pushMetrics(url, 'x 1\n', { instance: 'business' });
        expect.fail('expected an error');
      } catch (err) {
        expect(err).to.be.instanceOf(InfrastructureError);
        expect((err as Error).message).to.equal(
          `The Pushgateway at ${url}/metrics/job/gameday/instance/business answered 400 Bad Request: pushed metrics are invalid or inconsistent with existing metrics`,
        );
      }
    });
  });
});
