import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../src/engine/journal.js';
import { releaseJournalResources } from '../../src/engine/journal-resources.js';
import {
  MARKER_FILE,
  releaseResources,
  stillRunning,
  trackProcess,
  type TrackedResource,
} from '../../src/engine/resources.js';

const linux = existsSync('/proc/self/stat');

function sleeper(): ChildProcess {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  child.unref();
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve()),
  );
}

describe('resources a target leaves outside the drill process', function () {
  before(function () {
    if (!linux) {
      console.log('      skipped: needs /proc (Linux) to tell a process from a recycled pid');
      this.skip();
    }
  });

  it('stops a recorded process that still runs, and removes a directory carrying its marker', async () => {
    const child = sleeper();
    const tracked = trackProcess(child.pid!, 'a test sleeper')!;
    expect(stillRunning(tracked)).to.equal(true);
    const dir = mkdtempSync(join(tmpdir(), 'gameday-res-'));
    writeFileSync(join(dir, MARKER_FILE), 'm-1\n');
    mkdirSync(join(dir, 'data'));
    const report = await releaseResources([tracked, { kind: 'dir', path: dir, marker: 'm-1', what: 'test data' }]);
    await exited(child);
    expect(child.signalCode).to.equal('SIGKILL');
    expect(existsSync(dir)).to.equal(false);
    expect(report.released).to.deep.equal([`stopped a test sleeper (pid ${child.pid})`, `removed test data ${dir}`]);
    expect(report.errors).to.deep.equal([]);
  });

  it('never signals a pid whose start time is not the recorded one (the pid was reused)', async () => {
    const child = sleeper();
    try {
      const tracked = trackProcess(child.pid!, 'an old member')!;
      const recycled: TrackedResource = { ...tracked, startTime: tracked.startTime - 1 };
      const report = await releaseResources([recycled]);
      expect(report.gone).to.deep.equal([`an old member (pid ${child.pid}) had already exited`]);
      expect(child.exitCode).to.equal(null);
      expect(child.signalCode).to.equal(null);
      expect(stillRunning(tracked)).to.equal(true);
    } finally {
      child.kill('SIGKILL');
      await exited(child);
    }
  });

  it('leaves a directory that does not carry the marker (a journal naming some other directory)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gameday-res-'));
    writeFileSync(join(dir, MARKER_FILE), 'someone-else\n');
    const report = await releaseResources([{ kind: 'dir', path: dir, marker: 'mine', what: 'etcd data' }]);
    expect(existsSync(dir)).to.equal(true);
    expect(report.errors[0]).to.contain(`etcd data ${dir} left in place`);
    const unmarked = mkdtempSync(join(tmpdir(), 'gameday-res-'));
    const second = await releaseResources([{ kind: 'dir', path: unmarked, marker: 'mine', what: 'etcd data' }]);
    expect(existsSync(unmarked)).to.equal(true);
    expect(second.errors).to.have.length(1);
    rmSync(dir, { recursive: true });
    rmSync(unmarked, { recursive: true });
  });

  it('keeps a journal pending while it lists resources, even after its faults were rolled back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gameday-res-'));
    const journal = Journal.create(dir, {
      runId: 'r1',
      experimentId: 'e',
      experimentFile: 'e.json',
      target: { kind: 'sim', embedded: true },
      faults: [],
    });
    const child = sleeper();
    journal.addResource(trackProcess(child.pid!, 'etcd member etcd1')!);
    journal.finish('rolled-back');
    expect(Journal.pending(dir)).to.deep.equal([journal.path]);
    expect(Journal.read(journal.path).data.resources).to.have.length(1);

    const report = await releaseJournalResources(Journal.read(journal.path));
    await exited(child);
    expect(report.released).to.deep.equal([`stopped etcd member etcd1 (pid ${child.pid})`]);
    expect(Journal.read(journal.path).data.resources).to.deep.equal([]);
    expect(Journal.pending(dir)).to.deep.equal([]);
    rmSync(dir, { recursive: true });
  });
});
