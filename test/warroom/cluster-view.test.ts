import { expect } from 'chai';
import type { Kube } from '../../src/kube/kube.js';
import type { KubeObject } from '../../src/kube/objects.js';
import type { ResourceName } from '../../src/kube/resources.js';
import { ActionLog, type NodeOps, type Target } from '../../src/targets/target.js';
import { ClusterView, nodeTile, workloadCount } from '../../src/warroom/cluster-view.js';
import { PowerCalls } from '../../src/warroom/power.js';
import { nodeTiles, workloads } from '../../src/warroom/render.js';
import { FakeInformer } from '../practice/fake-informer.js';

function node(
  name: string,
  o: { ready?: string; master?: boolean; unschedulable?: boolean; pressure?: string[] } = {},
): KubeObject {
  return {
    metadata: {
      name,
      labels: o.master ? { 'node-role.kubernetes.io/master': '' } : {},
    },
    spec: o.unschedulable ? { unschedulable: true } : {},
    status: {
      conditions: [
        ...(o.ready === undefined ? [] : [{ type: 'Ready', status: o.ready }]),
        ...['MemoryPressure', 'DiskPressure'].map((type) => ({
          type,
          status: o.pressure?.includes(type) ? 'True' : 'False',
        })),
      ],
    },
  };
}

/** A Kube whose informers are fakes the test feeds; nothing else is ever called. */
function fakeKube(informers: Partial<Record<ResourceName, FakeInformer>>): Kube {
  return {
    informer: (r: ResourceName) => (informers[r] ??= new FakeInformer(r)),
  } as unknown as Kube;
}

describe('war room: nodes and workloads', () => {
  it('reads a node as kubectl does: Ready, NotReady or unknown, cordoned, under pressure', () => {
    expect(nodeTile('b', node('n1', { ready: 'True', master: true }), undefined)).to.deep.equal({
      cluster: 'b',
      name: 'n1',
      role: 'master',
      ready: 'True',
      cordoned: false,
      pressure: [],
      power: undefined,
    });
    const t = nodeTile('b', node('n2', { ready: 'Unknown', unschedulable: true, pressure: ['DiskPressure'] }), 'off');
    expect(t).to.deep.include({
      role: 'worker',
      ready: 'Unknown',
      cordoned: true,
      pressure: ['DiskPressure'],
      power: 'off',
    });
    expect(nodeTile('b', node('n3'), undefined).ready).to.equal('absent');
  });

  it('counts what kubectl counts as ready for each kind of workload', () => {
    const w = (spec: object, status: object): KubeObject => ({
      metadata: { name: 'w', namespace: 'ns' },
      spec,
      status,
    });
    expect(workloadCount('c', 'Deployment', w({ replicas: 3 }, { availableReplicas: 2 }))).to.deep.include({
      available: 2,
      desired: 3,
    });
    expect(workloadCount('c', 'StatefulSet', w({ replicas: 3 }, { readyReplicas: 1 }))).to.deep.include({
      available: 1,
      desired: 3,
    });
    expect(workloadCount('c', 'DaemonSet', w({}, { numberAvailable: 6, desiredNumberScheduled: 7 }))).to.deep.include({
      available: 6,
      desired: 7,
    });
    expect(workloadCount('c', 'Deployment', w({}, {}))).to.deep.include({ available: 0, desired: 1 });
  });

  it('follows the informers: a node that turns NotReady or powers off changes its tile', async () => {
    const nodes = new FakeInformer('nodes', undefined, [
      node('10.0.0.1', { ready: 'True' }),
      node('10.0.0.2', { ready: 'True' }),
    ]);
    const deployments = new FakeInformer('deployments', undefined, [
      { metadata: { name: 'api', namespace: 'prod' }, spec: { replicas: 2 }, status: { availableReplicas: 2 } },
    ]);
    const power = new PowerCalls();
    let changes = 0;
    const view = new ClusterView(new Map([['business', fakeKube({ nodes, deployments })]]), power, () => changes++);
    await new Promise((r) => setImmediate(r));
    const tile = (name: string) => view.snapshot()[0]!.nodes.find((n) => n.name === name)!;
    expect(tile('10.0.0.2').ready).to.equal('True');
    const before = changes;
    nodes.apply(node('10.0.0.2', { ready: 'Unknown' }));
    expect(changes).to.be.greaterThan(before);
    expect(tile('10.0.0.2').ready).to.equal('Unknown');
    power.record('business', '10.0.0.2', 'off');
    expect(tile('10.0.0.2').power).to.equal('off');
    expect(nodeTiles(view.snapshot())).to.contain(
      'data-node="10.0.0.2" data-cluster="business" data-state="powered off"',
    );
    deployments.apply({
      metadata: { name: 'api', namespace: 'prod' },
      spec: { replicas: 2 },
      status: { availableReplicas: 0 },
    });
    expect(workloads(view.snapshot())).to.contain('class="wl down" data-workload="prod/api"');
    view.stop();
    const after = changes;
    nodes.apply(node('10.0.0.1', { ready: 'False' }));
    expect(changes).to.equal(after);
  });

  it('says on the page why a cluster cannot be seen, and asks for the nodes again until they come', async () => {
    const failing = new FakeInformer('nodes');
    failing.ready = () => Promise.reject(new Error('nodes is forbidden: User "dev" cannot list nodes'));
    const working = new FakeInformer('nodes', undefined, [node('10.0.0.1', { ready: 'True' })]);
    const handed: FakeInformer[] = [failing, working];
    const kube = {
      informer: (r: ResourceName) => (r === 'nodes' ? handed.shift()! : new FakeInformer(r)),
    } as unknown as Kube;
    const view = new ClusterView(new Map([['lab', kube]]), undefined, () => undefined, 10);
    try {
      await new Promise((r) => setImmediate(r));
      const page = nodeTiles(view.snapshot());
      expect(page).to.contain('cannot watch nodes: nodes is forbidden: User &quot;dev&quot; cannot list nodes');
      expect(page).to.contain('listing the nodes…');
      await new Promise((r) => setTimeout(r, 50));
      expect(handed).to.deep.equal([]);
      const after = nodeTiles(view.snapshot());
      expect(after).to.contain('data-node="10.0.0.1"').and.not.contain('cannot watch');
    } finally {
      view.stop();
    }
  });

  it('escapes what the cluster says: a node name is text, never markup', () => {
    const html = nodeTiles([
      {
        cluster: 'c<script>',
        nodes: [nodeTile('c', node('<img src=x onerror=alert(1)>', { ready: 'True' }), undefined)],
        workloads: [],
      },
    ]);
    expect(html).not.to.contain('<img').and.not.to.contain('<script>');
    expect(html).to.contain('&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('war room: power of the hosts', () => {
  function opsTarget(calls: string[]): Target {
    const ops = {
      power: async (node: string, action: string) => void calls.push(`power ${action} ${node}`),
      service: async (node: string) => void calls.push(`service ${node}`),
    } as unknown as NodeOps;
    return { kind: 'lab', actions: new ActionLog(), clusters: () => ['lab'], nodes: () => ops } as unknown as Target;
  }

  it('remembers the power calls a drill makes through the target, which still makes them', async () => {
    const calls: string[] = [];
    const power = new PowerCalls();
    const target = power.observe(opsTarget(calls), false);
    await target.nodes('lab').power('n1', 'off');
    expect(power.state('lab', 'n1')).to.equal('off');
    await target.nodes('lab').power('n1', 'on');
    expect(power.state('lab', 'n1')).to.equal('booting');
    await target.nodes('lab').service('n1', 'kubelet', 'stop');
    expect(calls).to.deep.equal(['power off n1', 'power on n1', 'service n1']);
    expect(target.kind).to.equal('lab');
    expect(target.clusters()).to.deep.equal(['lab']);
  });

  it('leaves a dry run alone: nothing was powered off', async () => {
    const power = new PowerCalls();
    const inner = opsTarget([]);
    expect(power.observe(inner, true)).to.equal(inner);
  });
});
