import { expect } from 'chai';
import { createPendingPod } from '../../src/faults/create-pending-pod.js';
import { fillNodeMemory } from '../../src/faults/fill-node-memory.js';
import type { KubeObject } from '../../src/kube/objects.js';
import { fakeContext, node } from '../kit/fake-context.js';

/** A node as its kubelet reports it: its images, the pause image among them (kind ships 3.10). */
function withImages(n: KubeObject, names: string[][]): KubeObject {
  return { ...n, status: { ...n.status, images: names.map((ns) => ({ names: ns, sizeBytes: 1 })) } };
}

describe('ballast and placeholder pods use the pause image the nodes hold (issue 13 item 10)', () => {
  const nodes = [
    withImages(node('10.128.38.7', { memory: '8Gi' }), [
      ['registry.k8s.io/etcd@sha256:0f1e', 'registry.k8s.io/etcd:3.5.16-0'],
      ['registry.k8s.io/pause@sha256:ee6521f290b2', 'registry.k8s.io/pause:3.10'],
    ]),
    withImages(node('10.128.38.8', { memory: '8Gi' }), [
      ['registry.k8s.io/pause:3.9'],
      ['registry.k8s.io/pause:3.10'],
      ['docker.io/library/busybox:1.36'],
    ]),
  ];

  it("issue 13 item 10: fill-node-memory's ballast and create-pending-pod's pod use the nodes' own pause image", async () => {
    const f = fakeContext({ objects: { nodes, pods: [] } });
    const created: KubeObject[] = [];
    const create = f.ctx.kube.create.bind(f.ctx.kube);
    f.ctx.kube.create = (r, obj) => {
      created.push(obj);
      return create(r, obj);
    };
    const plan = await fillNodeMemory.plan(f.ctx, { allNodes: true });
    await fillNodeMemory.inject(f.ctx, { allNodes: true }, plan);
    const images = created
      .filter((o) => o.kind !== 'Namespace' && o.spec)
      .map((o) => (o.spec as { containers: { image: string }[] }).containers[0]!.image);
    expect(images).to.deep.equal(['registry.k8s.io/pause:3.10', 'registry.k8s.io/pause:3.10']);

    const pending = await createPendingPod.plan(f.ctx, {});
    expect(pending.data?.['image']).to.equal('registry.k8s.io/pause:3.10');
  });
});
