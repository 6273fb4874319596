import { expect } from 'chai';
import { InvalidInputError } from '../../../src/errors.js';
import { StoreError } from '../../../src/sim/store/store.js';
import { makeSimCluster, type SimCluster } from '../../../src/sim/testing/sim-cluster.js';
import type { TopologyNode } from '../../../src/sim/topology/types.js';

const NODES: TopologyNode[] = [
  { name: '10.128.38.1', role: 'master' },
  { name: '10.128.38.2', role: 'master' },
  { name: '10.128.38.3', role: 'master' },
  { name: '10.128.38.6', role: 'worker' },
];
const MASTERS = ['10.128.38.1', '10.128.38.2', '10.128.38.3'];

function configMap(name: string): Parameters<SimCluster['ctx']['store']['create']>[1] {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { k: name } };
}

function writeError(sim: SimCluster, name: string): unknown {
  try {
    sim.ctx.store.create('configmaps', configMap(name));
    return undefined;
  } catch (err) {
    return err;
  }
}

describe('SimEtcd', () => {
  let sim: SimCluster;
  afterEach(() => sim?.close());

  it('lists three members with hex IDs and reports them healthy in etcdctl words', async () => {
    sim = makeSimCluster({ nodes: NODES });
    await sim.ctx.advance(5_000);
    const members = await sim.etcd!.members();
    expect(members.map((m) => m.name)).to.deep.equal(MASTERS);
    for (const m of members) {
      expect(m.id).to.match(/^[1-9a-f][0-9a-f]{15}$/);
      expect(m.clientURL).to.equal(`http://${m.node}:2379`);
      expect(m.peerURL).to.equal(`http://${m.node}:2380`);
    }
    const health = await sim.etcd!.health();
    expect(health.every((h) => h.healthy)).to.equal(true);
    expect(health[0]!.message).to.match(
      /^http:\/\/10\.128\.38\.1:2379 is healthy: successfully committed proposal: took = \d+\.\d+ms$/,
    );
    expect(sim.ctx.store.get('pods', 'kube-system', 'etcd-10.128.38.2')?.status?.phase).to.equal('Running');
  });

  it('keeps accepting writes with one member down, refuses them with two down, and elects a leader again', async () => {
    sim = makeSimCluster({ nodes: NODES });
    const etcd = sim.etcd!;
    await sim.ctx.advance(5_000);
    await etcd.stopMember(MASTERS[1]!, 'kill');
    await sim.ctx.advance(3_000);
    expect(writeError(sim, 'one-down')).to.equal(undefined);
    await etcd.stopMember(MASTERS[2]!, 'kill');
    const err = writeError(sim, 'two-down');
    expect(err).to.be.instanceOf(StoreError);
    expect((err as StoreError).reason).to.equal('Unavailable');
    expect((err as StoreError).message).to.equal('etcdserver: request timed out');
    expect(await etcd.write('/gameday/a', '1')).to.deep.equal({ ok: false, error: 'etcdserver: request timed out' });
    const health = await etcd.health();
    expect(health.filter((h) => !h.healthy).map((h) => h.message)).to.include(
      'http://10.128.38.3:2379 is unhealthy: failed to commit proposal: context deadline exceeded',
    );
    // The killed member's static pod shows its container dead.
    await sim.ctx.advance(1_000);
    const mirror = sim.ctx.store.get('pods', 'kube-system', `etcd-${MASTERS[2]}`)!;
    const cs = (
      mirror.status.containerStatuses as { ready: boolean; state: { terminated?: { exitCode: number } } }[]
    )[0]!;
    expect(cs.ready).to.equal(false);
    expect(cs.state.terminated?.exitCode).to.equal(137);
    await etcd.startMember(MASTERS[2]!);
    await sim.ctx.advance(sim.ctx.params.etcdElectionTimeout * 3);
    expect(writeError(sim, 'back')).to.equal(undefined);
    expect(etcd.leaderName()).to.be.a('string');
  });

  it('restores a single member from a snapshot and grows back to three healthy members with the snapshotted data', async () => {
    sim = makeSimCluster({ nodes: NODES });
    const etcd = sim.etcd!;
    const store = sim.ctx.store;
    await sim.ctx.advance(5_000);
    store.create('configmaps', configMap('before-snapshot'));
    expect((await etcd.write('/gameday/steady/1', 'x')).ok).to.equal(true);
    const snap = await etcd.snapshotSave('drill');
    expect(snap.path).to.match(/^\/var\/lib\/etcd-backup\/drill-\d{8}T\d{6}Z\.db$/);
    expect(snap.revision).to.be.greaterThan(0);
    store.create('configmaps', configMap('after-snapshot'));
    await etcd.stopMember(MASTERS[1]!, 'kill');
    await etcd.stopMember(MASTERS[2]!, 'kill');
    expect(writeError(sim, 'no-quorum')).to.be.instanceOf(StoreError);

    await etcd.restoreSingle(MASTERS[0]!, snap);
    await sim.ctx.advance(10_000);
    expect((await etcd.members()).map((m) => m.name)).to.deep.equal([MASTERS[0]]);
    expect(writeError(sim, 'single')).to.equal(undefined);
    expect(store.get('configmaps', 'default', 'before-snapshot')).to.not.equal(undefined);
    expect(store.get('configmaps', 'default', 'after-snapshot')).to.equal(undefined);

    await etcd.memberAdd(MASTERS[1]!);
    await sim.ctx.advance(10_000);
    await etcd.memberAdd(MASTERS[2]!);
    await sim.ctx.advance(10_000);
    const health = await etcd.health();
    expect(health.map((h) => h.healthy)).to.deep.equal([true, true, true]);
    expect((await etcd.members()).length).to.equal(3);
    expect((await etcd.read('/gameday/steady/')).get('/gameday/steady/1')).to.equal('x');
    expect(writeError(sim, 'grown')).to.equal(undefined);
  });

  it('stops a member whose manifest is moved out, and starts it again when moved back', async () => {
    sim = makeSimCluster({ nodes: NODES });
    await sim.ctx.advance(5_000);
    const ops = sim.hosts.ops();
    await ops.manifest(MASTERS[0]!, 'etcd', 'out');
    await sim.ctx.advance(5_000);
    expect(await sim.etcd!.running()).to.deep.equal([MASTERS[1], MASTERS[2]]);
    expect(sim.ctx.store.get('pods', 'kube-system', `etcd-${MASTERS[0]}`)).to.equal(undefined);
    await ops.manifest(MASTERS[0]!, 'etcd', 'in');
    await sim.ctx.advance(10_000);
    expect(await sim.etcd!.running()).to.deep.equal(MASTERS);
    expect(sim.ctx.store.get('pods', 'kube-system', `etcd-${MASTERS[0]}`)?.status?.phase).to.equal('Running');
  });

  it('names the members it knows when asked for an unknown one', async () => {
    sim = makeSimCluster({ nodes: NODES });
    const err = await sim.etcd!.stopMember('etcd9', 'kill').catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InvalidInputError);
    expect((err as Error).message).to.equal(
      'No etcd member "etcd9" in cluster "sim". Members: 10.128.38.1, 10.128.38.2, 10.128.38.3.',
    );
  });
});
