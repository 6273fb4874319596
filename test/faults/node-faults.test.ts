import { expect } from 'chai';
import { freezeNode } from '../../src/faults/freeze-node.js';
import { moveStaticPodManifest } from '../../src/faults/move-static-pod-manifest.js';
import { nodeMemoryPressure } from '../../src/faults/node-memory-pressure.js';
import { partitionNode } from '../../src/faults/partition-node.js';
import { powerOffNode } from '../../src/faults/power-off-node.js';
import { stopContainerRuntime } from '../../src/faults/stop-container-runtime.js';
import { stopKubelet } from '../../src/faults/stop-kubelet.js';
import { eachNode } from '../../src/kit/node-fault.js';
import { InvalidInputError } from '../../src/errors.js';
import { fakeContext, node } from '../kit/fake-context.js';

const cluster = () =>
  fakeContext({
    objects: {
      nodes: [node('10.128.38.6', { master: true }), node('10.128.38.7'), node('10.128.38.8'), node('10.128.38.9')],
    },
  });

describe('node faults', () => {
  it('stop-kubelet plans the named node, stops kubelet there and starts it on revert', async () => {
    const f = cluster();
    const plan = await stopKubelet.plan(f.ctx, { nodes: { names: ['10.128.38.8'] } });
    expect(plan.nodes).to.deep.equal(['10.128.38.8']);
    await stopKubelet.inject(f.ctx, {}, plan);
    await stopKubelet.revert(f.ctx, {}, plan);
    expect(f.calls).to.deep.equal(['stop kubelet on 10.128.38.8', 'start kubelet on 10.128.38.8']);
    expect(stopKubelet.describe({ nodes: { names: ['10.128.38.8'] } })).to.contain(
      '`systemctl stop kubelet` on 10.128.38.8',
    );
  });

  it('says which faults stop etcd on their nodes (the blast radius counts those members lost), and which leave it running', async () => {
    const f = cluster();
    const on = { nodes: { names: ['10.128.38.6'] } };
    for (const fault of [powerOffNode, freezeNode, partitionNode, stopContainerRuntime])
      expect((await fault.plan(f.ctx, on)).stopsEtcd, fault.name).to.equal(true);
    for (const fault of [stopKubelet, nodeMemoryPressure])
      expect((await fault.plan(f.ctx, on)).stopsEtcd, fault.name).to.equal(undefined);
    const moved = (component: 'etcd' | 'kube-apiserver' | 'kube-scheduler') =>
      moveStaticPodManifest.plan(f.ctx, { component, ...on });
    expect((await moved('kube-apiserver')).stopsEtcd).to.equal(undefined);
    expect((await moved('kube-scheduler')).stopsEtcd).to.equal(undefined);
    expect((await moved('etcd')).stopsEtcd).to.equal(true);
  });

  it('picks one worker with the run seed by default, never a master', async () => {
    const f = cluster();
    const plan = await powerOffNode.plan(f.ctx, {});
    expect(plan.nodes).to.have.length(1);
    expect(['10.128.38.7', '10.128.38.8', '10.128.38.9']).to.include(plan.nodes![0]);
  });

  it('refuses an unknown node before anything changes', async () => {
    const f = cluster();
    try {
      await partitionNode.plan(f.ctx, { nodes: { names: ['10.0.0.1'] } });
      expect.fail('plan accepted an unknown node');
    } catch (err) {
      expect(err).to.be.instanceOf(InvalidInputError);
      expect((err as Error).message).to.contain('no node named 10.0.0.1');
    }
    expect(f.calls).to.deep.equal([]);
  });

  it('hits every node of a power loss at once and reverts them all from the plan alone', async () => {
    const f = cluster();
    const plan = await powerOffNode.plan(f.ctx, { nodes: { role: 'any', all: true } });
    expect(plan.nodes).to.have.length(4);
    const g = fakeContext();
    await powerOffNode.revert(g.ctx, {}, plan);
    expect(g.calls.filter((c) => c.startsWith('power on'))).to.have.length(4);
  });

  it('freeze-node pauses and unpauses; node-memory-pressure fills until 50Mi are left by default and relieves it', async () => {
    const f = cluster();
    const plan = { nodes: ['10.128.38.7'] };
    await freezeNode.inject(f.ctx, {}, plan);
    await freezeNode.revert(f.ctx, {}, plan);
    await nodeMemoryPressure.inject(f.ctx, {}, plan);
    await nodeMemoryPressure.revert(f.ctx, {}, plan);
    expect(f.calls).to.deep.equal([
      'freeze pause 10.128.38.7',
      'freeze unpause 10.128.38.7',
      'pressure memory leave:50Mi on 10.128.38.7',
      'relieve memory on 10.128.38.7',
    ]);
  });

  it('move-static-pod-manifest takes a master by default and moves the manifest out and back', async () => {
    const f = cluster();
    const plan = await moveStaticPodManifest.plan(f.ctx, { component: 'kube-scheduler' });
    expect(plan.nodes).to.deep.equal(['10.128.38.6']);
    await moveStaticPodManifest.inject(f.ctx, { component: 'kube-scheduler' }, plan);
    await moveStaticPodManifest.revert(f.ctx, { component: 'kube-scheduler' }, plan);
    expect(f.calls).to.deep.equal([
      'manifest kube-scheduler out on 10.128.38.6',
      'manifest kube-scheduler in on 10.128.38.6',
    ]);
    expect(moveStaticPodManifest.describe({ component: 'kube-scheduler' })).to.contain(
      'mv /etc/kubernetes/manifests/kube-scheduler.yaml /etc/kubernetes/',
    );
  });

  it('tries every node even when one fails, and names each failure', async () => {
    const done: string[] = [];
    try {
      await eachNode(['a', 'b', 'c'], async (n) => {
        if (n !== 'b') throw new Error(`${n} unreachable`);
        done.push(n);
      });
      expect.fail('no error');
    } catch (err) {
      expect((err as Error).message).to.equal('2 of 3 nodes failed: a: a unreachable; c: c unreachable');
    }
    expect(done).to.deep.equal(['b']);
  });
});
