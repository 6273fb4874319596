import { expect } from 'chai';
import { conditionOf } from '../../../src/kube/objects.js';
import { makeSimCluster, type SimCluster } from '../../../src/sim/testing/sim-cluster.js';

const NODE = '10.128.38.6';

function pod(name: string): Parameters<SimCluster['ctx']['store']['create']>[1] {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'business' },
    spec: {
      nodeName: NODE,
      containers: [{ name: 'app', image: 'tomcat:8.5' }],
      tolerations: [{ operator: 'Exists', effect: 'NoExecute' }],
    },
  };
}

describe('kubelet: an overloaded node (D7)', () => {
  let sim: SimCluster;
  afterEach(() => sim?.close());

  const ready = (): string | undefined => conditionOf(sim.ctx.store.get('nodes', undefined, NODE)!, 'Ready')?.status;

  beforeEach(async () => {
    sim = makeSimCluster({
      nodes: [
        { name: '10.128.38.1', role: 'master' },
        { name: NODE, role: 'worker' },
        { name: '10.128.38.7', role: 'worker' },
      ],
    });
    for (const n of ['a', 'b', 'c', 'd']) sim.ctx.store.create('pods', pod(n));
    await sim.ctx.advance(10_000);
    await sim.hosts.ops().overload(NODE, 'start');
    await sim.ctx.advance(60_000);
    expect(ready()).to.equal('Unknown');
  });

  it('stays overloaded while most of the pods that loaded it are still there', async () => {
    sim.ctx.store.remove('pods', 'business', 'a');
    await sim.ctx.advance(30_000);
    expect(ready()).to.equal('Unknown');
  });

  it('comes back Ready once half of its pods were moved away', async () => {
    sim.ctx.store.remove('pods', 'business', 'a');
    sim.ctx.store.remove('pods', 'business', 'b');
    await sim.ctx.advance(15_000);
    expect(ready()).to.equal('True');
  });
});
