import { expect } from 'chai';
import type { KubeObject } from '../../../src/kube/objects.js';
import { Scheduler } from '../../../src/sim/controllers/scheduler.js';
import { StatefulSetController } from '../../../src/sim/controllers/statefulset.js';
import { FakeKubelet, node, testSim, type TestSim } from './helpers.js';

function sts(name: string, replicas: number): KubeObject {
  return {
    metadata: { name, namespace: 'skiff-nsf' },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'redis', image: 'redis:5.0', resources: { requests: { memory: '512Mi' } } }] },
      },
    },
  };
}

describe('StatefulSetController', () => {
  let sim: TestSim;
  let kubelet: FakeKubelet;
  const created = new Map<string, number>();
  const deleted: string[] = [];
  beforeEach(() => {
    sim = testSim();
    created.clear();
    deleted.length = 0;
    for (let i = 1; i <= 3; i++) sim.store.create('nodes', node(`10.128.39.${i}`));
    kubelet = new FakeKubelet(3_000, 2_000);
    sim.store.onChange((e) => {
      if (e.resource !== 'pods') return;
      if (e.type === 'ADDED') created.set(e.object.metadata.name, sim.clock.now());
      if (e.type === 'MODIFIED' && !e.old?.metadata.deletionTimestamp && e.object.metadata.deletionTimestamp)
        deleted.push(e.object.metadata.name);
    });
    sim.start(new Scheduler(), new StatefulSetController(), kubelet);
  });
  afterEach(() => sim.close());

  const names = (): string[] =>
    sim.store
      .list('pods', { namespace: 'skiff-nsf' })
      .map((p) => p.metadata.name)
      .sort();
  const status = (): Record<string, unknown> => sim.store.get('statefulsets', 'skiff-nsf', 'nsf-redis')!.status;

  it('creates <name>-0..N-1 one at a time, each after the previous is Running and Ready', async () => {
    const t0 = sim.clock.now();
    sim.create('statefulsets', sts('nsf-redis', 3));
    await sim.advance(30_000);
    expect(names()).to.deep.equal(['nsf-redis-0', 'nsf-redis-1', 'nsf-redis-2']);
    expect(created.get('nsf-redis-0')! - t0).to.equal(0);
    expect(created.get('nsf-redis-1')! - t0).to.equal(3_000);
    expect(created.get('nsf-redis-2')! - t0).to.equal(6_000);
    expect(status()).to.include({
      replicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      currentReplicas: 3,
      updatedReplicas: 3,
    });
    expect(status().currentRevision).to.equal(status().updateRevision);
    const pod = sim.store.get('pods', 'skiff-nsf', 'nsf-redis-1')!;
    expect(pod.spec.hostname).to.equal('nsf-redis-1');
    expect(pod.spec.subdomain).to.equal('nsf-redis');
    expect(sim.store.list('controllerrevisions')).to.have.length(1);
  });

  it('scales down in reverse ordinal order', async () => {
    sim.create('statefulsets', sts('nsf-redis', 3));
    await sim.advance(30_000);
    sim.store.mutate('statefulsets', 'skiff-nsf', 'nsf-redis', (s) => {
      s.spec.replicas = 1;
    });
    await sim.advance(30_000);
    expect(deleted).to.deep.equal(['nsf-redis-2', 'nsf-redis-1']);
    expect(names()).to.deep.equal(['nsf-redis-0']);
  });

  it('does not replace a pod stuck Terminating until its object is gone', async () => {
    sim.create('statefulsets', sts('nsf-redis', 2));
    await sim.advance(30_000);
    const victim = sim.store.get('pods', 'skiff-nsf', 'nsf-redis-0')!;
    kubelet.dead.add(victim.spec.nodeName as string); // its node is lost: nobody confirms the deletion
    sim.store.mutate('pods', 'skiff-nsf', 'nsf-redis-0', (p) => {
      p.metadata.deletionTimestamp = new Date(sim.clock.now() + 30_000).toISOString();
    });
    await sim.advance(600_000);
    expect(sim.store.get('pods', 'skiff-nsf', 'nsf-redis-0')!.metadata.uid).to.equal(victim.metadata.uid);
    sim.store.remove('pods', 'skiff-nsf', 'nsf-redis-0'); // kubectl delete --force --grace-period=0
    await sim.advance(1_000);
    const replacement = sim.store.get('pods', 'skiff-nsf', 'nsf-redis-0')!;
    expect(replacement.metadata.uid).to.not.equal(victim.metadata.uid);
  });

  it('rolls an update from the highest ordinal down and then reports one revision', async () => {
    sim.create('statefulsets', sts('nsf-redis', 3));
    await sim.advance(30_000);
    const oldRevision = status().currentRevision;
    sim.store.mutate('statefulsets', 'skiff-nsf', 'nsf-redis', (s) => {
      s.spec.template.metadata.annotations = { 'kubectl.kubernetes.io/restartedAt': 'now' };
    });
    await sim.advance(1_000);
    expect(status().updateRevision).to.not.equal(oldRevision);
    expect(status().currentRevision).to.equal(oldRevision);
    await sim.advance(60_000);
    expect(deleted).to.deep.equal(['nsf-redis-2', 'nsf-redis-1', 'nsf-redis-0']);
    expect(status().currentRevision).to.equal(status().updateRevision);
    expect(status()).to.include({ replicas: 3, readyReplicas: 3, updatedReplicas: 3, currentReplicas: 3 });
  });
});
