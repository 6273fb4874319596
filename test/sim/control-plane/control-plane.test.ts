import { expect } from 'chai';
import { makeSimCluster, type SimCluster } from '../../../src/sim/testing/sim-cluster.js';
import type { TopologyNode } from '../../../src/sim/topology/types.js';

const NODES: TopologyNode[] = [
  { name: '10.128.38.1', role: 'master' },
  { name: '10.128.38.2', role: 'master' },
  { name: '10.128.38.3', role: 'master' },
  { name: '10.128.38.6', role: 'worker' },
];

describe('simulated control plane', () => {
  let sim: SimCluster;
  afterEach(() => sim?.close());

  it('runs the static pods of every master as mirror pods owned by the node', async () => {
    sim = makeSimCluster({ nodes: NODES });
    await sim.ctx.advance(5_000);
    const p = sim.ctx.store.get('pods', 'kube-system', 'kube-apiserver-10.128.38.2')!;
    expect(p.metadata.annotations?.['kubernetes.io/config.mirror']).to.be.a('string');
    expect(p.metadata.ownerReferences?.[0]).to.include({ kind: 'Node', name: '10.128.38.2' });
    expect(p.status.phase).to.equal('Running');
    expect(p.status.podIP).to.equal('10.128.38.2');
    const names = sim.ctx.store.list('pods', { namespace: 'kube-system' }).map((x) => x.metadata.name);
    expect(names).to.include.members([
      'etcd-10.128.38.1',
      'kube-controller-manager-10.128.38.3',
      'kube-scheduler-10.128.38.1',
    ]);
  });

  it('moves controller-manager leadership when the leader manifest goes out, and recreates the mirror pod when it comes back', async () => {
    sim = makeSimCluster({ nodes: NODES });
    const { ctx, controlPlane, hosts } = sim;
    await ctx.advance(5_000);
    const leader = controlPlane.leader('kube-controller-manager')!;
    const firstIdentity = controlPlane.leaderIdentity('kube-controller-manager')!;
    expect(firstIdentity.startsWith(`${leader}_`)).to.equal(true);
    const t0 = ctx.clock.now();
    let inactiveAt: number | undefined;
    let activeAt: number | undefined;
    controlPlane.onChange((c) => {
      if (c !== 'kube-controller-manager') return;
      if (!controlPlane.active(c)) inactiveAt ??= ctx.clock.now();
      else if (inactiveAt !== undefined) activeAt ??= ctx.clock.now();
    });
    await hosts.ops().manifest(leader, 'kube-controller-manager', 'out');
    await ctx.advance(30_000);
    expect(ctx.store.get('pods', 'kube-system', `kube-controller-manager-${leader}`)).to.equal(undefined);
    const next = controlPlane.leader('kube-controller-manager');
    expect(next).to.be.a('string').and.not.equal(leader);
    expect(inactiveAt! - t0).to.be.at.most(ctx.params.staticPodInotifyDelay + 1);
    // The new leader needs the old lease to expire: leaseDuration after the last renewal, at most one retry later.
    expect(activeAt! - inactiveAt!).to.be.within(
      ctx.params.leaderLeaseDuration - ctx.params.leaderRetryPeriod - ctx.params.staticPodInotifyDelay,
      ctx.params.leaderLeaseDuration + ctx.params.leaderRetryPeriod,
    );
    const lease = ctx.store.get('leases', 'kube-system', 'kube-controller-manager')!;
    expect(lease.spec.holderIdentity.startsWith(`${next}_`)).to.equal(true);
    expect(lease.spec.leaseTransitions).to.equal(1);
    const events = ctx.store.list('events', { namespace: 'kube-system' }).filter((e) => e.reason === 'LeaderElection');
    expect(events.map((e) => e.message)).to.include(`${lease.spec.holderIdentity} became leader`);

    await hosts.ops().manifest(leader, 'kube-controller-manager', 'in');
    await ctx.advance(10_000);
    const back = ctx.store.get('pods', 'kube-system', `kube-controller-manager-${leader}`)!;
    expect(back.status.phase).to.equal('Running');
  });

  it('treats a cluster without masters as having a managed control plane that always serves', async () => {
    sim = makeSimCluster({
      nodes: [
        { name: 'w1', role: 'worker' },
        { name: 'w2', role: 'worker' },
      ],
    });
    await sim.ctx.advance(5_000);
    expect(sim.etcd).to.equal(undefined);
    expect(sim.controlPlane.active('kube-controller-manager')).to.equal(true);
    await sim.hosts.ops().service('w1', 'kubelet', 'stop');
    await sim.ctx.advance(60_000);
    expect(
      sim.ctx.store.get('nodes', undefined, 'w1')!.status.conditions.find((c: { type: string }) => c.type === 'Ready')
        .status,
    ).to.equal('Unknown');
  });

  it('keeps the apiserver available while one master serves it, and loses it when none does', async () => {
    sim = makeSimCluster({ nodes: NODES, etcd: false });
    const { ctx, controlPlane, hosts } = sim;
    await ctx.advance(5_000);
    await hosts.ops().manifest('10.128.38.1', 'kube-apiserver', 'out');
    await hosts.ops().power('10.128.38.2', 'off');
    await ctx.advance(5_000);
    expect(controlPlane.active('kube-apiserver')).to.equal(true);
    expect(controlPlane.servingApiservers()).to.deep.equal(['10.128.38.3']);
    await hosts.ops().network('10.128.38.3', 'disconnect');
    await ctx.advance(1_000);
    expect(controlPlane.active('kube-apiserver')).to.equal(false);
    expect(controlPlane.active('kube-controller-manager')).to.equal(false);
    await hosts.ops().manifest('10.128.38.1', 'kube-apiserver', 'in');
    await ctx.advance(10_000);
    expect(controlPlane.active('kube-apiserver')).to.equal(true);
  });
});
