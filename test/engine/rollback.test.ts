import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JournalError } from '../../src/errors.js';
import { SCRATCH_LABEL } from '../../src/kit/namespace.js';
import { Journal, type JournalFault } from '../../src/engine/journal.js';
import { rollbackJournal } from '../../src/engine/rollback.js';
import { thisProcess } from '../../src/engine/process-identity.js';
import { closeFakes, fakeContext } from '../kit/fake-context.js';
import { World, fakeDrill, runFake, worldPlugins } from './fake-drill.js';

/** A journal as a crashed drill left it: faults a, b, c, d in the given states. */
function crashed(statuses: JournalFault['status'][]): Journal {
  const j = Journal.create(mkdtempSync(join(tmpdir(), 'gameday-rollback-test-')), {
    runId: 'crashed',
    experimentId: 'fake-drill',
    experimentFile: 'fake.json',
    target: { kind: 'sim', embedded: false, kubeconfig: '/tmp/kubeconfig' },
    faults: [],
  });
  // The drill's process is gone (the same PID, another process).
  j.data.process = { ...thisProcess(), startTime: 'another-start' };
  for (const [index, status] of statuses.entries()) {
    const id = 'abcd'[index]!;
    j.addFault({
      index,
      type: 'fake-fault',
      cluster: 'business',
      params: { id, breaks: id },
      plan: { nodes: [`n-${id}`] },
    });
    j.mark(index, status);
  }
  return j;
}

describe('rollbackJournal (gameday rollback)', () => {
  afterEach(closeFakes);
  const world = (): World => new World(fakeContext());
  const undo = (j: Journal, w: World) =>
    rollbackJournal(j, w.fake.ctx.target, new AbortController().signal, { faults: worldPlugins(w).faults });

  it('reverts, newest first, every fault that was injected or may be half-injected, and skips the rest', async () => {
    const w = world();
    const j = crashed(['injected', 'injecting', 'planned', 'reverted']);
    const report = await undo(j, w);
    expect(w.faultLog()).to.deep.equal(['revert b', 'revert a']);
    expect(report.reverted).to.deep.equal(['fake-fault on business', 'fake-fault on business']);
    expect(report.skipped).to.deep.equal(['fake-fault on business (reverted)', 'fake-fault on business (planned)']);
    expect(Journal.read(j.path).data.state).to.equal('rolled-back');
    expect(Journal.read(j.path).data.faults.map((f) => f.status)).to.deep.equal([
      'reverted',
      'reverted',
      'planned',
      'reverted',
    ]);
  });

  it('retries a revert that failed during the drill and finishes the journal once it succeeds', async () => {
    const w = world();
    w.failRevert.set('a', 1);
    const { journal } = await runFake(fakeDrill(), { world: () => w });
    expect(journal?.data.state).to.equal('rollback-incomplete');
    expect(journal?.data.faults[0]).to.deep.include({
      status: 'revert-failed',
      error: 'fake-fault on business: a: the API did not answer',
    });
    const report = await undo(Journal.read(journal!.path), w);
    expect(report.errors).to.deep.equal([]);
    expect(w.faultLog()).to.deep.equal(['inject a', 'revert a', 'revert a']);
    expect(Journal.read(journal!.path).data.state).to.equal('rolled-back');
  });

  it('records a revert that throws, goes on with the others, and leaves the journal incomplete for another try', async () => {
    const w = world();
    w.failRevert.set('b', 1);
    const j = crashed(['injected', 'injected', 'injected']);
    const report = await undo(j, w);
    expect(w.faultLog()).to.deep.equal(['revert c', 'revert b', 'revert a']);
    expect(report.errors).to.deep.equal(['fake-fault on business: b: the API did not answer']);
    expect(Journal.read(j.path).data.state).to.equal('rollback-incomplete');
    const second = await undo(Journal.read(j.path), w);
    expect(second.reverted).to.deep.equal(['fake-fault on business']);
    expect(w.faultLog().slice(3)).to.deep.equal(['revert b']);
    expect(Journal.read(j.path).data.state).to.equal('rolled-back');
  });

  it('is idempotent: a second rollback of a finished journal reverts nothing', async () => {
    const w = world();
    const j = crashed(['injected']);
    await undo(j, w);
    const again = await undo(Journal.read(j.path), w);
    expect(again.reverted).to.deep.equal([]);
    expect(w.faultLog()).to.deep.equal(['revert a']);
  });

  it('names a fault type this gameday does not know instead of skipping it silently', async () => {
    const w = world();
    const j = crashed(['injected']);
    j.data.faults[0]!.type = 'from-the-future';
    const report = await undo(j, w);
    expect(report.errors).to.deep.equal([
      'from-the-future on business: this gameday does not know the fault type "from-the-future"',
    ]);
    expect(j.data.state).to.equal('rollback-incomplete');
  });

  it('refuses a journal written on another kind of target, changing nothing', async () => {
    const w = world();
    const j = crashed(['injected']);
    j.data.target = { kind: 'kind', kindCluster: 'gameday' };
    const err = await undo(j, w).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(JournalError);
    expect((err as Error).message).to.equal(
      `${j.path}: this journal was written by a drill on a kind target, not on this sim target; nothing was changed.`,
    );
    expect(w.faultLog()).to.deep.equal([]);
    expect(Journal.read(j.path).data.state).to.equal('running');
  });

  it('refuses a journal written on another cluster (another kube-system UID), changing nothing', async () => {
    const w = new World(
      fakeContext({ objects: { namespaces: [{ metadata: { name: 'kube-system', uid: 'uid-now' } }] } }),
    );
    const j = crashed(['injected']);
    j.setIdentity('business', { kubeSystemUid: 'uid-then' });
    const err = await undo(j, w).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(JournalError);
    expect((err as Error).message).to.equal(
      `${j.path}: this journal was written on another cluster: business: its UID is uid-now, the journal's was uid-then. Nothing was changed: an old journal must not overwrite what was done since. If that cluster is gone, the drill's changes went with it: delete the journal.`,
    );
    expect(w.faultLog()).to.deep.equal([]);
    expect(Journal.read(j.path).data.state).to.equal('running');
    j.setIdentity('business', { kubeSystemUid: 'uid-now' });
    expect((await undo(j, w)).reverted).to.deep.equal(['fake-fault on business']);
  });

  it("removes the scratch ConfigMap a killed run's probe had written and not yet deleted, and nothing else", async () => {
    const scratch = {
      metadata: {
        name: 'gameday-api-writable-x7k2p',
        namespace: 'gameday',
        labels: { 'app.kubernetes.io/managed-by': 'gameday', [SCRATCH_LABEL]: 'api-writable' },
      },
    };
    const theirs = { metadata: { name: 'app-config', namespace: 'gameday', labels: { app: 'x' } } };
    const w = new World(fakeContext({ objects: { configmaps: [scratch, theirs] } }));
    const report = await undo(crashed(['injected']), w);
    expect(w.fake.calls.filter((c) => c.includes('configmaps'))).to.deep.equal([
      'delete configmaps gameday/gameday-api-writable-x7k2p',
    ]);
    expect(report.restored).to.deep.equal([
      'business: removed configmap gameday/gameday-api-writable-x7k2p a write probe of the drill had left',
    ]);
  });

  it('refuses the journal of a drill whose process still runs: it rolls back by itself', async () => {
    const w = world();
    const j = crashed(['injected']);
    j.data.process = thisProcess();
    const err = await undo(j, w).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(JournalError);
    expect((err as Error).message).to.contain(`its drill is still running (process ${process.pid})`);
    expect(w.faultLog()).to.deep.equal([]);
  });

  it('gives a revert the nodes the faults hit, as `"from": "faults"` saw them during the drill', async () => {
    const w = world();
    const j = crashed(['injected', 'planned']);
    let seen: string[] | undefined;
    const plugins = worldPlugins(w).faults;
    const fault = plugins['fake-fault']!;
    const spy = {
      ...fault,
      revert: (ctx: Parameters<typeof fault.revert>[0]) => (
        (seen = ctx.state.affectedNodes.get('business')),
        Promise.resolve()
      ),
    };
    await rollbackJournal(j, w.fake.ctx.target, new AbortController().signal, { faults: { 'fake-fault': spy } });
    expect(seen).to.deep.equal(['n-a']);
  });
});
