import { expect } from 'chai';
import { fillNodeMemory, freeMemory, isSchedulable } from '../../src/faults/fill-node-memory.js';
import { fakeContext, node, pod } from '../kit/fake-context.js';

describe('fill-node-memory', () => {
  const nodes = [
    node('10.128.38.1', { master: true, taints: [{ key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' }] }),
    node('10.128.38.7', { memory: '8Gi' }),
    node('10.128.38.8', { memory: '8Gi' }),
    node('10.128.38.9', { memory: '8Gi', unschedulable: true }),
  ];
  const pods = [
    pod('a', 'p1', { node: '10.128.38.7', memory: '1Gi' }),
    pod('a', 'p2', { node: '10.128.38.7', memory: '512Mi', phase: 'Succeeded' }),
    pod('a', 'p3', { node: '10.128.38.8', memory: '3Gi' }),
  ];

  it('counts free memory as allocatable minus the requests of pods still bound to the node', () => {
    expect(freeMemory(nodes[1]!, pods)).to.equal(7 * 2 ** 30);
    expect(freeMemory(nodes[2]!, pods)).to.equal(5 * 2 ** 30);
  });

  it('with allNodes, fills every node a plain pod could land on: not cordoned, not tainted', async () => {
    expect(nodes.map(isSchedulable)).to.deep.equal([false, true, true, false]);
    const f = fakeContext({ objects: { nodes, pods } });
    const plan = await fillNodeMemory.plan(f.ctx, { allNodes: true });
    expect(plan.nodes).to.deep.equal(['10.128.38.7', '10.128.38.8']);
  });

  it('creates one ballast pod per node, bound to it and requesting exactly its free memory less "leave"', async () => {
    const f = fakeContext({ objects: { nodes, pods } });
    const plan = await fillNodeMemory.plan(f.ctx, { allNodes: true });
    const created: unknown[] = [];
    const create = f.ctx.kube.create.bind(f.ctx.kube);
    f.ctx.kube.create = (r, obj) => {
      created.push(obj);
      return create(r, obj);
    };
    await fillNodeMemory.inject(f.ctx, { allNodes: true, leave: '1Gi' }, plan);
    const specs = (
      created as {
        metadata: { name: string };
        spec?: { nodeName: string; containers: { resources: { requests: { memory: string } } }[] };
      }[]
    ).filter((o) => o.spec);
    expect(
      specs.map((s) => [s.metadata.name, s.spec!.nodeName, s.spec!.containers[0]!.resources.requests.memory]),
    ).to.deep.equal([
      ['gameday-ballast-10.128.38.7', '10.128.38.7', String(6 * 2 ** 30)],
      ['gameday-ballast-10.128.38.8', '10.128.38.8', String(4 * 2 ** 30)],
    ]);
    await fillNodeMemory.revert(f.ctx, {}, plan);
    expect(f.calls.slice(-2)).to.deep.equal([
      'delete pods gameday/gameday-ballast-10.128.38.7 grace=0',
      'delete pods gameday/gameday-ballast-10.128.38.8 grace=0',
    ]);
  });
});
