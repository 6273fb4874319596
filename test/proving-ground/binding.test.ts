import { expect } from 'chai';
import { VirtualClock } from '../../src/engine/clock.js';
import { isNodeReady } from '../../src/kube/objects.js';
import type { HostReport } from '../../src/proving-ground/host/report.js';
import { hostLayout } from '../../src/proving-ground/layout.js';
import { groundTopology } from '../../src/proving-ground/topology.js';
import { HostBinding } from '../../src/sim/host-binding/binding.js';
import { rfc3339micro } from '../../src/sim/kubelet/kubelet.js';
import { DEFAULT_PARAMS } from '../../src/sim/params.js';
import { Simulator, type SimCluster } from '../../src/sim/simulator.js';

const HOSTS = hostLayout('t', '10.9.9.0/24');
const CP = 't-control-plane';
const W = 't-worker';

/**
 * The simulator bound to hosts, driven by reports as the hosts' agents send them (over the host channel's
 * HTTP, with the token), on the virtual clock: nothing but the agent keeps a bound node Ready, a report's
 * static pods become mirror pods, a silent or stopping agent stops the node's kubelet in the model.
 */
describe('simulator bound to real hosts (host channel)', function () {
  this.timeout(30_000);
  let sim: Simulator;
  let cluster: SimCluster;
  let binding: HostBinding;
  let clock: VirtualClock;

  beforeEach(async () => {
    clock = new VirtualClock();
    sim = await Simulator.start({
      topology: groundTopology('t', HOSTS),
      params: DEFAULT_PARAMS,
      clock,
      seed: 1,
      serve: false,
    });
    cluster = sim.cluster('kind-t');
    // Workers and the first control plane are real hosts; the other control planes stay the model's.
    binding = await HostBinding.start(
      cluster,
      {
        nodes: [CP, ...HOSTS.filter((h) => h.role === 'worker').map((h) => h.name)],
        token: 'secret',
        listen: { host: '127.0.0.1' },
      },
      ['https://10.9.9.11:2379'],
    );
  });

  afterEach(async () => {
    await binding.close();
    await sim.close();
  });

  function report(node: string, extra: Partial<HostReport> = {}, token = 'secret'): Promise<Response> {
    const body: HostReport = { node, bootID: 'boot-1', agentPid: 42, runtime: 'active', staticPods: [], ...extra };
    return fetch(`${binding.channelUrl}/hosts/${node}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  /** What the agent does through the API: renew its Lease. */
  function renew(node: string): void {
    cluster.ctx.store.mutate('leases', 'kube-node-lease', node, (l) => {
      l.spec = { ...l.spec, renewTime: rfc3339micro(clock.now()) };
    });
  }

  /** An agent at work: a report every 2 s, a Lease renewal every 10 s, for `ms` of virtual time. */
  async function agent(node: string, ms: number, extra: Partial<HostReport> = {}): Promise<void> {
    for (let t = 0; t < ms; t += 2000) {
      await report(node, extra);
      if (t % 10_000 === 0) renew(node);
      await clock.sleep(2000);
    }
  }

  const ready = (node: string): boolean => isNodeReady(cluster.ctx.store.get('nodes', undefined, node)!);
  const mirror = (name: string) => cluster.ctx.store.get('pods', 'kube-system', name);

  it('refuses reports without the token, for a node that is not bound, or that are not reports', async () => {
    expect((await report(W, {}, 'wrong')).status).to.equal(401);
    expect((await report('t-control-plane2')).status).to.equal(404);
    const bad = await fetch(`${binding.channelUrl}/hosts/${W}`, {
      method: 'POST',
      headers: { authorization: 'Bearer secret' },
      body: '{"node":"t-worker"}',
    });
    expect(bad.status).to.equal(400);
    expect((await report(W)).status).to.equal(200);
  });

  it('renews no Lease for a bound node: without its agent it goes NotReady, a model node stays Ready', async () => {
    await clock.sleep(70_000);
    expect(ready(W), 'bound worker').to.equal(false);
    expect(ready('t-control-plane2'), "the model's node").to.equal(true);
    expect(cluster.hosts.host(W).kubelet).to.equal('stopped');
  });

  it("keeps a bound node Ready while its agent renews and reports; a stopping agent stops the node's kubelet at once", async () => {
    await agent(W, 60_000);
    expect(ready(W)).to.equal(true);
    expect(cluster.hosts.host(W).kubelet).to.equal('running');
    await report(W, { stopping: true });
    expect(cluster.hosts.host(W).kubelet).to.equal('stopped');
  });

  it("follows the control plane's manifests as reported: a scheduler manifest gone removes its mirror pod", async () => {
    const all = [
      { name: 'etcd', hash: 'a', state: 'running' as const, restarts: 0 },
      {
        name: 'kube-apiserver',
        hash: 'b',
        state: 'simulated' as const,
        restarts: 0,
        etcdServers: ['https://10.9.9.11:2379'],
      },
      { name: 'kube-controller-manager', hash: 'c', state: 'simulated' as const, restarts: 0 },
      { name: 'kube-scheduler', hash: 'd', state: 'simulated' as const, restarts: 0 },
    ];
    await report(CP, { staticPods: all });
    await clock.sleep(3000);
    expect(mirror(`kube-scheduler-${CP}`)).to.not.equal(undefined);
    await report(CP, { staticPods: all.filter((p) => p.name !== 'kube-scheduler') });
    await clock.sleep(3000);
    expect(mirror(`kube-scheduler-${CP}`)).to.equal(undefined);
    // The member's process died while its manifest stays: the mirror pod says so.
    await report(CP, { staticPods: all.map((p) => (p.name === 'etcd' ? { ...p, state: 'exited' as const } : p)) });
    await clock.sleep(3000);
    expect(mirror(`etcd-${CP}`)?.status?.containerStatuses?.[0]?.ready).to.equal(false);
    expect(binding.etcdEndpoints()).to.deep.equal(['https://10.9.9.11:2379']);
    await report(CP, {
      staticPods: all.map((p) => (p.name === 'kube-apiserver' ? { ...p, etcdServers: ['https://10.9.9.12:2379'] } : p)),
    });
    expect(binding.etcdEndpoints()).to.deep.equal(['https://10.9.9.12:2379']);
  });

  it("a new boot id means the host was power-cycled: the node's containers are started anew", async () => {
    await agent(W, 60_000);
    const pods = () => cluster.ctx.store.podsOnNode(W).filter((p) => p.metadata.namespace !== 'kube-system');
    const restarts = () => pods().reduce((n, p) => n + (p.status?.containerStatuses?.[0]?.restartCount ?? 0), 0);
    expect(pods().length).to.be.greaterThan(0);
    const before = restarts();
    await agent(W, 30_000, { bootID: 'boot-2' });
    expect(restarts()).to.be.greaterThan(before);
  });
});
