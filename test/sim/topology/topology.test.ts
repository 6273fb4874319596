import { expect } from 'chai';
import type { KubeObject } from '../../../src/kube/objects.js';
import { InvalidInputError } from '../../../src/errors.js';
import { controlPlaneControllers } from '../../../src/sim/controllers/index.js';
import { podRequests } from '../../../src/sim/controllers/pods.js';
import { bytes, cpuMillis } from '../../../src/sim/controllers/quantity.js';
import { defaultTopology } from '../../../src/sim/topology/default-topology.js';
import { parseTopology, validateTopology } from '../../../src/sim/topology/load-topology.js';
import { expandWorkload, seedWorkloads } from '../../../src/sim/topology/seed.js';
import type { TopologyCluster, TopologyNode } from '../../../src/sim/topology/types.js';
import { FakeKubelet, node, testSim, type TestSim } from '../controllers/helpers.js';

function nodeFor(n: TopologyNode): KubeObject {
  const obj = node(n.name, { cpu: n.cpu ?? '8', memory: n.memory ?? '32Gi', pods: n.pods ?? 110 });
  if (n.taints) obj.spec.taints = n.taints;
  return obj;
}

function cluster(name: string): TopologyCluster {
  return defaultTopology().clusters.find((c) => c.name === name)!;
}

describe('defaultTopology', () => {
  it('validates against schemas/topology.schema.json', () => {
    const json = JSON.stringify(defaultTopology(), null, 2);
    const { topology, params } = parseTopology(json, 'default-topology.json');
    expect(topology.clusters.map((c) => c.name)).to.deep.equal(['control', 'business', 'paas']);
    expect(params.defaultTolerationSeconds).to.equal(300);
  });

  it('has the runbook clusters: 5, 7 and 6 nodes named by IP, 3 tainted masters each', () => {
    const t = defaultTopology();
    expect(t.clusters.map((c) => c.nodes.length)).to.deep.equal([5, 7, 6]);
    expect(cluster('control').nodes.map((n) => n.name)).to.deep.equal([
      '10.128.38.1',
      '10.128.38.2',
      '10.128.38.3',
      '10.128.38.4',
      '10.128.38.5',
    ]);
    expect(cluster('business').nodes[0]!.name).to.equal('10.128.38.6');
    expect(cluster('business').nodes[6]!.name).to.equal('10.128.38.12');
    expect(cluster('paas').nodes.map((n) => n.name)[5]).to.equal('10.128.39.6');
    for (const c of t.clusters) {
      const masters = c.nodes.filter((n) => n.role === 'master');
      expect(masters).to.have.length(3);
      expect(
        masters.every((m) =>
          m.taints?.some((x) => x.key === 'node-role.kubernetes.io/master' && x.effect === 'NoSchedule'),
        ),
      ).to.equal(true);
      expect(c.workloads!.some((w) => w.kind === 'DaemonSet' && w.name === 'calico-node')).to.equal(true);
    }
  });

  it('holds the workloads the runbooks name', () => {
    const names = (c: string, kind: string, ns: string): string[] =>
      cluster(c)
        .workloads!.filter((w) => w.kind === kind && w.namespace === ns)
        .map((w) => w.name);
    expect(names('control', 'Deployment', 'gateway-system')).to.include.members([
      'gateway-proxy',
      'apigw-portal',
      'istio-pilot',
      'apigw-api-plane',
      'rate-limit',
    ]);
    expect(cluster('control').workloads!.find((w) => w.name === 'gateway-proxy')!.replicas).to.equal(2);
    expect(cluster('control').workloads!.find((w) => w.name === 'prometheus')!.service).to.deep.equal({ port: 9090 });
    expect(names('paas', 'Deployment', 'skiff-nsf')).to.deep.equal([
      'apollo-admin',
      'apollo-portal',
      'apollo-service',
      'nsf-server',
    ]);
    expect(names('paas', 'StatefulSet', 'skiff-nsf')).to.deep.equal([
      'nsf-redis',
      'nsf-redis-exporter',
      'nsf-sentinel',
      'nsf-trunel-server',
      'nsf-turbine',
      'nsf-registry',
    ]);
    expect(names('paas', 'StatefulSet', 'container-service')).to.deep.equal(['mysql']);
    expect(names('paas', 'Deployment', 'container-service')).to.include.members([
      'console',
      'troopers',
      'proxy',
      'monitor-server',
      'monitor-server-backup',
    ]);
    const tomcats = cluster('business').workloads!.filter((w) => w.namespace === 'business');
    expect(tomcats.length).to.be.at.least(3);
    expect(tomcats.every((w) => w.logPath === '/usr/local/tomcat/logs' && w.pdb)).to.equal(true);
  });

  it('leaves room in every cluster for the pods of any one worker that dies', () => {
    for (const c of defaultTopology().clusters) {
      const workers = c.nodes.filter((n) => n.role === 'worker');
      let cpu = 0;
      let memory = 0;
      let perNodeCpu = 0;
      let perNodeMemory = 0;
      for (const w of c.workloads ?? []) {
        const tmpl = expandWorkload(w).find((o) => ['deployments', 'statefulsets', 'daemonsets'].includes(o.resource))!
          .object.spec.template;
        const r = podRequests({ metadata: { name: 'x' }, spec: tmpl.spec });
        if (w.kind === 'DaemonSet') {
          perNodeCpu += r.cpu;
          perNodeMemory += r.memory;
        } else {
          cpu += r.cpu * (w.replicas ?? 1);
          memory += r.memory * (w.replicas ?? 1);
        }
      }
      const survivors = workers.slice(1);
      const freeCpu = survivors.reduce((n, w) => n + cpuMillis(w.cpu ?? '8') - perNodeCpu, 0);
      const freeMemory = survivors.reduce((n, w) => n + bytes(w.memory ?? '32Gi') - 100 * 2 ** 20 - perNodeMemory, 0);
      expect(cpu, `${c.name} cpu`).to.be.below(freeCpu * 0.8);
      expect(memory, `${c.name} memory`).to.be.below(freeMemory * 0.8);
    }
  });
});

describe('validateTopology', () => {
  it('names the file, the JSON path and what was expected', () => {
    const text = JSON.stringify(
      { clusters: [{ name: 'x', nodes: [{ name: 'n1', role: 'wroker', memory: '32 GB' }] }] },
      null,
      2,
    );
    let err: unknown;
    try {
      parseTopology(text, 'my-topology.json');
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(InvalidInputError);
    const msg = (err as Error).message;
    expect(msg).to.include('Invalid topology my-topology.json:');
    expect(msg).to.match(
      /my-topology\.json:\d+:\d+: clusters\[0\]\.nodes\[0\]\.role: expected one of "master", "worker", got "wroker" \(string\)/,
    );
    expect(msg).to.include(
      'clusters[0].nodes[0].memory: expected a Kubernetes quantity such as "8", "500m" or "32Gi", got "32 GB" (string)',
    );
  });

  it('merges params, parsing durations, and rejects unknown ones', () => {
    const { params } = validateTopology(
      {
        params: { nodeMonitorGracePeriod: '50s', defaultTolerationSeconds: 3, schedulerPreemptionMessage: false },
        clusters: [{ name: 'a', nodes: [{ name: 'n', role: 'master' }] }],
      },
      't.json',
    );
    expect(params.nodeMonitorGracePeriod).to.equal(50_000);
    expect(params.defaultTolerationSeconds).to.equal(3);
    expect(params.schedulerPreemptionMessage).to.equal(false);
    expect(() =>
      validateTopology(
        {
          params: { nodeMonitorGracePeriode: '50s' },
          clusters: [{ name: 'a', nodes: [{ name: 'n', role: 'master' }] }],
        },
        't.json',
      ),
    ).to.throw(/t\.json: params\.nodeMonitorGracePeriode: unknown parameter/);
  });

  it('rejects duplicate nodes and etcd members that are not nodes', () => {
    expect(() =>
      validateTopology(
        {
          clusters: [
            {
              name: 'a',
              nodes: [
                { name: 'n', role: 'master' },
                { name: 'n', role: 'worker' },
              ],
              etcdMembers: ['m'],
            },
          ],
        },
        't.json',
      ),
    ).to.throw(
      /clusters\[0\]\.nodes\[1\]\.name: node "n" is defined twice[\s\S]*clusters\[0\]\.etcdMembers\[0\]: expected the name of a node/,
    );
  });
});

describe('seedWorkloads', () => {
  let sim: TestSim;
  afterEach(() => sim.close());

  it('creates namespaces and workload objects through admission, idempotently', () => {
    sim = testSim();
    seedWorkloads(sim.ctx, cluster('paas'));
    seedWorkloads(sim.ctx, cluster('paas'));
    const ns = sim.store.list('namespaces').map((n) => n.metadata.name);
    expect(ns).to.include.members([
      'default',
      'kube-system',
      'kube-public',
      'kube-node-lease',
      'skiff-nsf',
      'container-service',
    ]);
    const sts = sim.store.get('statefulsets', 'skiff-nsf', 'nsf-redis')!;
    expect(sts.spec.podManagementPolicy).to.equal('OrderedReady');
    expect(sts.spec.template.metadata.labels).to.deep.equal({ app: 'nsf-redis' });
    expect(sim.store.get('services', 'container-service', 'mysql-slave')!.spec.ports[0].port).to.equal(3307);
    expect(sim.store.get('configmaps', 'container-service', 'mysql-config')).to.not.equal(undefined);
    expect(sim.store.get('poddisruptionbudgets', 'skiff-nsf', 'nsf-registry')!.spec).to.deep.include({
      minAvailable: 2,
    });
    const nsf = sim.store.get('deployments', 'skiff-nsf', 'nsf-server')!;
    expect(nsf.spec.template.metadata.annotations['sim.gameday.io/memory-usage']).to.equal('1300Mi');
    expect(nsf.spec.template.spec.containers[0].volumeMounts[0].mountPath).to.equal('/usr/local/tomcat/logs');
  });

  it('brings every workload of the business cluster up, and a ballast reads 0/7 nodes are available', async () => {
    sim = testSim();
    for (const n of cluster('business').nodes) sim.store.create('nodes', nodeFor(n));
    sim.start(...controlPlaneControllers(), new FakeKubelet());
    seedWorkloads(sim.ctx, cluster('business'));
    await sim.advance(120_000);
    for (const d of sim.store.list('deployments')) {
      expect(d.status.availableReplicas, d.metadata.name).to.equal(d.spec.replicas);
    }
    for (const ds of sim.store.list('daemonsets')) expect(ds.status.numberAvailable, ds.metadata.name).to.equal(7);
    sim.create('pods', {
      metadata: { name: 'ballast', namespace: 'business' },
      spec: { containers: [{ name: 'ballast', image: 'busybox:1.36', resources: { requests: { memory: '40Gi' } } }] },
    });
    await sim.advance(10);
    const ev = sim.store.list('events').find((e) => e.reason === 'FailedScheduling')!;
    expect(ev.message).to.equal(
      '0/7 nodes are available: 3 node(s) had untolerated taint {node-role.kubernetes.io/master: }, 4 Insufficient memory. ' +
        'preemption: 0/7 nodes are available: 3 Preemption is not helpful for scheduling, 4 No preemption victims found for incoming pod.',
    );
  });

  for (const name of ['control', 'paas']) {
    it(`brings every workload of the ${name} cluster to its desired replicas`, async () => {
      sim = testSim();
      for (const n of cluster(name).nodes) sim.store.create('nodes', nodeFor(n));
      sim.start(...controlPlaneControllers(), new FakeKubelet());
      seedWorkloads(sim.ctx, cluster(name));
      await sim.advance(300_000);
      for (const d of sim.store.list('deployments'))
        expect(d.status.availableReplicas, d.metadata.name).to.equal(d.spec.replicas);
      for (const s of sim.store.list('statefulsets'))
        expect(s.status.readyReplicas, s.metadata.name).to.equal(s.spec.replicas);
      for (const p of sim.store.list('poddisruptionbudgets'))
        expect(p.status.currentHealthy, p.metadata.name).to.be.at.least(p.status.desiredHealthy);
    });
  }
});
