import { expect } from 'chai';
import type { KubeObject } from '../../../src/kube/objects.js';
import { controlPlaneControllers } from '../../../src/sim/controllers/index.js';
import { ReplicaSetController } from '../../../src/sim/controllers/replicaset.js';
import { Scheduler } from '../../../src/sim/controllers/scheduler.js';
import { isActive } from '../../../src/sim/controllers/pods.js';
import { FakeKubelet, node, testSim, type TestSim } from './helpers.js';

function rs(name: string, replicas: number, extra: Record<string, unknown> = {}): KubeObject {
  return {
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'troopers:2.1' }] } },
      ...extra,
    },
  };
}

describe('ReplicaSetController', () => {
  let sim: TestSim;
  let kubelet: FakeKubelet;
  beforeEach(() => {
    sim = testSim();
    sim.store.create('nodes', node('n1'));
    sim.store.create('nodes', node('n2'));
    kubelet = new FakeKubelet(3_000, 1_000);
    sim.start(new Scheduler(), new ReplicaSetController(), kubelet);
  });
  afterEach(() => sim.close());

  const active = (): KubeObject[] => sim.store.list('pods').filter(isActive);

  it('creates pods named <rs>-xxxxx owned by the ReplicaSet with defaults applied', async () => {
    sim.create('replicasets', rs('troopers', 2));
    await sim.advance(10_000);
    const pods = active();
    expect(pods).to.have.length(2);
    expect(pods[0]!.metadata.name).to.match(/^troopers-[a-z0-9]{5}$/);
    expect(pods[0]!.metadata.ownerReferences?.[0]).to.include({
      kind: 'ReplicaSet',
      name: 'troopers',
      controller: true,
    });
    expect(pods[0]!.spec.tolerations).to.have.length(2);
    expect(sim.store.get('replicasets', 'default', 'troopers')!.status).to.deep.equal({
      replicas: 2,
      fullyLabeledReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
      observedGeneration: 1,
    });
  });

  it('replaces a Terminating pod at once, while the old one is still terminating', async () => {
    sim.create('replicasets', rs('troopers', 2));
    await sim.advance(10_000);
    const victim = active()[0]!;
    kubelet.dead.add(victim.spec.nodeName as string);
    sim.store.mutate('pods', 'default', victim.metadata.name, (p) => {
      p.metadata.deletionTimestamp = new Date(sim.clock.now() + 30_000).toISOString();
    });
    await sim.advance(10);
    expect(active()).to.have.length(2);
    expect(sim.store.list('pods')).to.have.length(3);
  });

  it('deletes unscheduled and not-ready pods first when scaling down', async () => {
    sim.create('replicasets', rs('troopers', 2));
    await sim.advance(10_000);
    sim.store.mutate('nodes', undefined, 'n1', (n) => {
      n.spec.unschedulable = true;
    });
    sim.store.mutate('nodes', undefined, 'n2', (n) => {
      n.spec.unschedulable = true;
    });
    sim.store.mutate('replicasets', 'default', 'troopers', (r) => {
      r.spec.replicas = 3;
    });
    await sim.advance(1_000);
    const pending = active().find((p) => !p.spec.nodeName)!;
    sim.store.mutate('replicasets', 'default', 'troopers', (r) => {
      r.spec.replicas = 2;
    });
    await sim.advance(10);
    expect(sim.store.get('pods', 'default', pending.metadata.name)).to.equal(undefined);
    expect(active()).to.have.length(2);
  });

  it('counts pods available only after minReadySeconds', async () => {
    sim.create('replicasets', rs('troopers', 1, { minReadySeconds: 30 }));
    await sim.advance(5_000);
    expect(sim.store.get('replicasets', 'default', 'troopers')!.status).to.include({
      readyReplicas: 1,
      availableReplicas: 0,
    });
    await sim.advance(30_000);
    expect(sim.store.get('replicasets', 'default', 'troopers')!.status).to.include({ availableReplicas: 1 });
  });

  it('pauses while kube-controller-manager has no leader and recovers after', async () => {
    sim.controlPlane.set('kube-controller-manager', false);
    sim.create('replicasets', rs('troopers', 1));
    await sim.advance(10_000);
    expect(active()).to.have.length(0);
    sim.controlPlane.set('kube-controller-manager', true);
    await sim.advance(10);
    expect(active()).to.have.length(1);
  });

  it('retries a pod creation that failed while etcd had no quorum', async () => {
    sim.create('replicasets', rs('troopers', 1));
    sim.store.availability = () => 'etcdserver: request timed out';
    await sim.advance(5_000);
    expect(active()).to.have.length(0);
    sim.store.availability = () => undefined;
    await sim.advance(60_000);
    expect(active()).to.have.length(1);
  });
});

describe('controlPlaneControllers', () => {
  it('lists every control loop once, each with its own name', () => {
    const names = controlPlaneControllers().map((c) => c.name);
    expect(names).to.deep.equal([
      'scheduler',
      'deployment-controller',
      'replicaset-controller',
      'statefulset-controller',
      'daemonset-controller',
      'disruption-controller',
      'endpoints-controller',
      'endpointslice-controller',
      'garbage-collector',
      'job-controller',
      'serviceaccount-controller',
    ]);
  });
});
