import { expect } from 'chai';
import { InvalidInputError } from '../../../src/errors.js';
import { conditionOf } from '../../../src/kube/objects.js';
import { KUBERNETES_VERSION } from '../../../src/sim/kubernetes-version.js';
import { nextNodeName } from '../../../src/sim/kubelet/node-naming.js';
import { makeSimCluster, type SimCluster } from '../../../src/sim/testing/sim-cluster.js';
import { cluster, containerStatus, pod, podOf, closeClusters } from './helpers.js';

const W = '10.128.38.6';

describe('simulated hosts: node operations', () => {
  afterEach(closeClusters);
  let sim: SimCluster | undefined;
  afterEach(() => sim?.close());

  it('registers nodes with the simulated release as their kubelet version, capacity, addresses and a Lease', () => {
    const { ctx } = cluster();
    const master = ctx.store.get('nodes', undefined, '10.128.38.1')!;
    const worker = ctx.store.get('nodes', undefined, W)!;
    expect(master.metadata.labels).to.include({
      'node-role.kubernetes.io/master': '',
      'kubernetes.io/hostname': '10.128.38.1',
    });
    expect(worker.metadata.labels).to.include({ 'node-role.kubernetes.io/node': '' });
    expect(worker.status.addresses).to.deep.include({ type: 'InternalIP', address: W });
    expect(worker.status.capacity).to.include({ cpu: '8', memory: '33554432Ki', pods: '110' });
    expect(worker.status.nodeInfo.kubeletVersion).to.equal(KUBERNETES_VERSION);
    expect(worker.status.nodeInfo.kubeProxyVersion).to.equal(KUBERNETES_VERSION);
    expect(conditionOf(worker, 'Ready')).to.include({
      status: 'True',
      reason: 'KubeletReady',
      message: 'kubelet is posting ready status',
    });
    expect(ctx.store.get('leases', 'kube-node-lease', W)?.spec.holderIdentity).to.equal(W);
  });

  it('renews each Lease every 10 s, nodes at different phases', async () => {
    const { ctx } = cluster();
    const renewals = new Map<string, number[]>();
    ctx.store.onChange((e) => {
      if (e.resource !== 'leases' || e.object.metadata.namespace !== 'kube-node-lease') return;
      const list = renewals.get(e.object.metadata.name) ?? [];
      list.push(ctx.clock.now());
      renewals.set(e.object.metadata.name, list);
    });
    await ctx.advance(60_000);
    const phases = new Set<number>();
    for (const times of renewals.values()) {
      const gaps = times.slice(1).map((t, i) => t - times[i]!);
      expect(gaps.every((g) => g === ctx.params.leaseRenewInterval)).to.equal(true);
      phases.add(times[0]! % ctx.params.leaseRenewInterval);
    }
    expect(phases.size).to.be.greaterThan(1);
  });

  it('brings a powered-off node back Ready after boot, restarting its containers', async () => {
    sim = makeSimCluster({
      nodes: [
        { name: '10.128.38.1', role: 'master' },
        { name: W, role: 'worker' },
      ],
    });
    const { ctx, hosts } = sim;
    // Tolerating the unreachable taint forever keeps the taint manager from deleting the pod meanwhile.
    ctx.store.create('pods', pod('web', W, { spec: { tolerations: [{ operator: 'Exists', effect: 'NoExecute' }] } }));
    await ctx.advance(20_000);
    await hosts.ops().power(W, 'off');
    expect(await hosts.ops().serviceState(W, 'kubelet')).to.equal('unknown');
    await ctx.advance(120_000);
    expect(conditionOf(ctx.store.get('nodes', undefined, W)!, 'Ready')?.status).to.equal('Unknown');
    const onAt = ctx.clock.now();
    await hosts.ops().power(W, 'on');
    await hosts.ops().power(W, 'on');
    let readyAt: number | undefined;
    ctx.store.onChange((e) => {
      if (e.resource === 'nodes' && e.object.metadata.name === W && conditionOf(e.object, 'Ready')?.status === 'True')
        readyAt ??= ctx.clock.now();
    });
    await ctx.advance(ctx.params.hostBootTime + 30_000);
    expect(readyAt! - onAt).to.equal(ctx.params.hostBootTime);
    const p = podOf(ctx, 'web')!;
    expect(p.status.phase).to.equal('Running');
    expect(containerStatus(p)!.restartCount).to.equal(1);
    expect(await hosts.ops().serviceState(W, 'kubelet')).to.equal('active');
  });

  it('keeps containers running while the kubelet is stopped, and reports the service inactive', async () => {
    const { ctx, hosts } = cluster();
    ctx.store.create('pods', pod('web', W));
    await ctx.advance(20_000);
    await hosts.ops().service(W, 'kubelet', 'stop');
    await hosts.ops().service(W, 'kubelet', 'stop');
    expect(await hosts.ops().serviceState(W, 'kubelet')).to.equal('inactive');
    await ctx.advance(120_000);
    await hosts.ops().service(W, 'kubelet', 'start');
    await ctx.advance(5_000);
    expect(containerStatus(podOf(ctx, 'web'))!.restartCount).to.equal(0);
  });

  it('adds a node named like the cluster that joins NotReady and turns Ready, and removes a node', async () => {
    const { ctx, hosts } = cluster();
    const name = await hosts.ops().addNode({});
    expect(name).to.equal('10.128.38.8');
    await ctx.advance(1_000);
    expect(conditionOf(ctx.store.get('nodes', undefined, name)!, 'Ready')?.status).to.equal('False');
    await ctx.advance(ctx.params.nodeStatusUpdateFrequency + 1_000);
    expect(conditionOf(ctx.store.get('nodes', undefined, name)!, 'Ready')?.status).to.equal('True');
    await hosts.ops().removeNode(name);
    expect(ctx.store.get('nodes', undefined, name)).to.equal(undefined);
    expect(ctx.store.get('leases', 'kube-node-lease', name)).to.equal(undefined);
  });

  it('throws InvalidInputError naming the nodes for an unknown node', async () => {
    const { hosts } = cluster();
    const err = await hosts
      .ops()
      .service('10.0.0.99', 'kubelet', 'stop')
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InvalidInputError);
    expect((err as Error).message).to.equal(
      'Node "10.0.0.99" is not part of cluster "sim". Its nodes: 10.128.38.1, 10.128.38.6, 10.128.38.7.',
    );
  });

  it('names new nodes after the cluster naming', () => {
    expect(nextNodeName(['10.128.39.1', '10.128.39.6'], 'worker', 'paas')).to.equal('10.128.39.7');
    expect(
      nextNodeName(['kind-control-plane', 'kind-worker', 'kind-worker2', 'kind-worker3'], 'worker', 'kind'),
    ).to.equal('kind-worker4');
    expect(nextNodeName(['alpha', 'beta'], 'worker', 'lab')).to.equal('lab-worker-3');
  });
});
