import { expect } from 'chai';
import type { Taint } from '../../../src/kube/objects.js';
import { conditionOf } from '../../../src/kube/objects.js';
import { makeSimCluster, type SimCluster } from '../../../src/sim/testing/sim-cluster.js';
import type { TopologyNode } from '../../../src/sim/topology/types.js';

function noExecuteTaintedAt(sim: SimCluster): Map<string, number> {
  const at = new Map<string, number>();
  sim.ctx.store.onChange((e) => {
    if (e.resource !== 'nodes' || at.has(e.object.metadata.name)) return;
    if (((e.object.spec?.taints ?? []) as Taint[]).some((t) => t.effect === 'NoExecute'))
      at.set(e.object.metadata.name, sim.ctx.clock.now());
  });
  return at;
}

const workers = (n: number): TopologyNode[] =>
  Array.from({ length: n }, (_, i) => ({ name: `10.128.38.${6 + i}`, role: 'worker' as const }));

describe('node-lifecycle controller: rate limiting and disruption', () => {
  let sim: SimCluster;
  afterEach(() => sim?.close());

  it('taints a second failed node of a healthy zone 1/nodeEvictionRate = 10 s after the first', async () => {
    sim = makeSimCluster({ nodes: [{ name: '10.128.38.1', role: 'master' }, ...workers(5)] });
    await sim.ctx.advance(10_000);
    const at = noExecuteTaintedAt(sim);
    await sim.hosts.ops().network('10.128.38.6', 'disconnect');
    await sim.hosts.ops().network('10.128.38.7', 'disconnect');
    await sim.ctx.advance(120_000);
    const times = [...at.values()].sort((a, b) => a - b);
    expect(times).to.have.length(2);
    expect(times[1]! - times[0]!).to.equal(1000 / sim.ctx.params.nodeEvictionRate);
  });

  it('stops adding NoExecute taints once a small cluster zone is partially disrupted (secondary rate 0)', async () => {
    sim = makeSimCluster({ nodes: [{ name: '10.128.38.1', role: 'master' }, ...workers(4)] });
    await sim.ctx.advance(10_000);
    const at = noExecuteTaintedAt(sim);
    for (const n of ['10.128.38.6', '10.128.38.7', '10.128.38.8']) await sim.hosts.ops().power(n, 'off');
    await sim.ctx.advance(300_000);
    expect(conditionOf(sim.ctx.store.get('nodes', undefined, '10.128.38.8')!, 'Ready')?.status).to.equal('Unknown');
    expect(sim.nodeLifecycle.zones().get('')).to.equal('PartialDisruption');
    // Nodes missed their heartbeats at different moments: those that went Unknown while the zone was still
    // Normal were tainted; the one that tipped the zone into partial disruption was not.
    expect(at.size).to.be.below(3);
  });

  it('recovers from a data-centre power loss: masters first, then workers, every node Ready again', async () => {
    const masters: TopologyNode[] = [1, 2, 3].map((i) => ({ name: `10.128.38.${i}`, role: 'master' as const }));
    sim = makeSimCluster({ nodes: [...masters, ...workers(3)] });
    const { ctx, hosts } = sim;
    ctx.store.create('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        nodeName: '10.128.38.6',
        containers: [{ name: 'app', image: 'tomcat:8.5' }],
        tolerations: [{ operator: 'Exists', effect: 'NoExecute' }],
      },
    });
    await ctx.advance(30_000);
    const all = [...masters, ...workers(3)].map((n) => n.name);
    for (const n of all) await hosts.ops().power(n, 'off');
    await ctx.advance(600_000);
    expect(sim.controlPlane.active('kube-apiserver')).to.equal(false);
    expect(sim.ctx.store.availability()).to.equal('etcdserver: request timed out');
    const t0 = ctx.clock.now();
    for (const m of masters) await hosts.ops().power(m.name, 'on');
    await ctx.advance(ctx.params.hostBootTime + 30_000);
    expect(sim.controlPlane.active('kube-apiserver')).to.equal(true);
    expect(sim.controlPlane.active('kube-controller-manager')).to.equal(true);
    expect(sim.ctx.store.availability()).to.equal(undefined);
    for (const w of workers(3)) await hosts.ops().power(w.name, 'on');
    await ctx.advance(ctx.params.hostBootTime + 30_000);
    for (const n of all)
      expect(conditionOf(ctx.store.get('nodes', undefined, n)!, 'Ready')?.status, n).to.equal('True');
    expect(ctx.store.get('pods', 'default', 'web')!.status.phase).to.equal('Running');
    expect(conditionOf(ctx.store.get('pods', 'default', 'web')!, 'Ready')?.status).to.equal('True');
    expect(ctx.clock.now() - t0).to.be.below(15 * 60_000);
    for (const n of all)
      expect((ctx.store.get('nodes', undefined, n)!.spec.taints ?? []) as Taint[], n).to.deep.equal([]);
  });

  it('marks an overloaded node NotReady after the grace period while its containers keep running', async () => {
    sim = makeSimCluster({ nodes: [{ name: '10.128.38.1', role: 'master' }, ...workers(2)] });
    await sim.ctx.advance(10_000);
    await sim.hosts.ops().overload('10.128.38.6', 'start');
    await sim.ctx.advance(60_000);
    expect(conditionOf(sim.ctx.store.get('nodes', undefined, '10.128.38.6')!, 'Ready')?.status).to.equal('Unknown');
    await sim.hosts.ops().overload('10.128.38.6', 'stop');
    await sim.ctx.advance(5_000);
    expect(conditionOf(sim.ctx.store.get('nodes', undefined, '10.128.38.6')!, 'Ready')?.status).to.equal('True');
  });

  it('marks a frozen node Unknown and brings it back when unpaused', async () => {
    sim = makeSimCluster({ nodes: [{ name: '10.128.38.1', role: 'master' }, ...workers(2)] });
    await sim.ctx.advance(10_000);
    await sim.hosts.ops().freeze('10.128.38.7', 'pause');
    await sim.ctx.advance(60_000);
    expect(conditionOf(sim.ctx.store.get('nodes', undefined, '10.128.38.7')!, 'Ready')?.status).to.equal('Unknown');
    await sim.hosts.ops().freeze('10.128.38.7', 'unpause');
    await sim.ctx.advance(5_000);
    expect(conditionOf(sim.ctx.store.get('nodes', undefined, '10.128.38.7')!, 'Ready')?.status).to.equal('True');
  });
});
