import { expect } from 'chai';
import { mkdtemp, mkdir, rm, writeFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidInputError } from '../../src/errors.js';
import { ExperimentValidationError } from '../../src/experiment/errors.js';
import { glob } from '../../src/experiment/glob.js';
import { expandPaths, formatIssue, loadExperiments } from '../../src/experiment/load.js';
import { fixtureRegistries } from './fixture-plugins.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/experiments');

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('expandPaths', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gameday-load-'));
    await mkdir(path.join(dir, 'etcd', 'deep'), { recursive: true });
    for (const f of ['b.json', 'a.json', 'notes.md', 'etcd/c.json', 'etcd/deep/d.json', '.hidden.json']) {
      await writeFile(path.join(dir, f), '{}');
    }
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("takes a directory's *.json files in name order, without descending or taking hidden files", async () => {
    expect(await expandPaths([dir])).to.deep.equal(['a.json', 'b.json'].map((f) => path.join(dir, f)));
  });

  it('expands "*" within a directory and "**" across directories, skipping hidden names', async () => {
    expect(await expandPaths([`${dir}/*.json`])).to.deep.equal([path.join(dir, 'a.json'), path.join(dir, 'b.json')]);
    expect(await glob(`${dir}/**/*.json`)).to.deep.equal(
      ['a.json', 'b.json', 'etcd/c.json', 'etcd/deep/d.json'].map((f) => path.join(dir, f)),
    );
    expect(await glob(`${dir}/e?cd/*.json`)).to.deep.equal([path.join(dir, 'etcd/c.json')]);
  });

  it('keeps the order given and lists a file named twice once', async () => {
    const a = path.join(dir, 'a.json');
    const b = path.join(dir, 'b.json');
    expect(await expandPaths([b, a, `${dir}/*.json`])).to.deep.equal([b, a]);
  });

  it('refuses a path that names nothing, a glob that matches nothing, and a directory without experiments', async () => {
    const missing = await rejection(expandPaths([path.join(dir, 'nope.json')]));
    expect(missing).to.be.instanceOf(InvalidInputError);
    expect((missing as Error).message).to.equal(
      `No such experiment file or directory: "${path.join(dir, 'nope.json')}".`,
    );
    const unmatched = await rejection(expandPaths([`${dir}/*.yaml`]));
    expect((unmatched as Error).message).to.equal(`No experiment files match "${dir}/*.yaml".`);
    await mkdir(path.join(dir, 'empty'));
    const empty = await rejection(expandPaths([path.join(dir, 'empty')]));
    expect(empty).to.be.instanceOf(InvalidInputError);
    expect((empty as Error).message).to.equal(`No *.json experiment files in "${path.join(dir, 'empty')}".`);
  });
});

describe('loadExperiments', () => {
  it('returns each valid experiment with the file it came from', async () => {
    const file = path.join(fixtures, 'valid', 'host-crash.json');
    const loaded = await loadExperiments([file], fixtureRegistries);
    expect(loaded).to.have.length(1);
    expect(loaded[0]?.file).to.equal(file);
    expect(loaded[0]?.experiment).to.deep.equal(JSON.parse(await readFile(file, 'utf8')));
  });

  it('throws one ExperimentValidationError, exit code 2, listing the issues of every file', async () => {
    const files = ['missing-verify.json', 'bad-duration.json'].map((f) => path.join(fixtures, 'broken', f));
    const err = await rejection(loadExperiments(files, fixtureRegistries));
    expect(err).to.be.instanceOf(ExperimentValidationError);
    const validation = err as ExperimentValidationError;
    expect(validation.exitCode).to.equal(2);
    expect(validation.issues.map((i) => [path.basename(i.file), i.line, i.column, i.path])).to.deep.equal([
      ['missing-verify.json', 1, 1, ''],
      ['bad-duration.json', 8, 50, '/verify/0/timeout'],
    ]);
    expect(validation.message).to.equal(validation.issues.map(formatIssue).join('\n'));
  });
});
