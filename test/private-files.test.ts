import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Journal } from '../src/engine/journal.js';
import { appendResult } from '../src/history/store.js';
import { SessionStore } from '../src/practice/session-store.js';
import { newState } from '../src/practice/session-state.js';
import { ensurePrivateDirSync, writePrivateFileSync } from '../src/private-files.js';
import { drillRun } from './history/fixtures.js';

const mode = (path: string): number => statSync(path).mode & 0o777;

/**
 * Files that hold cluster data are the user's alone: 0600 files in 0700 directories. Written with umask 0,
 * so nothing here owes its mode to the umask of whoever runs the tests.
 */
describe('files that hold cluster data are private', () => {
  let dir: string;
  let umask: number;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gameday-private-'));
    umask = process.umask(0);
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes journals 0600 in a 0700 directory, on creation and on every update', () => {
    const journalDir = join(dir, '.gameday', 'journal');
    const j = Journal.create(journalDir, {
      runId: 'run-1',
      experimentId: 'd9-pod-error-missing-configmap',
      experimentFile: 'x.json',
      target: { kind: 'sim', embedded: true },
      faults: [],
    });
    expect(mode(journalDir)).to.equal(0o700);
    expect(mode(join(dir, '.gameday'))).to.equal(0o700);
    expect(mode(j.path)).to.equal(0o600);
    j.addFault({
      index: 0,
      type: 'delete-configmap',
      cluster: 'business',
      params: {},
      plan: { data: { configMap: { data: { password: 'secret' } } } },
    });
    j.finish('rolled-back');
    expect(mode(j.path)).to.equal(0o600);
    expect(readdirSync(journalDir)).to.deep.equal(['run-1.json']);
  });

  it('narrows a journal directory an older gameday left 0755, and replaces a wider journal file', () => {
    const journalDir = join(dir, 'journal');
    mkdirSync(journalDir, { mode: 0o755 });
    writeFileSync(join(journalDir, 'run-2.json'), '{}', { mode: 0o644 });
    const j = Journal.create(journalDir, {
      runId: 'run-2',
      experimentId: 'x',
      experimentFile: 'x.json',
      target: { kind: 'sim', embedded: true },
      faults: [],
    });
    expect(mode(journalDir)).to.equal(0o700);
    expect(mode(j.path)).to.equal(0o600);
  });

  it('records results 0600 in 0700 directories', async () => {
    const results = join(dir, 'results');
    const file = await appendResult(results, drillRun());
    expect(mode(results)).to.equal(0o700);
    expect(mode(join(file, '..'))).to.equal(0o700);
    expect(mode(file)).to.equal(0o600);
  });

  it('keeps practice sessions 0600 in a 0700 directory', () => {
    const practice = join(dir, 'practice');
    const store = new SessionStore(practice, 'session-1');
    store.create(
      newState({
        id: 'session-1',
        experiment: { id: 'd6', title: 't', file: 'f' } as never,
        target: 'sim',
        cluster: 'business',
        now: 0,
        wallNow: 0,
        speed: 1,
        mode: 'real',
        targets: {},
      }),
    );
    store.update((s) => (s.status = 'injected' as never));
    expect(mode(practice)).to.equal(0o700);
    expect(mode(store.path)).to.equal(0o600);
  });

  it('leaves no temporary file behind and never writes through a leftover wider one', () => {
    const file = join(dir, 'state.json');
    writeFileSync(`${file}.${process.pid}.tmp`, 'leftover', { mode: 0o666 });
    chmodSync(`${file}.${process.pid}.tmp`, 0o666);
    writePrivateFileSync(file, 'new');
    expect(mode(file)).to.equal(0o600);
    expect(readdirSync(dir)).to.deep.equal(['state.json']);
  });

  it('does not take over a shared directory such as /tmp, even as root', () => {
    const shared = join(dir, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    expect(() => ensurePrivateDirSync(shared)).not.to.throw();
    expect(statSync(shared).mode & 0o7777).to.equal(0o1777);
  });
});
