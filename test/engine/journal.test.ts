import { expect } from 'chai';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JournalError } from '../../src/errors.js';
import { Journal, type JournalData } from '../../src/engine/journal.js';
import { stillRunning, thisProcess } from '../../src/engine/process-identity.js';

const dir = (): string => mkdtempSync(join(tmpdir(), 'gameday-journal-test-'));

function create(d: string, runId = 'run-1', target: JournalData['target'] = { kind: 'sim', embedded: true }): Journal {
  return Journal.create(d, { runId, experimentId: 'x', experimentFile: 'x.json', target, faults: [] });
}

/** A journal whose drill's process is gone (the same PID, but another process: started at another time). */
function orphaned(j: Journal): Journal {
  j.data.process = { ...thisProcess(), startTime: 'another-start' };
  j.finish(j.data.state);
  return j;
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
    orphaned(j);
    writeFileSync(`${j.path}.tmp`, '{"version": 1, "faults": [{"ind');
    expect(Journal.read(j.path).data.faults).to.have.length(1);
    expect(Journal.pending(d)).to.deep.equal([j.path]);
  });

  it('refuses a journal cut short, saying it may have been cut by a crash', () => {
    const d = dir();
    const j = create(d);
    writeFileSync(j.path, readFileSync(j.path, 'utf8').slice(0, 40));
    expect(() => Journal.read(j.path))
      .to.throw(JournalError)
      .with.property(
        'message',
        `${j.path}: the journal is not valid JSON (it is cut short or damaged); what the drill changed cannot be read from it. Check the cluster by hand, then delete the file.`,
      );
    // Never taken for "nothing to do": it is pending, for rollback to report.
    expect(Journal.pending(d)).to.deep.equal([j.path]);
    expect(Journal.scan(d)[0]).to.deep.include({ path: j.path, unfinished: true, running: false });
  });

  it('refuses a journal whose fields are not what gameday writes, naming each place, never a TypeError later', () => {
    const d = dir();
    const j = create(d);
    j.addFault({ index: 0, type: 'stop-kubelet', cluster: 'business', params: {}, plan: { nodes: ['n1'] } });
    const data = JSON.parse(readFileSync(j.path, 'utf8')) as Record<string, unknown>;
    (data['faults'] as Record<string, unknown>[])[0]!['status'] = 'gone';
    (data['faults'] as Record<string, unknown>[])[0]!['plan'] = { nodes: 'n1' };
    delete data['target'];
    writeFileSync(j.path, JSON.stringify(data));
    expect(() => Journal.read(j.path))
      .to.throw(JournalError)
      .with.property(
        'message',
        `${j.path}: not a gameday journal as this version writes them: /: expected a property "target"; /faults/0/plan/nodes: expected an array; /faults/0/status: expected one of "planned", "injecting", "injected", "reverted", "revert-failed". Nothing was changed.`,
      );
  });

  it('refuses a JSON file that is not a gameday journal, and one that cannot be read', () => {
    const d = dir();
    writeFileSync(join(d, 'other.json'), '{"version": 2}');
    expect(() => Journal.read(join(d, 'other.json'))).to.throw(JournalError, /not a gameday journal/);
    expect(() => Journal.read(join(d, 'absent.json'))).to.throw(JournalError, /cannot read the journal/);
  });

  it('lists unfinished journals newest first and leaves out finished ones', () => {
    const d = dir();
    const older = create(d, '2026-01-01-a');
    const done = create(d, '2026-01-02-b');
    const newer = orphaned(create(d, '2026-01-03-c'));
    done.finish('rolled-back');
    older.finish('rollback-incomplete');
    expect(Journal.pending(d)).to.deep.equal([newer.path, older.path]);
    expect(Journal.pending(join(d, 'absent'))).to.deep.equal([]);
  });

  it('leaves out of the pending list a drill still running: its own process rolls it back', () => {
    const d = dir();
    const live = create(d, '2026-01-01-live');
    expect(live.writerRunning()).to.equal(true);
    expect(Journal.pending(d)).to.deep.equal([]);
    expect(Journal.scan(d)[0]).to.deep.include({ path: live.path, unfinished: true, running: true });
  });

  it('tells a process that still runs from one that is gone or another program under a reused PID', () => {
    const me = thisProcess();
    expect(stillRunning(me)).to.equal(true);
    expect(stillRunning({ ...me, startTime: 'another-start' })).to.equal(false);
    expect(stillRunning({ ...me, script: '/usr/bin/something-else' })).to.equal(false);
    expect(stillRunning({ ...me, bootId: 'another-boot' })).to.equal(false);
    expect(stillRunning({ pid: 2 ** 22 + 17 })).to.equal(false);
  });

  it('keeps the address of the target it was written on, which is what `gameday rollback` reconnects to', () => {
    const d = dir();
    const target = { kind: 'kind' as const, kubeconfig: '/home/a/.kube/config', context: 'kind-x', kindCluster: 'x' };
    const j = create(d, 'run-kind', target);
    expect(Journal.read(j.path).data.target).to.deep.equal(target);
    expect(readdirSync(d)).to.deep.equal(['run-kind.json']);
  });
});
