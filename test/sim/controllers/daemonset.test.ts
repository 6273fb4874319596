import { expect } from 'chai';
import type { KubeObject } from '../../../src/kube/objects.js';
import { DaemonSetController } from '../../../src/sim/controllers/daemonset.js';
import { Scheduler } from '../../../src/sim/controllers/scheduler.js';
import { isActive } from '../../../src/sim/controllers/pods.js';
import { FakeKubelet, node, testSim, type TestSim } from './helpers.js';

function ds(name: string, tolerations?: unknown[]): KubeObject {
  return {
    metadata: { name, namespace: 'kube-system' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name, image: 'calico/node:v3.26.1', resources: { requests: { cpu: '250m' } } }],
          ...(tolerations ? { tolerations } : {}),
        },
      },
    },
  };
}

describe('DaemonSetController', () => {
  let sim: TestSim;
  beforeEach(() => {
    sim = testSim();
    sim.store.create(
      'nodes',
      node('m1', { taints: [{ key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' }] }),
    );
    for (let i = 1; i <= 3; i++) sim.store.create('nodes', node(`w${i}`));
    sim.start(new Scheduler(), new DaemonSetController(), new FakeKubelet(3_000, 1_000));
  });
  afterEach(() => sim.close());

  const podsByNode = (): Record<string, number> => {
    const out: Record<string, number> = {};
    for (const p of sim.store.list('pods', { namespace: 'kube-system' }).filter(isActive))
      out[p.spec.nodeName ?? '-'] = (out[p.spec.nodeName ?? '-'] ?? 0) + 1;
    return out;
  };

  it('runs one pod per node it tolerates, scheduled by the scheduler, and reports status', async () => {
    sim.create('daemonsets', ds('kube-proxy'));
    await sim.advance(10_000);
    expect(podsByNode()).to.deep.equal({ w1: 1, w2: 1, w3: 1 });
    expect(sim.store.get('daemonsets', 'kube-system', 'kube-proxy')!.status).to.include({
      desiredNumberScheduled: 3,
      currentNumberScheduled: 3,
      numberReady: 3,
      numberAvailable: 3,
      updatedNumberScheduled: 3,
      numberUnavailable: 0,
    });
    const pod = sim.store.list('pods', { namespace: 'kube-system' })[0]!;
    const keys = (pod.spec.tolerations as { key: string; effect: string }[]).map((t) => `${t.key}:${t.effect}`);
    expect(keys).to.include.members([
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/unschedulable:NoSchedule',
    ]);
  });

  it('covers masters when it tolerates everything, and recreates a deleted pod on its node', async () => {
    sim.create('daemonsets', ds('calico-node', [{ operator: 'Exists' }]));
    await sim.advance(10_000);
    expect(podsByNode()).to.deep.equal({ m1: 1, w1: 1, w2: 1, w3: 1 });
    const onW2 = sim.store.podsOnNode('w2')[0]!;
    sim.store.remove('pods', 'kube-system', onW2.metadata.name);
    await sim.advance(10_000);
    expect(podsByNode()).to.deep.equal({ m1: 1, w1: 1, w2: 1, w3: 1 });
    expect(sim.store.podsOnNode('w2')[0]!.metadata.name).to.not.equal(onW2.metadata.name);
  });

  it('adds a pod to a node that joins and keeps running on a cordoned node', async () => {
    sim.create('daemonsets', ds('kube-proxy'));
    await sim.advance(10_000);
    sim.store.mutate('nodes', undefined, 'w1', (n) => {
      n.spec.unschedulable = true;
    });
    sim.store.create('nodes', node('w4'));
    await sim.advance(10_000);
    expect(podsByNode()).to.deep.equal({ w1: 1, w2: 1, w3: 1, w4: 1 });
  });

  it('replaces pods one node at a time on a template change', async () => {
    sim.create('daemonsets', ds('kube-proxy'));
    await sim.advance(10_000);
    let maxUnavailable = 0;
    sim.store.onChange((e) => {
      if (e.resource === 'daemonsets')
        maxUnavailable = Math.max(maxUnavailable, e.object.status?.numberUnavailable ?? 0);
    });
    sim.store.mutate('daemonsets', 'kube-system', 'kube-proxy', (d) => {
      d.spec.template.spec.containers[0].image = 'calico/node:v3.27.0';
    });
    await sim.advance(60_000);
    const pods = sim.store.list('pods', { namespace: 'kube-system' }).filter(isActive);
    expect(pods.map((p) => p.spec.containers[0].image)).to.deep.equal(Array(3).fill('calico/node:v3.27.0'));
    expect(maxUnavailable).to.equal(1);
    expect(sim.store.get('daemonsets', 'kube-system', 'kube-proxy')!.status.updatedNumberScheduled).to.equal(3);
  });
});
