import { expect } from 'chai';
import type { StoredRun } from '../../src/history/store.js';
import { renderTrend, trendChart } from '../../src/report/trend.js';
import type { RunResult } from '../../src/report/result.js';
import { MONDAY, WEEK, drillRun } from '../history/fixtures.js';
import { childElements, parseXml, type XmlElement } from './xml.js';

const META = { generatedAt: MONDAY + 10 * WEEK, gamedayVersion: '0.1.0', resultsDir: 'results' };

function stored(result: RunResult, i: number): StoredRun {
  const at = MONDAY + i * WEEK;
  return {
    drill: result.experiment.id,
    file: `results/${result.experiment.id}/${i}.json`,
    at,
    result: { ...result, recordedAt: at + result.wallMs },
  };
}

function all(el: XmlElement): XmlElement[] {
  return [el, ...childElements(el).flatMap(all)];
}

function svgOf(page: string, n = 0): XmlElement {
  const starts = [...page.matchAll(/<svg /g)].map((m) => m.index ?? 0);
  const start = starts[n] ?? -1;
  return parseXml(page.slice(start, page.indexOf('</svg>', start) + '</svg>'.length));
}

describe('trend report', () => {
  const runs = [
    drillRun({ ready: 300_000 }),
    drillRun({ ready: 320_000, detect: 45_000 }),
    drillRun({ ready: 700_000 }),
  ].map(stored);

  it('draws a point per run for each of time-to-detect and time-to-Ready, joined by a line', () => {
    const svg = parseXml(trendChart('d1-host-crash', runs));
    const nodes = all(svg);
    const points = (key: string): XmlElement[] =>
      nodes.filter((e) => e.name === 'circle' && e.attrs['class']?.startsWith(`point ${key}`));
    expect(points('timeToDetect')).to.have.length(3);
    expect(points('timeToReady')).to.have.length(3);
    const line = nodes.find((e) => e.name === 'polyline' && e.attrs['class'] === 'series timeToReady');
    expect(line?.attrs['points']?.split(' ')).to.have.length(3);
    // Later runs to the right; a slower run higher up (SVG y grows downwards).
    const ready = points('timeToReady').map((p) => ({ x: Number(p.attrs['cx']), y: Number(p.attrs['cy']) }));
    expect(ready[0]!.x).to.be.below(ready[1]!.x);
    expect(ready[2]!.y).to.be.below(ready[1]!.y);
  });

  it('marks the failed run and its missed target, and draws each target as a dashed line', () => {
    const svg = parseXml(trendChart('d1-host-crash', runs));
    const nodes = all(svg);
    const failedPoints = nodes.filter((e) => e.name === 'circle' && e.attrs['class']?.includes('failed'));
    expect(failedPoints.map((p) => p.attrs['data-run'])).to.deep.equal(['3', '3']);
    const readyFailed = failedPoints.find((p) => p.attrs['class']?.startsWith('point timeToReady'));
    expect(readyFailed?.attrs['fill']).to.equal('#dc2626');
    expect(nodes.filter((e) => e.name === 'rect' && e.attrs['class'] === 'failed-run')).to.have.length(1);
    const targets = nodes.filter((e) => e.name === 'path' && e.attrs['class']?.startsWith('target'));
    expect(targets.map((t) => t.attrs['class'])).to.deep.equal(['target timeToDetect', 'target timeToReady']);
    for (const t of targets) expect(t.attrs['stroke-dasharray']).to.equal('6 4');
    expect(
      childElements(targets[1]!, 'title')[0]
        ?.children.map((c) => (typeof c === 'string' ? c : ''))
        .join(''),
    ).to.equal('time-to-Ready target 10m');
  });

  it('breaks the line where a run measured nothing', () => {
    const noReady = drillRun({ verdict: 'error' });
    delete noReady.timings.timeToReady;
    const svg = parseXml(
      trendChart(
        'd1-host-crash',
        [runs[0]!.result, runs[1]!.result, noReady, runs[2]!.result, runs[0]!.result].map(stored),
      ),
    );
    const lines = all(svg).filter((e) => e.name === 'polyline' && e.attrs['class'] === 'series timeToReady');
    expect(lines.map((l) => l.attrs['points']?.split(' ').length)).to.deep.equal([2, 2]);
  });

  it('lists the runs in a table, comparing each with the runs before it', () => {
    const page = renderTrend(runs, META);
    const rows = page.match(/<tr><td class="num">#\d+<\/td>/g) ?? [];
    expect(rows).to.have.length(3);
    expect(page).to.contain('2025-06-16T03:00:00.000Z');
    expect(page).to.contain('<span class="badge fail">FAIL</span>');
    expect(page).to.contain('too few earlier runs');
  });

  it('gives each drill its own section and chart, and says so when there are no runs', () => {
    const other = [drillRun({ id: 'd6-kubelet-stopped', title: 'D6' })].map(stored);
    const page = renderTrend([...runs, ...other], META);
    expect(page.match(/<section class="drill /g)).to.have.length(2);
    expect(page).to.contain('<section class="drill fail" id="drill-d1-host-crash">');
    expect(page).to.contain('<section class="drill pass" id="drill-d6-kubelet-stopped">');
    expect(svgOf(page, 1).name).to.equal('svg');
    expect(renderTrend([], META)).to.contain('<p>No runs recorded in results.</p>');
  });

  it('loads nothing from elsewhere and escapes experiment text', () => {
    const hostile = drillRun({ id: 'd<x>', title: '<script>alert(1)</script>' });
    hostile.error = '<img src=x onerror=alert(1)>';
    const page = renderTrend([stored(hostile, 0)], META);
    expect(page).not.to.match(/<(script|link|img|iframe)\b/i);
    expect(page).not.to.contain('url(');
    expect([...new Set(page.match(/https?:\/\/[^"'\s<>)]+/g) ?? [])]).to.deep.equal(['http://www.w3.org/2000/svg']);
    expect(page).to.contain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(() => svgOf(page)).to.not.throw();
  });
});
