import { expect } from 'chai';
import { InvalidInputError } from '../../src/errors.js';
import { Random } from '../../src/engine/random.js';
import {
  isMaster,
  parseWorkloadKey,
  resolveMembers,
  resolveNodes,
  resolveWorkload,
  workloadKey,
} from '../../src/kit/selectors.js';
import { closeFakes, deployment, fakeContext, member, node, pod, type Fake } from '../kit/fake-context.js';

function cluster(seed?: number): Fake {
  const f = fakeContext({
    objects: {
      nodes: [
        node('m2', { master: true }),
        node('m1', { master: true }),
        node('w3'),
        node('w1'),
        node('w2'),
        { ...node('gpu1'), metadata: { name: 'gpu1', labels: { accelerator: 'gpu' } } },
      ],
      deployments: [deployment('shop', 'cart')],
    },
    members: [member('etcd-b', 'm2'), member('etcd-a', 'm1'), member('etcd-c', 'm3')],
  });
  if (seed !== undefined) Object.assign(f.ctx, { random: new Random(seed) });
  return f;
}

const rejection = async (p: Promise<unknown>): Promise<string> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).to.be.instanceOf(InvalidInputError);
  return (err as Error).message;
};

describe('selectors', () => {
  afterEach(closeFakes);

  describe('resolveNodes', () => {
    it('picks one worker with the run seed when nothing is said', async () => {
      const picked = await resolveNodes(cluster().ctx, undefined);
      expect(picked).to.have.length(1);
      expect(['gpu1', 'w1', 'w2', 'w3']).to.include(picked[0]);
      expect(await resolveNodes(cluster().ctx, undefined)).to.deep.equal(picked);
    });

    it('gives names back as written, and refuses a name the cluster lacks, listing the nodes', async () => {
      expect(await resolveNodes(cluster().ctx, { names: ['w2', 'm1'] })).to.deep.equal(['w2', 'm1']);
      expect(await rejection(resolveNodes(cluster().ctx, { names: ['w9', 'w1'] }))).to.equal(
        'business: no node named w9; nodes are: gpu1, m1, m2, w1, w2, w3.',
      );
    });

    it('picks only among the nodes running a live pod of a workload when asked ("running")', async () => {
      const f = fakeContext({
        objects: {
          nodes: [node('w1'), node('w2'), node('w3')],
          deployments: [deployment('shop', 'cart')],
          pods: [
            pod('shop', 'cart-a', { app: 'cart', node: 'w2' }),
            pod('shop', 'cart-b', { app: 'cart', node: 'w3', terminating: true }),
            pod('shop', 'other', { app: 'other', node: 'w1' }),
          ],
        },
      });
      const running = { namespace: 'shop', kind: 'Deployment' as const, name: 'cart' };
      for (const seed of [1, 2, 3, 4, 5]) {
        Object.assign(f.ctx, { random: new Random(seed) });
        expect(await resolveNodes(f.ctx, { role: 'worker', count: 1, running })).to.deep.equal(['w2']);
      }
      expect(await rejection(resolveNodes(f.ctx, { role: 'worker', count: 2, running }))).to.equal(
        'business: asked for 2 worker node(s) running a pod of shop/Deployment/cart but only 1 match.',
      );
    });

    it('picks the master whose component holds its leader Lease ("leader"), whatever the seed, as kubectl shows it', async () => {
      const lease = (name: string, holder?: string) => ({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace: 'kube-system' },
        spec: holder ? { holderIdentity: holder, leaseDurationSeconds: 15 } : {},
      });
      const f = fakeContext({
        objects: {
          nodes: [node('m1', { master: true }), node('m2', { master: true }), node('m3', { master: true }), node('w1')],
          leases: [
            lease('kube-controller-manager', 'm2_6a28b872-a6d7-4ec5-a2be-8187c73d2891'),
            lease('kube-scheduler'),
          ],
        },
      });
      for (const seed of [1, 2, 3, 4, 5]) {
        Object.assign(f.ctx, { random: new Random(seed) });
        expect(await resolveNodes(f.ctx, { leader: 'kube-controller-manager' })).to.deep.equal(['m2']);
      }
      expect(await rejection(resolveNodes(f.ctx, { leader: 'kube-scheduler' }))).to.equal(
        'business: no kube-scheduler leads (the Lease kube-system/kube-scheduler has no holder), so "leader" selects no node.',
      );
      expect(await rejection(resolveNodes(f.ctx, { role: 'worker', leader: 'kube-controller-manager' }))).to.equal(
        'business: asked for 1 worker node(s) where kube-controller-manager leads (m2) but only 0 match.',
      );
    });

    it('accepts the name of a node a step of this drill will join, before it exists (issue 18)', async () => {
      const f = cluster();
      f.state.expectedNodes.set('business', ['w9']);
      expect(await resolveNodes(f.ctx, { names: ['w1', 'w9'] })).to.deep.equal(['w1', 'w9']);
      const err = await resolveNodes(f.ctx, { names: ['w8'] }).catch((e: unknown) => e);
      expect((err as Error).message).to.contain('no node named w8');
    });

    it('selects by role: masters, workers or any, first by name', async () => {
      const ctx = cluster().ctx;
      expect(await resolveNodes(ctx, { role: 'master', count: 2, pick: 'first' })).to.deep.equal(['m1', 'm2']);
      expect(await resolveNodes(ctx, { role: 'worker', count: 2, pick: 'first' })).to.deep.equal(['gpu1', 'w1']);
      expect(await resolveNodes(ctx, { role: 'any', count: 3, pick: 'first' })).to.deep.equal(['gpu1', 'm1', 'm2']);
    });

    it('selects every node of a role with all, sorted by name', async () => {
      expect(await resolveNodes(cluster().ctx, { role: 'worker', all: true })).to.deep.equal([
        'gpu1',
        'w1',
        'w2',
        'w3',
      ]);
    });

    it('selects by labels', async () => {
      expect(await resolveNodes(cluster().ctx, { labels: { accelerator: 'gpu' } })).to.deep.equal(['gpu1']);
    });

    it('picks at random with the seed: the same seed the same nodes, in name order', async () => {
      const a = await resolveNodes(cluster().ctx, { role: 'worker', count: 2 });
      expect(await resolveNodes(cluster().ctx, { role: 'worker', count: 2 })).to.deep.equal(a);
      expect([...a].sort()).to.deep.equal(a);
      const seen = new Set<string>();
      for (let seed = 1; seed <= 20; seed++) seen.add((await resolveNodes(cluster(seed).ctx, { role: 'worker' }))[0]!);
      expect(seen.size).to.be.greaterThan(1);
    });

    it('refuses to select more nodes than match, and an empty selection with all is empty', async () => {
      expect(await rejection(resolveNodes(cluster().ctx, { role: 'master', count: 3 }))).to.equal(
        'business: asked for 3 master node(s) but only 2 match.',
      );
      expect(await rejection(resolveNodes(cluster().ctx, { labels: { zone: 'moon' } }))).to.equal(
        'business: asked for 1 worker node(s) but only 0 match.',
      );
      expect(await resolveNodes(cluster().ctx, { labels: { zone: 'moon' }, all: true })).to.deep.equal([]);
    });

    it('"from": "faults" refuses before any fault hit a node, and gives the nodes hit after', async () => {
      const f = cluster();
      expect(await rejection(resolveNodes(f.ctx, { from: 'faults' }))).to.equal(
        'business: "from": "faults" selects no node: no fault of this drill hit a node.',
      );
      f.state.affectedNodes.set('business', ['w2']);
      f.state.affectedNodes.set('other', ['x']);
      expect(await resolveNodes(f.ctx, { from: 'faults' })).to.deep.equal(['w2']);
    });
  });

  describe('resolveWorkload', () => {
    it('gives an existing workload and refuses a missing one', async () => {
      const ctx = cluster().ctx;
      expect(await resolveWorkload(ctx, { namespace: 'shop', kind: 'Deployment', name: 'cart' })).to.deep.equal({
        namespace: 'shop',
        kind: 'Deployment',
        name: 'cart',
      });
      expect(await rejection(resolveWorkload(ctx, { namespace: 'shop', kind: 'StatefulSet', name: 'cart' }))).to.equal(
        'business: StatefulSet shop/cart does not exist.',
      );
    });

    it('"from": "faults" refuses before any fault hit a workload, and gives the first one hit after', async () => {
      const f = cluster();
      expect(await rejection(resolveWorkload(f.ctx, { from: 'faults' }))).to.contain('selects no workload');
      f.state.affectedWorkloads.set('business', ['shop/StatefulSet/db', 'shop/Deployment/cart']);
      expect(await resolveWorkload(f.ctx, { from: 'faults' })).to.deep.equal({
        namespace: 'shop',
        kind: 'StatefulSet',
        name: 'db',
      });
    });

    it('writes and reads workload keys as namespace/Kind/name', () => {
      const ref = { namespace: 'shop', kind: 'DaemonSet' as const, name: 'agent' };
      expect(workloadKey(ref)).to.equal('shop/DaemonSet/agent');
      expect(parseWorkloadKey(workloadKey(ref))).to.deep.equal(ref);
    });
  });

  describe('resolveMembers', () => {
    it('selects members by name, all, count first, or count at random with the seed', async () => {
      const ctx = cluster().ctx;
      expect(await resolveMembers(ctx, { names: ['etcd-c'] })).to.deep.equal(['etcd-c']);
      expect(await resolveMembers(ctx, { all: true })).to.deep.equal(['etcd-a', 'etcd-b', 'etcd-c']);
      expect(await resolveMembers(ctx, { count: 2, pick: 'first' })).to.deep.equal(['etcd-a', 'etcd-b']);
      const random = await resolveMembers(ctx, { count: 2 });
      expect(random).to.have.length(2);
      expect(await resolveMembers(cluster().ctx, { count: 2 })).to.deep.equal(random);
    });

    it('refuses unknown names and more members than there are', async () => {
      expect(await rejection(resolveMembers(cluster().ctx, { names: ['etcd-z'] }))).to.equal(
        'business: no etcd member named etcd-z; members are: etcd-a, etcd-b, etcd-c.',
      );
      expect(await rejection(resolveMembers(cluster().ctx, { count: 4 }))).to.equal(
        'business: asked for 4 etcd members but there are 3.',
      );
    });

    it('"from": "faults" refuses before any fault hit a member, and gives the members hit after', async () => {
      const f = cluster();
      expect(await rejection(resolveMembers(f.ctx, { from: 'faults' }))).to.contain('selects no etcd member');
      f.state.affectedMembers.set('business', ['etcd-b']);
      expect(await resolveMembers(f.ctx, { from: 'faults' })).to.deep.equal(['etcd-b']);
    });
  });

  it('knows a master by either control-plane label', () => {
    expect(isMaster(node('a', { master: true }))).to.equal(true);
    expect(isMaster({ metadata: { name: 'b', labels: { 'node-role.kubernetes.io/control-plane': '' } } })).to.equal(
      true,
    );
    expect(isMaster(node('c'))).to.equal(false);
  });
});
