import { expect } from 'chai';
import { json, JSON_REPORT_FORMAT } from '../../src/report/json.js';
import type { RunResult } from '../../src/report/result.js';
import { allFixtures, META, passingHostCrash } from './fixtures.js';

function reversedKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map(reversedKeys) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reversedKeys(v)]),
  ) as T;
}

describe('json reporter', () => {
  it('round-trips every result: timings, checks, phases, steps, probes, timeline and actions', () => {
    const results = allFixtures();
    const doc = JSON.parse(json.render(results, META)) as { meta: unknown; results: RunResult[] };
    expect(doc.results).to.deep.equal(JSON.parse(JSON.stringify(results)));
    expect(doc.meta).to.deep.equal({ format: JSON_REPORT_FORMAT, ...META });
  });

  it('writes the same bytes whatever order the result objects were filled in', () => {
    const results = allFixtures();
    expect(json.render(reversedKeys(results), META)).to.equal(json.render(results, META));
  });

  it('puts what ran and how it ended first, and the long event lists last', () => {
    const doc = JSON.parse(json.render([passingHostCrash()], META)) as { results: Record<string, unknown>[] };
    const keys = Object.keys(doc.results[0] ?? {});
    expect(keys.slice(0, 3)).to.deep.equal(['experiment', 'verdict', 'target']);
    expect(keys.slice(-2)).to.deep.equal(['timeline', 'actions']);
    expect(Object.keys(doc.results[0]?.['experiment'] ?? {})).to.deep.equal([
      'id',
      'title',
      'file',
      'runbook',
      'description',
      'tags',
    ]);
  });

  it('is pretty-printed and ends with a newline', () => {
    const text = json.render([passingHostCrash()], META);
    expect(text).to.match(/^\{\n {2}"meta": \{\n {4}"format"/);
    expect(text.endsWith('}\n')).to.equal(true);
  });
});
