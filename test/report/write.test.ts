import { expect } from 'chai';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '../../src/errors.js';
import { reporters } from '../../src/report/index.js';
import { writeJunit, writeReports } from '../../src/report/write.js';
import { allFixtures, META, passingHostCrash } from './fixtures.js';
import { parseXml } from './xml.js';

describe('writeReports', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gameday-report-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a JSON file per experiment and one junit, markdown and html file for the run', async () => {
    const results = allFixtures();
    const out = await writeReports(join(dir, 'reports'), results, META);
    expect(out.failures).to.deep.equal([]);
    expect(out.paths.map((p) => p.slice(dir.length + 1))).to.deep.equal([
      'reports/d1-host-crash.json',
      'reports/d5-node-unreachable.json',
      'reports/d4b-etcd-two-members-down.json',
      'reports/d11-gateway-proxy-scaled-to-zero.json',
      'reports/d2-power-loss.json',
      'reports/report.xml',
      'reports/report.md',
      'reports/report.html',
    ]);
    const d1 = JSON.parse(await readFile(join(dir, 'reports/d1-host-crash.json'), 'utf8')) as {
      results: { experiment: { id: string } }[];
    };
    expect(d1.results.map((r) => r.experiment.id)).to.deep.equal(['d1-host-crash']);
    expect(parseXml(await readFile(join(dir, 'reports/report.xml'), 'utf8')).attrs['tests']).to.equal('15');
  });

  it('writes only the formats asked for', async () => {
    const out = await writeReports(dir, [passingHostCrash()], META, ['markdown']);
    expect(out.paths).to.deep.equal([join(dir, 'report.md')]);
    expect(await readdir(dir)).to.deep.equal(['report.md']);
  });

  it('reports a reporter that throws and still writes the others', async () => {
    const broken = {
      ...reporters,
      markdown: {
        name: 'markdown',
        extension: 'md',
        render: (): string => {
          throw new Error('boom');
        },
      },
    };
    const out = await writeReports(dir, [passingHostCrash()], META, undefined, broken);
    expect(out.failures.map((f) => [f.reporter, f.error.message])).to.deep.equal([['markdown', 'boom']]);
    expect((await readdir(dir)).sort()).to.deep.equal(['d1-host-crash.json', 'report.html', 'report.xml']);
  });

  it('reports an unknown format as invalid input without stopping the known ones', async () => {
    const out = await writeReports(dir, [passingHostCrash()], META, ['pdf', 'junit']);
    expect(out.paths).to.deep.equal([join(dir, 'report.xml')]);
    expect(out.failures[0]?.reporter).to.equal('pdf');
    expect(out.failures[0]?.error).to.be.instanceOf(InvalidInputError);
    expect(out.failures[0]?.error.message).to.equal(
      'report format: expected one of json, junit, markdown, html, got "pdf".',
    );
  });

  it('reports a directory it cannot create as a failure per format instead of throwing', async () => {
    const file = join(dir, 'not-a-dir');
    await writeFile(file, '');
    const out = await writeReports(file, [passingHostCrash()], META, ['json', 'html']);
    expect(out.paths).to.deep.equal([]);
    expect(out.failures.map((f) => f.reporter)).to.deep.equal(['json', 'html']);
  });

  it('keeps each experiment in its own JSON file when an id repeats or is not a safe file name', async () => {
    const a = passingHostCrash();
    const b = passingHostCrash();
    const c = passingHostCrash();
    c.experiment.id = '../../etc/passwd';
    const out = await writeReports(dir, [a, b, c], META, ['json']);
    expect(out.paths.map((p) => p.slice(dir.length + 1))).to.deep.equal([
      'd1-host-crash.json',
      'd1-host-crash-2.json',
      '-..-etc-passwd.json',
    ]);
  });
});

describe('writeJunit', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gameday-junit-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes the JUnit report of every result to exactly the file given, creating its directory', async () => {
    const file = join(dir, 'ci', 'junit.xml');
    const out = await writeJunit(file, allFixtures(), META);
    expect(out).to.deep.equal({ paths: [file], failures: [] });
    expect(parseXml(await readFile(file, 'utf8')).attrs['tests']).to.equal('15');
  });

  it('returns a failure instead of throwing when the file cannot be written', async () => {
    const blocker = join(dir, 'file');
    await writeFile(blocker, '');
    const out = await writeJunit(join(blocker, 'junit.xml'), [passingHostCrash()], META);
    expect(out.paths).to.deep.equal([]);
    expect(out.failures.map((f) => f.reporter)).to.deep.equal(['junit']);
  });
});
