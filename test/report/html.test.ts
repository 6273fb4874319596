import { expect } from 'chai';
import { html } from '../../src/report/html.js';
import { allFixtures, failingPartition, hostileChinese, META, passingHostCrash } from './fixtures.js';
import { childElements, parseXml, textOf, type XmlElement } from './xml.js';

function svgs(page: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (;;) {
    const start = page.indexOf('<svg', from);
    if (start === -1) return out;
    const end = page.indexOf('</svg>', start) + '</svg>'.length;
    out.push(page.slice(start, end));
    from = end;
  }
}

function titles(el: XmlElement): string[] {
  const own = childElements(el, 'title').map((t) => textOf(t));
  return [...own, ...childElements(el).flatMap(titles)];
}

describe('html reporter', () => {
  it('renders one page with a summary row and a section per experiment, classed by verdict', () => {
    const page = html.render(allFixtures(), META);
    expect(page.startsWith('<!DOCTYPE html>')).to.equal(true);
    expect(page.match(/<tr><td><a href="#run-/g)).to.have.length(5);
    for (const v of ['pass', 'fail', 'error', 'aborted']) expect(page).to.contain(`<section class="run ${v}"`);
  });

  it('loads nothing from elsewhere, so it opens offline', () => {
    const page = html.render(allFixtures(), META);
    const urls = page.match(/https?:\/\/[^"'\s<>)]+/g) ?? [];
    expect([...new Set(urls)]).to.deep.equal(['http://www.w3.org/2000/svg']);
    expect(page).not.to.match(/<(script|link|img|iframe)\b/i);
    expect(page).not.to.contain('@import');
    expect(page).not.to.contain('url(');
  });

  it('escapes experiment text so that no markup from the input reaches the page', () => {
    const page = html.render([hostileChinese()], META);
    expect(page).not.to.match(/<script/i);
    expect(page).not.to.contain('<img src=x');
    expect(page).not.to.contain('<b>bold</b>');
    expect(page).to.contain('机房断电恢复 &lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
    expect(page).to.contain('&lt;img src=x onerror=alert(1)&gt;');
    expect(page).to.contain('runbooks/轻舟云平台应急演练方案.md#机房断电恢复');
  });

  it('draws a well-formed SVG timeline per experiment', () => {
    const page = html.render(allFixtures(), META);
    const charts = svgs(page);
    expect(charts).to.have.length(5);
    for (const svg of charts) expect(parseXml(svg).name).to.equal('svg');
  });

  it('marks fault injected, detected and Ready with exact times, and each recovery step from start to end', () => {
    const [svg] = svgs(html.render([passingHostCrash()], META));
    const all = titles(parseXml(svg ?? ''));
    expect(all).to.include('fault injected at +0:02.500 (2025-06-01T02:00:02.500Z)');
    expect(all).to.include('detected at +0:44.500 (2025-06-01T02:00:44.500Z): time-to-detect 42s');
    expect(all).to.include('Ready at +4:16.500 (2025-06-01T02:04:16.500Z): time-to-Ready 3m32s');
    const cordon = all.find((t) => t.startsWith('recovery step cordon '));
    expect(cordon).to.contain('started +0:44.500').and.to.contain('ended +0:44.700').and.to.contain('took 200ms');
    for (const phase of ['steady-state', 'inject', 'detect', 'recover', 'verify', 'rollback']) {
      expect(
        all.some((t) => t.startsWith(`${phase}: `)),
        phase,
      ).to.equal(true);
    }
  });

  it('draws each duration target as a dashed line at its deadline', () => {
    const [svg] = svgs(html.render([passingHostCrash()], META));
    const targets = childElements(parseXml(svg ?? ''), 'g').filter((g) => g.attrs['class'] === 'marker target');
    expect(targets.map((g) => childElements(g, 'line')[0]?.attrs['stroke-dasharray'])).to.deep.equal([
      '5 4',
      '5 4',
      '5 4',
    ]);
    const deadlines = targets.map((g) => textOf(childElements(g, 'title')[0] ?? { name: '', attrs: {}, children: [] }));
    // detect and recover count from the fault (+0:02.500), Ready from the start of recovery (+0:44.500).
    expect(deadlines.map((t) => t.slice(0, t.indexOf(' ('))).sort()).to.deep.equal([
      'time-to-Ready target 5m: deadline +5:44.500',
      'time-to-detect target 1m: deadline +1:02.500',
      'time-to-recover target 10m: deadline +10:02.500',
    ]);
  });

  it('colours a missed target and its Ready marker red', () => {
    const [svg] = svgs(html.render([failingPartition()], META));
    const markers = childElements(parseXml(svg ?? ''), 'g').filter((g) => g.attrs['class']?.startsWith('marker'));
    const stroke = (label: string): string | undefined =>
      markers
        .find((g) =>
          (textOf(childElements(g, 'text')[0] ?? { name: '', attrs: {}, children: [] }) ?? '').startsWith(label),
        )
        ?.children.filter((c): c is XmlElement => typeof c !== 'string' && c.name === 'line')[0]?.attrs['stroke'];
    expect(stroke('Ready')).to.equal('#dc2626');
    expect(stroke('time-to-Ready target')).to.equal('#dc2626');
    expect(stroke('time-to-detect target')).to.equal('#475569');
  });

  it('shows an error run with its message and no measured markers', () => {
    const page = html.render([allFixtures()[2]!], META);
    expect(page).to.contain('<b>Error:</b> kind: `docker` is not installed');
    const [svg] = svgs(page);
    expect(svg).not.to.contain('fault injected');
  });
});
