import { expect } from 'chai';
import { cordon } from '../../src/recovery/cordon.js';
import { deleteStuckPods, podsToDelete } from '../../src/recovery/delete-stuck-pods.js';
import { drain, drainable } from '../../src/recovery/drain.js';
import { reconnectNode } from '../../src/recovery/reconnect-node.js';
import { restartService } from '../../src/recovery/restart-service.js';
import { restartStaticPod } from '../../src/recovery/restart-static-pod.js';
import { uncordon } from '../../src/recovery/uncordon.js';
import { wait } from '../../src/recovery/wait.js';
import { InvalidInputError } from '../../src/errors.js';
import { fakeContext, node, pod } from '../kit/fake-context.js';

const LOST = '10.128.38.8';

function lostNode() {
  const mirror = pod('kube-system', 'kube-proxy-x', { node: LOST });
  mirror.metadata.annotations = { 'kubernetes.io/config.mirror': 'abc' };
  const f = fakeContext({
    objects: {
      nodes: [node('10.128.38.7'), node(LOST, { ready: 'Unknown' })],
      pods: [
        pod('gateway-system', 'gw-a', { node: LOST, owner: 'ReplicaSet' }),
        pod('skiff-nsf', 'redis-0', { node: LOST, owner: 'StatefulSet', terminating: true }),
        pod('kube-system', 'calico-node-x', { node: LOST, owner: 'DaemonSet' }),
        mirror,
        pod('gateway-system', 'gw-b', { node: '10.128.38.7', owner: 'ReplicaSet' }),
      ],
    },
  });
  f.state.affectedNodes.set('business', [LOST]);
  return f;
}

describe('node recovery steps', () => {
  it('act on the nodes the faults hit by default', async () => {
    const f = lostNode();
    await restartService.run(f.ctx, { service: 'kubelet' });
    await cordon.run(f.ctx, {});
    await uncordon.run(f.ctx, {});
    expect(f.calls).to.deep.equal([
      `restart kubelet on ${LOST}`,
      `patch nodes ${LOST} strategic {"spec":{"unschedulable":true}}`,
      `patch nodes ${LOST} strategic {"spec":{"unschedulable":null}}`,
    ]);
    expect(restartService.describe({ service: 'kubelet', nodes: { names: [LOST] } })).to.equal(
      `Restart kubelet on ${LOST}: \`systemctl restart kubelet\` on ${LOST}.`,
    );
    expect(cordon.describe({ nodes: { names: [LOST] } })).to.contain(`\`kubectl cordon ${LOST}\``);
  });

  it('restart the container runtime by the name the docs give it: docker and containerd (issue 18)', async () => {
    const f = lostNode();
    await restartService.run(f.ctx, { service: 'docker' });
    await restartService.run(f.ctx, { service: 'containerd' });
    await restartService.run(f.ctx, { service: 'container-runtime' });
    expect(f.calls).to.deep.equal([
      `restart container-runtime on ${LOST}`,
      `restart container-runtime on ${LOST}`,
      `restart container-runtime on ${LOST}`,
    ]);
    expect(restartService.describe({ service: 'containerd', nodes: { names: [LOST] } })).to.equal(
      `Restart containerd on ${LOST}: \`systemctl restart containerd\` on ${LOST}.`,
    );
    expect(restartService.describe({ service: 'container-runtime' })).to.contain('`systemctl restart docker`');
    expect((restartService.params['properties'] as Record<string, { enum: string[] }>)['service']!.enum).to.deep.equal([
      'kubelet',
      'container-runtime',
      'docker',
      'containerd',
    ]);
  });

  it('reconnect the partitioned nodes the faults hit (issue 18)', async () => {
    const f = lostNode();
    await reconnectNode.run(f.ctx, {});
    expect(f.calls).to.deep.equal([`network connect ${LOST}`]);
    expect(reconnectNode.describe({})).to.contain('docker network connect kind <node>');
  });

  it('refuse "from faults" when no fault hit a node', async () => {
    const f = fakeContext();
    try {
      await cordon.run(f.ctx, {});
      expect.fail('ran without nodes');
    } catch (err) {
      expect(err).to.be.instanceOf(InvalidInputError);
      expect((err as Error).message).to.contain('no fault of this drill hit a node');
    }
  });

  it("delete-stuck-pods force-deletes the lost node's pods but not DaemonSet or mirror pods", async () => {
    const f = lostNode();
    expect((await podsToDelete(f.ctx, {})).map((p) => p.metadata.name)).to.deep.equal(['gw-a', 'redis-0']);
    await deleteStuckPods.run(f.ctx, {});
    expect(f.calls.filter((c) => c.startsWith('delete'))).to.deep.equal([
      'delete pods gateway-system/gw-a grace=0',
      'delete pods skiff-nsf/redis-0 grace=0',
    ]);
  });

  it('drain cordons, evicts what is not DaemonSet or mirror, and waits until the node holds only those', async () => {
    const f = lostNode();
    f.remove('pods', 'redis-0', 'skiff-nsf');
    expect(drainable(f.ctx.kube.informer('pods').items(), LOST).map((p) => p.metadata.name)).to.deep.equal(['gw-a']);
    const start = f.clock.now();
    f.clock.setTimer(30_000, () => f.remove('pods', 'gw-a', 'gateway-system'));
    await drain.run(f.ctx, {});
    expect(f.clock.now() - start).to.equal(30_000);
    expect(f.calls).to.deep.equal([
      `patch nodes ${LOST} strategic {"spec":{"unschedulable":true}}`,
      'evict gateway-system/gw-a',
    ]);
  });

  it('drain retries an eviction a PodDisruptionBudget refuses every 5 seconds, as kubectl does', async () => {
    const f = lostNode();
    f.remove('pods', 'redis-0', 'skiff-nsf');
    let refusals = 3;
    f.ctx.kube.evict = (ns, name) => {
      f.calls.push(`evict ${ns}/${name} at ${f.clock.now() - start}`);
      if (refusals-- > 0)
        return Promise.resolve({
          evicted: false,
          status: 429,
          message: "Cannot evict pod as it would violate the pod's disruption budget.",
        });
      f.clock.setTimer(1000, () => f.remove('pods', name, ns));
      return Promise.resolve({ evicted: true });
    };
    const start = f.clock.now();
    await drain.run(f.ctx, {});
    expect(f.calls.filter((c) => c.startsWith('evict'))).to.deep.equal([
      'evict gateway-system/gw-a at 0',
      'evict gateway-system/gw-a at 5000',
      'evict gateway-system/gw-a at 10000',
      'evict gateway-system/gw-a at 15000',
    ]);
    expect(f.clock.now() - start).to.equal(16_000);
  });

  it('drain stops on a pod no controller manages unless forced', async () => {
    const f = fakeContext({ objects: { nodes: [node(LOST)], pods: [pod('default', 'bare', { node: LOST })] } });
    try {
      await drain.run(f.ctx, { nodes: { names: [LOST] } });
      expect.fail('drained a bare pod');
    } catch (err) {
      expect((err as Error).message).to.contain(
        'cannot delete Pods that declare no controller (use --force to override): default/bare',
      );
    }
  });

  it('wait sleeps on the target clock, and restart-static-pod moves the manifest out and back after the pause', async () => {
    const f = lostNode();
    const start = f.clock.now();
    await wait.run(f.ctx, { duration: '5m' });
    expect(f.clock.now() - start).to.equal(300_000);
    await restartStaticPod.run(f.ctx, { component: 'kube-apiserver', nodes: { names: ['10.128.38.7'] } });
    expect(f.clock.now() - start).to.equal(320_000);
    expect(f.calls).to.deep.equal([
      'manifest kube-apiserver out on 10.128.38.7',
      'manifest kube-apiserver in on 10.128.38.7',
    ]);
  });
});
