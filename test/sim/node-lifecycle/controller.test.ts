import { expect } from 'chai';
import type { KubeObject, Taint } from '../../../src/kube/objects.js';
import { conditionOf } from '../../../src/kube/objects.js';
import { makeSimCluster, type SimCluster } from '../../../src/sim/testing/sim-cluster.js';
import type { TopologyNode } from '../../../src/sim/topology/types.js';

const NODES: TopologyNode[] = [
  { name: '10.128.38.1', role: 'master' },
  { name: '10.128.38.6', role: 'worker' },
  { name: '10.128.38.7', role: 'worker' },
  { name: '10.128.38.8', role: 'worker' },
];
const WORKER = '10.128.38.6';

function taints(sim: SimCluster, node: string): Taint[] {
  return (sim.ctx.store.get('nodes', undefined, node)?.spec?.taints ?? []) as Taint[];
}

function tolerating(name: string, seconds: number | undefined): KubeObject {
  const tol = (key: string): Record<string, unknown> => {
    const t: Record<string, unknown> = { key, operator: 'Exists', effect: 'NoExecute' };
    if (seconds !== undefined) t.tolerationSeconds = seconds;
    return t;
  };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName: WORKER,
      containers: [{ name: 'app', image: 'tomcat:8.5' }],
      tolerations: [tol('node.kubernetes.io/not-ready'), tol('node.kubernetes.io/unreachable')],
    },
  };
}

/** Stop the worker's kubelet right after its Lease was renewed; resolves the stop time. */
async function stopKubeletAfterRenewal(sim: SimCluster): Promise<number> {
  const { ctx, hosts } = sim;
  let stoppedAt: number | undefined;
  const off = ctx.store.onChange((e) => {
    if (
      stoppedAt === undefined &&
      e.resource === 'leases' &&
      e.object.metadata.name === WORKER &&
      e.type === 'MODIFIED'
    ) {
      stoppedAt = ctx.clock.now();
      void hosts.ops().service(WORKER, 'kubelet', 'stop');
    }
  });
  await ctx.advance(ctx.params.leaseRenewInterval + 1);
  off();
  expect(stoppedAt).to.be.a('number');
  return stoppedAt!;
}

/** The first virtual time at which `check` holds, checking on every store change. */
function whenTrue(sim: SimCluster, check: () => boolean): { at: () => number | undefined; stop: () => void } {
  let at: number | undefined;
  const stop = sim.ctx.store.onChange(() => {
    if (at === undefined && check()) at = sim.ctx.clock.now();
  });
  return { at: () => at, stop };
}

describe('node-lifecycle controller', () => {
  let sim: SimCluster;
  afterEach(() => sim?.close());

  it('marks a node whose kubelet stopped Unknown 40-45 s later, with the unreachable taints and its pods not Ready', async () => {
    sim = makeSimCluster({ nodes: NODES });
    const { ctx } = sim;
    ctx.store.create('pods', tolerating('web', 300));
    await ctx.advance(30_000);
    expect(conditionOf(ctx.store.get('pods', 'default', 'web')!, 'Ready')?.status).to.equal('True');
    const unknown = whenTrue(
      sim,
      () => conditionOf(ctx.store.get('nodes', undefined, WORKER)!, 'Ready')?.status === 'Unknown',
    );
    const stoppedAt = await stopKubeletAfterRenewal(sim);
    await ctx.advance(60_000);
    unknown.stop();
    const after = (unknown.at()! - stoppedAt) / 1000;
    expect(after).to.be.within(40, 45);
    const node = ctx.store.get('nodes', undefined, WORKER)!;
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      const c = conditionOf(node, type)!;
      expect(c.status).to.equal('Unknown');
      expect(c.reason).to.equal('NodeStatusUnknown');
      expect(c.message).to.equal('Kubelet stopped posting node status.');
    }
    expect(taints(sim, WORKER).map((t) => `${t.key}:${t.effect}`)).to.have.members([
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/unreachable:NoSchedule',
    ]);
    expect(taints(sim, WORKER).find((t) => t.effect === 'NoExecute')?.timeAdded).to.be.a('string');
    expect(conditionOf(ctx.store.get('pods', 'default', 'web')!, 'Ready')?.status).to.equal('False');
    const events = ctx.store.list('events').map((e) => e.reason);
    expect(events).to.include('NodeNotReady');
  });

  it('deletes a pod with the default 300 s toleration about 300 s after the taint, and it stays Terminating', async () => {
    sim = makeSimCluster({ nodes: NODES });
    const { ctx } = sim;
    ctx.store.create('pods', tolerating('web', 300));
    await ctx.advance(30_000);
    const tainted = whenTrue(sim, () => taints(sim, WORKER).some((t) => t.effect === 'NoExecute'));
    const deleting = whenTrue(
      sim,
      () => ctx.store.get('pods', 'default', 'web')?.metadata.deletionTimestamp !== undefined,
    );
    await sim.hosts.ops().network(WORKER, 'disconnect');
    await ctx.advance(400_000);
    tainted.stop();
    deleting.stop();
    const delay = (deleting.at()! - tainted.at()!) / 1000;
    expect(delay).to.be.within(300, 301);
    const p = ctx.store.get('pods', 'default', 'web')!;
    expect(p.metadata.deletionTimestamp).to.be.a('string');
    expect(p.status.reason).to.equal('NodeLost');
    const dt = conditionOf(p, 'DisruptionTarget')!;
    expect(dt.reason).to.equal('DeletionByTaintManager');
    expect(ctx.store.list('events').some((e) => e.reason === 'TaintManagerEviction')).to.equal(true);
    // The node comes back: its kubelet stops the containers and the pod object goes.
    await sim.hosts.ops().network(WORKER, 'connect');
    await ctx.advance(30_000);
    expect(ctx.store.get('pods', 'default', 'web')).to.equal(undefined);
    expect(taints(sim, WORKER)).to.deep.equal([]);
  });

  it('moves a pod with a 3 s toleration within 3-8 s of the taint', async () => {
    sim = makeSimCluster({ nodes: NODES });
    const { ctx } = sim;
    ctx.store.create('pods', tolerating('fast', 3));
    await ctx.advance(30_000);
    const tainted = whenTrue(sim, () => taints(sim, WORKER).some((t) => t.effect === 'NoExecute'));
    const deleting = whenTrue(
      sim,
      () => ctx.store.get('pods', 'default', 'fast')?.metadata.deletionTimestamp !== undefined,
    );
    await sim.hosts.ops().service(WORKER, 'kubelet', 'stop');
    await ctx.advance(120_000);
    tainted.stop();
    deleting.stop();
    expect((deleting.at()! - tainted.at()!) / 1000).to.be.within(3, 8);
  });

  it('never evicts a pod whose toleration has no seconds', async () => {
    sim = makeSimCluster({ nodes: NODES });
    const { ctx } = sim;
    ctx.store.create('pods', tolerating('forever', undefined));
    await ctx.advance(10_000);
    await sim.hosts.ops().service(WORKER, 'kubelet', 'stop');
    await ctx.advance(900_000);
    expect(ctx.store.get('pods', 'default', 'forever')?.metadata.deletionTimestamp).to.equal(undefined);
  });

  it('taints a node Ready=False (container runtime down) not-ready, and untaints it when Ready again', async () => {
    sim = makeSimCluster({ nodes: NODES });
    const { ctx, hosts } = sim;
    await ctx.advance(10_000);
    await hosts.ops().service(WORKER, 'container-runtime', 'stop');
    await ctx.advance(30_000);
    const node = ctx.store.get('nodes', undefined, WORKER)!;
    expect(conditionOf(node, 'Ready')?.status).to.equal('False');
    expect(conditionOf(node, 'Ready')?.reason).to.equal('KubeletNotReady');
    expect(conditionOf(node, 'Ready')?.message).to.match(/^container runtime is down/);
    expect(taints(sim, WORKER).map((t) => `${t.key}:${t.effect}`)).to.have.members([
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/not-ready:NoSchedule',
    ]);
    await ctx.advance(200_000);
    expect(conditionOf(ctx.store.get('nodes', undefined, WORKER)!, 'Ready')?.message).to.match(
      /^container runtime is down, PLEG is not healthy: pleg was last seen active \dm\d+s ago; threshold is 3m0s$/,
    );
    await hosts.ops().service(WORKER, 'container-runtime', 'start');
    await ctx.advance(10_000);
    expect(conditionOf(ctx.store.get('nodes', undefined, WORKER)!, 'Ready')?.status).to.equal('True');
    expect(taints(sim, WORKER)).to.deep.equal([]);
  });

  it('stops evicting when every node is NotReady (full disruption) and removes the NoExecute taints', async () => {
    const nodes: TopologyNode[] = [
      { name: '10.128.38.1', role: 'master' },
      { name: '10.128.38.6', role: 'worker' },
      { name: '10.128.38.7', role: 'worker' },
    ];
    sim = makeSimCluster({ nodes });
    const { ctx, hosts } = sim;
    await ctx.advance(10_000);
    // Partition every node but keep the control plane itself running: the master's kubelet stops instead.
    await hosts.ops().service('10.128.38.1', 'kubelet', 'stop');
    await hosts.ops().network('10.128.38.6', 'disconnect');
    await hosts.ops().network('10.128.38.7', 'disconnect');
    await ctx.advance(120_000);
    for (const n of nodes) {
      expect(conditionOf(ctx.store.get('nodes', undefined, n.name)!, 'Ready')?.status).to.equal('Unknown');
      expect(taints(sim, n.name).filter((t) => t.effect === 'NoExecute')).to.deep.equal([]);
    }
    expect(sim.nodeLifecycle.zones().get('')).to.equal('FullDisruption');
  });

  it('taints a node under memory pressure and evicts its BestEffort pods first', async () => {
    sim = makeSimCluster({ nodes: NODES });
    const { ctx, hosts } = sim;
    const best: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'besteffort', namespace: 'default', annotations: { 'sim.gameday.io/memory-usage': '200Mi' } },
      // busybox runs what it is told: without a command its shell would exit at once.
      spec: { nodeName: WORKER, containers: [{ name: 'app', image: 'busybox:1.30', command: ['sleep', '3600'] }] },
    };
    const guaranteed: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'guaranteed', namespace: 'default' },
      spec: {
        nodeName: WORKER,
        containers: [
          {
            name: 'app',
            image: 'tomcat:8.5',
            resources: { requests: { memory: '1Gi', cpu: '1' }, limits: { memory: '1Gi', cpu: '1' } },
          },
        ],
      },
    };
    ctx.store.create('pods', best);
    ctx.store.create('pods', guaranteed);
    await ctx.advance(20_000);
    // 30.8Gi outside Kubernetes + 1Gi + 200Mi leaves less than the 100Mi eviction threshold of 32Gi.
    await hosts.ops().pressure(WORKER, 'memory', '30.8Gi');
    await ctx.advance(25_000);
    const node = ctx.store.get('nodes', undefined, WORKER)!;
    expect(conditionOf(node, 'MemoryPressure')?.status).to.equal('True');
    expect(conditionOf(node, 'MemoryPressure')?.reason).to.equal('KubeletHasInsufficientMemory');
    expect(taints(sim, WORKER).map((t) => `${t.key}:${t.effect}`)).to.include(
      'node.kubernetes.io/memory-pressure:NoSchedule',
    );
    const evicted = ctx.store.get('pods', 'default', 'besteffort')!;
    expect(evicted.status.phase).to.equal('Failed');
    expect(evicted.status.reason).to.equal('Evicted');
    await hosts.ops().relieve(WORKER, 'memory');
    await ctx.advance(ctx.params.evictionPressureTransitionPeriod + 30_000);
    expect(conditionOf(ctx.store.get('nodes', undefined, WORKER)!, 'MemoryPressure')?.status).to.equal('False');
    expect(taints(sim, WORKER)).to.deep.equal([]);
    expect(ctx.store.get('pods', 'default', 'guaranteed')!.status.phase).to.equal('Running');
  });
});
