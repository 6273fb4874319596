import { expect } from 'chai';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '../../src/errors.js';
import { Journal, type JournalData } from '../../src/engine/journal.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'gameday-journal-test-'));

function create(d: string, runId = 'run-1', target: JournalData['target'] = { kind: 'sim', embedded: true }): Journal {
  return Journal.create(d, { runId, experimentId: 'x', experimentFile: 'x.json', target, faults: [] });
}

const onDisk = (j: Journal): JournalData => JSON.parse(readFileSync(j.path, 'utf8')) as JournalData;

describe('Journal', () => {
  it('is on disk, running and owned by this process, as soon as it is created', () => {
    const j = create(dir());
    expect(onDisk(j)).to.deep.include({ version: 1, runId: 'run-1', state: 'running', pid: process.pid, faults: [] });
  });

  it('writes each planned fault and each status change before returning', () => {
    const j = create(dir());
    j.addFault({ index: 0, type: 'stop-kubelet', cluster: 'business', params: {}, plan: { nodes: ['n1'] } });
    j.addFault({ index: 1, type: 'scale-workload', cluster: 'business', params: {}, plan: { workloads: ['w'] } });
    expect(onDisk(j).faults.map((f) => f.status)).to.deep.equal(['planned', 'planned']);
    j.mark(1, 'injecting');
    expect(onDisk(j).faults.map((f) => f.status)).to.deep.equal(['planned', 'injecting']);
    j.mark(1, 'revert-failed', 'the API did not answer');
    expect(onDisk(j).faults[1]).to.deep.include({ status: 'revert-failed', error: 'the API did not answer' });
    j.mark(1, 'reverted');
    expect(onDisk(j).faults[1]).to.not.have.property('error');
  });

  it('resumes from disk: a journal read back carries on where the writer stopped', () => {
    const d = dir();
    const j = create(d);
    j.addFault({ index: 0, type: 'stop-kubelet', cluster: 'business', params: { a: 1 }, plan: { nodes: ['n1'] } });
    j.mark(0, 'injected');
    const again = Journal.read(j.path);
    expect(again.data).to.deep.equal(j.data);
    again.mark(0, 'reverted');
    again.finish('rolled-back');
    expect(onDisk(j)).to.deep.include({ state: 'rolled-back' });
    expect(onDisk(j).faults[0]?.status).to.equal('reverted');
  });

  it('keeps the previous whole journal when a write is torn (the temporary file is cut short)', () => {
    const d = dir();
    const j = create(d);
    j.addFault({ index: 0, type: 'stop-kubelet', cluster: 'business', params: {}, plan: { nodes: ['n1'] } });
    // A crash between the temporary file's write and its rename leaves a torn temporary file.
    writeFileSync(`${j.path}.tmp`, '{"version": 1, "faults": [{"ind');
    expect(Journal.read(j.path).data.faults).to.have.length(1);
    expect(Journal.pending(d)).to.deep.equal([j.path]);
  });

  it('refuses a journal cut short, saying it may have been cut by a crash', () => {
    const d = dir();
    const j = create(d);
    writeFileSync(j.path, readFileSync(j.path, 'utf8').slice(0, 40));
    expect(() => Journal.read(j.path))
      .to.throw(InvalidInputError)
      .with.property('message', `${j.path}: the journal is not valid JSON; it may have been cut short by a crash.`);
  });

  it('refuses a JSON file that is not a gameday journal, and one that cannot be read', () => {
    const d = dir();
    writeFileSync(join(d, 'other.json'), '{"version": 2}');
    expect(() => Journal.read(join(d, 'other.json'))).to.throw(InvalidInputError, /expected a gameday journal/);
    expect(() => Journal.read(join(d, 'absent.json'))).to.throw(InvalidInputError, /cannot read the journal/);
  });

  it('lists unfinished journals newest first and leaves out finished ones', () => {
    const d = dir();
    const older = create(d, '2026-01-01-a');
    const done = create(d, '2026-01-02-b');
    const newer = create(d, '2026-01-03-c');
    done.finish('rolled-back');
    older.finish('rollback-incomplete');
    expect(Journal.pending(d)).to.deep.equal([newer.path, older.path]);
    expect(Journal.pending(join(d, 'absent'))).to.deep.equal([]);
  });

  it('keeps the address of the target it was written on, which is what `gameday rollback` reconnects to', () => {
    const d = dir();
    const target = { kind: 'kind' as const, kubeconfig: '/home/a/.kube/config', context: 'kind-x', kindCluster: 'x' };
    const j = create(d, 'run-kind', target);
    expect(Journal.read(j.path).data.target).to.deep.equal(target);
    expect(readdirSync(d)).to.deep.equal(['run-kind.json']);
  });
});
