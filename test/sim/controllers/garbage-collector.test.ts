import { expect } from 'chai';
import type { KubeObject } from '../../../src/kube/objects.js';
import { deleteObject } from '../../../src/sim/controllers/delete.js';
import { DeploymentController } from '../../../src/sim/controllers/deployment.js';
import { GarbageCollector } from '../../../src/sim/controllers/garbage-collector.js';
import { ReplicaSetController } from '../../../src/sim/controllers/replicaset.js';
import { Scheduler } from '../../../src/sim/controllers/scheduler.js';
import { FakeKubelet, node, testSim, type TestSim } from './helpers.js';

function deployment(name: string, replicas: number): KubeObject {
  return {
    metadata: { name, namespace: 'paas' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'mysql:5.7' }] } },
    },
  };
}

describe('GarbageCollector', () => {
  let sim: TestSim;
  let kubelet: FakeKubelet;
  beforeEach(async () => {
    sim = testSim();
    sim.store.create('nodes', node('10.128.39.4'));
    kubelet = new FakeKubelet(3_000, 5_000);
    sim.start(new Scheduler(), new ReplicaSetController(), new DeploymentController(), new GarbageCollector(), kubelet);
    sim.create('deployments', deployment('console', 2));
    await sim.advance(10_000);
  });
  afterEach(() => sim.close());

  it('deletes ReplicaSets and then their pods gracefully when a Deployment is deleted in the background', async () => {
    sim.store.remove('deployments', 'paas', 'console');
    await sim.advance(10);
    expect(sim.store.list('replicasets', { namespace: 'paas' })).to.have.length(0);
    const pods = sim.store.list('pods', { namespace: 'paas' });
    expect(pods).to.have.length(2);
    expect(pods.every((p) => p.metadata.deletionTimestamp)).to.equal(true);
    await sim.advance(10_000);
    expect(sim.store.list('pods', { namespace: 'paas' })).to.have.length(0);
  });

  it('removes unbound pods at once', async () => {
    sim.store.mutate('nodes', undefined, '10.128.39.4', (n) => {
      n.spec.unschedulable = true;
    });
    sim.store.mutate('deployments', 'paas', 'console', (d) => {
      d.spec.template.spec.containers[0].image = 'mysql:8.0';
    });
    await sim.advance(1_000);
    const pending = sim.store.list('pods', { namespace: 'paas' }).filter((p) => !p.spec.nodeName);
    expect(pending).to.have.length(1);
    sim.store.remove('deployments', 'paas', 'console');
    await sim.advance(10);
    expect(sim.store.list('pods', { namespace: 'paas' }).filter((p) => !p.spec.nodeName)).to.have.length(0);
  });

  it('keeps the owner until its dependents are gone in foreground deletion', async () => {
    deleteObject(sim.store, 'deployments', 'paas', 'console', sim.clock.now(), { propagationPolicy: 'Foreground' });
    await sim.advance(1_000);
    expect(sim.store.get('deployments', 'paas', 'console')).to.not.equal(undefined);
    await sim.advance(20_000);
    expect(sim.store.get('deployments', 'paas', 'console')).to.equal(undefined);
    expect(sim.store.list('replicasets', { namespace: 'paas' })).to.have.length(0);
    expect(sim.store.list('pods', { namespace: 'paas' })).to.have.length(0);
  });

  it('orphans dependents with the orphan policy', async () => {
    deleteObject(sim.store, 'deployments', 'paas', 'console', sim.clock.now(), { propagationPolicy: 'Orphan' });
    await sim.advance(1_000);
    expect(sim.store.get('deployments', 'paas', 'console')).to.equal(undefined);
    const rs = sim.store.list('replicasets', { namespace: 'paas' });
    expect(rs).to.have.length(1);
    expect(rs[0]!.metadata.ownerReferences).to.equal(undefined);
  });

  it('force-deletes the pods of a deleted node after the quarantine', async () => {
    kubelet.dead.add('10.128.39.4');
    sim.store.remove('nodes', undefined, '10.128.39.4');
    await sim.advance(30_000);
    expect(sim.store.podsOnNode('10.128.39.4')).to.have.length(2);
    await sim.advance(11_000);
    expect(sim.store.podsOnNode('10.128.39.4')).to.have.length(0);
  });
});
