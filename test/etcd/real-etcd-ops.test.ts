import { existsSync } from 'node:fs';
import { copyFile, open, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { expect } from 'chai';
import { runD4b } from '../../src/etcd/d4b-procedure.js';
import { Etcdctl } from '../../src/etcd/etcdctl.js';
import { EtcdctlError, EtcdRestoreError } from '../../src/etcd/errors.js';
import { LocalEtcdCluster } from '../../src/etcd/local-cluster.js';
import { RealEtcdOps } from '../../src/etcd/real-etcd-ops.js';
import { SteadyWriter, valueHash } from '../../src/kit/etcd-writer.js';
import type { EtcdSnapshot } from '../../src/targets/target.js';
import { requireEtcd } from './require-etcd.js';

const ETCD_REFUSAL = /context deadline exceeded|etcdserver: request timed out|etcdserver: no leader/;

describe('RealEtcdOps: the runbook D4 procedures on real etcd', function () {
  this.timeout(90_000);
  let cluster: LocalEtcdCluster;
  let ops: RealEtcdOps;
  let commands: string[];
  let writer: SteadyWriter | undefined;
  let startHooks: { name: string; fn: () => void }[];

  /** Run `fn` just after the process of member `name` is spawned (once). */
  function onStart(name: string, fn: () => void): void {
    startHooks.push({ name, fn });
  }

  before(function () {
    requireEtcd(this);
  });

  beforeEach(async () => {
    commands = [];
    startHooks = [];
    const onCommand = (l: string): void => {
      commands.push(l);
      const hook = startHooks.find((h) => l.startsWith(`etcd --name=${h.name} `));
      if (hook) {
        startHooks = startHooks.filter((h) => h !== hook);
        setTimeout(hook.fn, 0);
      }
    };
    cluster = new LocalEtcdCluster({ onCommand });
    await cluster.start();
    ops = new RealEtcdOps(cluster, { onCommand: (l) => commands.push(l) });
  });

  afterEach(async () => {
    await writer?.stop();
    writer = undefined;
    await cluster.close();
  });

  /** An etcdctl of our own, to check results independently of RealEtcdOps. */
  const independent = (): Etcdctl => new Etcdctl({ endpoints: cluster.liveEndpoints(), commandTimeoutMs: 5000 });

  async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await ops.clock.sleep(20);
    }
  }

  it('D4a: with one member killed the cluster still accepts writes, and the member restarts in place with its data', async () => {
    await ops.stopMember('etcd3', 'kill');
    expect(await ops.running()).to.deep.equal(['etcd1', 'etcd2']);
    // If the killed member led, the first write may meet the election ("leader changed"): a client retries.
    const writer1 = new RealEtcdOps(cluster, { writeTimeoutMs: 5000 });
    let w = await writer1.write('/d4a/while-down', 'accepted');
    for (let attempt = 1; !w.ok && attempt < 3; attempt++) w = await writer1.write('/d4a/while-down', 'accepted');
    expect(w.ok, `write with two of three members up: ${w.ok ? '' : w.error}`).to.equal(true);
    const health = await ops.health();
    expect(
      health
        .filter((h) => h.healthy)
        .map((h) => h.member)
        .sort(),
    ).to.deep.equal(['etcd1', 'etcd2']);
    expect(health.find((h) => h.member === 'etcd3')?.message).to.match(/is unhealthy: failed to commit proposal/);

    await ops.startMember('etcd3');
    expect((await ops.health()).every((h) => h.healthy)).to.equal(true);
    // The restarted member caught up with the write it missed: ask it alone, serializably.
    const got = await new Etcdctl({ endpoints: [cluster.member('etcd3').clientURL] }).get('/d4a/while-down', {
      serializable: true,
    });
    expect(got.kvs.map((kv) => kv.value)).to.deep.equal(['accepted']);
    expect(commands.some((c) => c.startsWith('kill -KILL'))).to.equal(true);
  });

  it('D4a: a paused member is resumed by startMember', async () => {
    await ops.stopMember('etcd2', 'pause');
    expect(await ops.running()).to.deep.equal(['etcd1', 'etcd3']);
    await ops.startMember('etcd2');
    expect(await ops.running()).to.deep.equal(['etcd1', 'etcd2', 'etcd3']);
    await cluster.waitHealthy(['etcd2']);
  });

  it('D4a migrate: member remove then member add brings three healthy members, the old data set aside', async () => {
    await ops.write('/d4a/before-migration', 'v');
    await ops.stopMember('etcd3', 'kill');
    const oldDataDir = cluster.member('etcd3').dataDir;
    const oldId = (await ops.members()).find((m) => m.name === 'etcd3')?.id;
    await ops.memberRemove('etcd3');
    expect((await ops.members()).map((m) => m.name).sort()).to.deep.equal(['etcd1', 'etcd2']);
    expect(commands.some((c) => c.includes(`member remove ${oldId}`))).to.equal(true);

    const added = await ops.memberAdd('etcd3', 'node-4');
    expect(added).to.include({ name: 'etcd3', node: 'node-4' });
    expect(added.id)
      .to.match(/^[0-9a-f]+$/)
      .and.not.equal(oldId);
    const members = await ops.members();
    expect(members).to.have.length(3);
    const health = await ops.health();
    expect(health).to.have.length(3);
    expect(health.every((h) => h.healthy)).to.equal(true);
    expect(ops.movedAside.map((m) => m.from)).to.deep.equal([oldDataDir]);
    expect(existsSync(ops.movedAside[0]!.to)).to.equal(true);
    const got = await new Etcdctl({ endpoints: [added.clientURL] }).get('/d4a/before-migration', {
      serializable: true,
    });
    expect(got.kvs).to.have.length(1);
  });

  it('D4b: two members killed, writes refused; snapshot the survivor, restore it alone, grow back to three, no snapshotted key lost', async () => {
    const result = await runD4b(ops);
    console.log(
      `      D4b wall time ${(result.wallMs / 1000).toFixed(2)} s, writes unavailable ` +
        `${(result.writeUnavailableMs / 1000).toFixed(2)} s; steps: ` +
        result.steps.map((s) => `${s.name} ${(s.ms / 1000).toFixed(2)}s`).join(', '),
    );
    expect(result.refusal).to.match(ETCD_REFUSAL);
    expect(result.health.map((h) => h.member).sort()).to.deep.equal(['etcd1', 'etcd2', 'etcd3']);
    expect(result.health.every((h) => h.healthy)).to.equal(true);
    expect(result.members).to.have.length(3);
    expect(result.data.keysBeforeSnapshot).to.be.at.least(100);
    expect(result.data.lostBeforeSnapshot).to.equal(0);
    expect(result.writeUnavailableMs).to.be.greaterThan(0);
    expect(commands.some((c) => c.includes('snapshot restore') && c.includes('--initial-cluster=etcd1='))).to.equal(
      true,
    );
    expect(ops.lastRestore?.movedAside.map((m) => basename(m.from)).sort()).to.deep.equal(['etcd1', 'etcd2', 'etcd3']);
    for (const m of ops.lastRestore?.movedAside ?? []) expect(existsSync(m.to), m.to).to.equal(true);

    // Independently: every key acknowledged before the snapshot was started is there, with its value.
    const got = await independent().get('/gameday/writer/', { prefix: true });
    const stored = new Map(got.kvs.map((kv) => [kv.key, kv.value]));
    const before = result.writer.acked.filter((a) => a.at < result.snapshot.takenAt);
    expect(before.length).to.be.at.least(100);
    expect(before.length).to.be.at.most(result.data.keysBeforeSnapshot);
    expect(before.filter((a) => valueHash(stored.get(a.key) ?? '') !== a.valueHash)).to.deep.equal([]);
    // And `endpoint health --cluster` by our own etcdctl agrees.
    const health = await independent().endpointHealth({ cluster: true });
    expect(health.healthy).to.equal(true);
    expect(health.lines).to.have.length(3);
  });

  it('D4b: while quorum is lost, serializable reads still answer from the survivor and linearizable ones fail', async () => {
    await ops.write('/d4b/k', 'v');
    await Promise.all([ops.stopMember('etcd2', 'kill'), ops.stopMember('etcd3', 'kill')]);
    const survivor = new Etcdctl({ endpoints: [cluster.member('etcd1').clientURL], commandTimeoutMs: 1000 });
    const local = await survivor.get('/d4b/k', { serializable: true });
    expect(local.kvs.map((kv) => kv.value)).to.deep.equal(['v']);
    const err = await survivor.get('/d4b/k').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(EtcdctlError);
    expect((err as EtcdctlError).reason).to.match(ETCD_REFUSAL);
    const w = await ops.write('/d4b/refused', 'x');
    expect(w.ok).to.equal(false);
    // snapshot save needs no quorum: the survivor streams its own backend.
    const snap = await ops.snapshotSave('no-quorum');
    expect(snap.revision).to.be.greaterThan(1);
    expect(
      commands.some(
        (c) => c.includes(`--endpoints=${cluster.member('etcd1').clientURL}`) && c.includes('snapshot save'),
      ),
    ).to.equal(true);
  });

  it('D4c: all members killed, restore from the latest snapshot taken before; writes after it are counted as lost', async () => {
    writer = new SteadyWriter(ops, ops.clock, { intervalMs: 50 });
    await writer.seed();
    writer.start();
    const snapshot = await ops.snapshotSave('before-d4c');
    await until('writes after the snapshot', () =>
      writer!.acked.some((a) => a.revision !== undefined && a.revision > snapshot.revision + 3),
    );
    await Promise.all(['etcd1', 'etcd2', 'etcd3'].map((m) => ops.stopMember(m, 'kill')));
    const failedAt = ops.clock.now();
    expect(await ops.running()).to.deep.equal([]);
    const down = await ops.health();
    expect(down).to.have.length(3);
    expect(down.some((h) => h.healthy)).to.equal(false);

    await ops.restoreSingle('etcd2', snapshot);
    await ops.pointApiserver(['etcd2']);
    await ops.memberAdd('etcd1');
    await ops.memberAdd('etcd3');
    await ops.pointApiserver(['etcd1', 'etcd2', 'etcd3']);
    expect((await ops.health()).every((h) => h.healthy)).to.equal(true);
    await until('writes accepted again', () => writer!.refused.length > 0 && !writer!.refusing());
    await writer.stop();

    const safety = await writer.verify(ops, snapshot, { until: failedAt });
    expect(safety.lostBeforeSnapshot).to.equal(0);
    expect(safety.keysBeforeSnapshot).to.be.at.least(100);
    expect(safety.writtenAfterSnapshot).to.be.greaterThan(3);
    // By design of a snapshot restore, every write acknowledged after the snapshot is gone: counted, not silent.
    expect(safety.lostAfterSnapshot).to.equal(safety.writtenAfterSnapshot);
  });

  describe('failures mid-procedure', () => {
    async function corruptCopy(snapshot: EtcdSnapshot): Promise<EtcdSnapshot> {
      // Flip the last byte: the sha256 etcd appends no longer matches, yet `snapshot status` still reads it.
      const path = join(dirname(snapshot.path), 'corrupt.db');
      await copyFile(snapshot.path, path);
      const fh = await open(path, 'r+');
      const { size } = await fh.stat();
      const b = Buffer.alloc(1);
      await fh.read(b, 0, 1, size - 1);
      b[0] = b[0]! ^ 0xff;
      await fh.write(b, 0, 1, size - 1);
      await fh.close();
      return { ...snapshot, path };
    }

    it("a corrupt snapshot fails the restore with etcd's reason and leaves every moved-aside data dir in place", async () => {
      await ops.write('/k', 'v');
      const good = await ops.snapshotSave('good');
      const bad = await corruptCopy(good);
      await Promise.all([ops.stopMember('etcd2', 'kill'), ops.stopMember('etcd3', 'kill')]);
      const err = await ops.restoreSingle('etcd1', bad).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(EtcdRestoreError);
      const e = err as EtcdRestoreError;
      expect(e.stage).to.equal('restore');
      expect(e.message)
        .to.match(/expected sha256/)
        .and.include('Nothing was deleted');
      expect(e.movedAside).to.have.length(3);
      for (const m of e.movedAside) {
        expect(existsSync(m.to), m.to).to.equal(true);
        expect(existsSync(join(m.to, 'member', 'wal')), `${m.to} keeps its WAL`).to.equal(true);
      }
      // The half-written restore was set aside too, so that a retry with the good snapshot works.
      const dataDir = cluster.member('etcd1').dataDir;
      expect(existsSync(dataDir)).to.equal(false);
      expect((await readdir(dirname(dataDir))).some((n) => n.startsWith('etcd1-failed-restore-'))).to.equal(true);

      await ops.restoreSingle('etcd1', good);
      const got = await independent().get('/k');
      expect(got.kvs.map((kv) => kv.value)).to.deep.equal(['v']);
    });

    it('an unreadable or missing snapshot is refused before anything is stopped or moved', async () => {
      const garbage = join(cluster.root, 'garbage.db');
      await writeFile(garbage, 'not a bolt database\n');
      for (const path of [garbage, join(cluster.root, 'missing.db')]) {
        const err = await ops.restoreSingle('etcd1', { path, revision: 1, keys: 1, takenAt: 0 }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).to.be.instanceOf(EtcdRestoreError);
        expect((err as EtcdRestoreError).stage).to.equal('check-snapshot');
        expect((err as Error).message).to.include('nothing was changed');
        expect((err as EtcdRestoreError).movedAside).to.deep.equal([]);
      }
      expect(await ops.running()).to.deep.equal(['etcd1', 'etcd2', 'etcd3']);
    });

    it('a new member killed as it starts gives an error naming the member ID it left in the cluster', async () => {
      await ops.stopMember('etcd3', 'kill');
      await ops.memberRemove('etcd3');
      onStart('etcd3', () => void cluster.killMember('etcd3'));
      const err = await ops.memberAdd('etcd3').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(Error);
      const added = (await ops.members()).find((m) => m.peerURL === cluster.member('etcd3').peerURL);
      expect(added, 'member add went through before the process died').to.not.equal(undefined);
      expect((err as Error).message)
        .to.include(`etcd3 was added to the cluster as member ${added!.id}`)
        .and.include(`etcdctl member remove ${added!.id}`);
    });

    it('a restored member killed as it starts gives an error saying where the data dirs were moved', async () => {
      const snapshot = await ops.snapshotSave('good');
      await Promise.all([ops.stopMember('etcd2', 'kill'), ops.stopMember('etcd3', 'kill')]);
      onStart('etcd1', () => void cluster.killMember('etcd1'));
      const err = await ops.restoreSingle('etcd1', snapshot).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(EtcdRestoreError);
      const e = err as EtcdRestoreError;
      expect(e.stage).to.equal('wait-healthy');
      expect(e.message).to.include('exited before becoming healthy');
      expect(e.movedAside).to.have.length(3);
      for (const m of e.movedAside) {
        expect(e.message).to.include(m.to);
        expect(existsSync(m.to)).to.equal(true);
      }
    });
  });
});
