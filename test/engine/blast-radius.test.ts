import { expect } from 'chai';
import { BlastRadiusError } from '../../src/errors.js';
import { checkBlastRadius, type PlannedFault } from '../../src/engine/blast-radius.js';
import type { BlastRadius } from '../../src/experiment/types.js';
import type { FaultPlan } from '../../src/kit/plugin.js';
import { closeFakes, fakeContext, member, node, type Fake } from '../kit/fake-context.js';

/** Three masters (each an etcd member) and three workers. */
function cluster(o: { members?: number; labels?: 'master' | 'control-plane' } = {}): Fake {
  const masters = ['m1', 'm2', 'm3'].map((n) => {
    const obj = node(n, { master: true });
    if (o.labels === 'control-plane') obj.metadata.labels = { 'node-role.kubernetes.io/control-plane': '' };
    return obj;
  });
  return fakeContext({
    objects: { nodes: [...masters, node('w1'), node('w2'), node('w3')] },
    members: ['m1', 'm2', 'm3', 'm4', 'm5'].slice(0, o.members ?? 3).map((n) => member(`etcd-${n}`, n)),
  });
}

const fault = (plan: FaultPlan, c = 'business'): PlannedFault => ({ type: 'fake', cluster: c, plan });

async function refusal(f: Fake, planned: PlannedFault[], limits?: BlastRadius): Promise<string | undefined> {
  try {
    await checkBlastRadius('x.json', limits, planned, () => f.ctx);
    return undefined;
  } catch (err) {
    expect(err).to.be.instanceOf(BlastRadiusError);
    return (err as Error).message;
  }
}

describe('checkBlastRadius', () => {
  afterEach(closeFakes);

  it('allows one node and one workload by default', async () => {
    expect(await refusal(cluster(), [fault({ nodes: ['w1'], workloads: ['ns/Deployment/a'] })])).to.equal(undefined);
  });

  it('refuses a second node by default, naming the nodes and the limit', async () => {
    expect(await refusal(cluster(), [fault({ nodes: ['w1'] }), fault({ nodes: ['w2'] })])).to.equal(
      'x.json: refused before any change, the blast radius is too large: business: the faults would hit 2 nodes (w1, w2) but blastRadius.maxNodes is 1.',
    );
  });

  it('counts a node hit by two faults once', async () => {
    expect(await refusal(cluster(), [fault({ nodes: ['w1'] }), fault({ nodes: ['w1'] })])).to.equal(undefined);
  });

  it('allows as many nodes as maxNodes says', async () => {
    const planned = [fault({ nodes: ['w1', 'w2', 'w3'] })];
    expect(await refusal(cluster(), planned, { maxNodes: 3 })).to.equal(undefined);
    expect(await refusal(cluster(), planned, { maxNodes: 2 })).to.match(
      /would hit 3 nodes \(w1, w2, w3\) but blastRadius.maxNodes is 2/,
    );
  });

  it('refuses more workloads than maxWorkloads', async () => {
    const planned = [fault({ workloads: ['ns/Deployment/a'] }), fault({ workloads: ['ns/StatefulSet/b'] })];
    expect(await refusal(cluster(), planned)).to.match(
      /business: the faults would hit 2 workloads \(ns\/Deployment\/a, ns\/StatefulSet\/b\) but blastRadius.maxWorkloads is 1/,
    );
    expect(await refusal(cluster(), planned, { maxWorkloads: 2 })).to.equal(undefined);
  });

  it('refuses a majority of control-plane nodes unless allowControlPlaneMajority', async () => {
    const planned = [fault({ nodes: ['m1', 'm2'] })];
    const msg = await refusal(cluster({ members: 0 }), planned, { maxNodes: 3 });
    expect(msg).to.contain(
      'business: the faults would take down 2 of 3 control-plane nodes (m1, m2); set blastRadius.allowControlPlaneMajority to drill that',
    );
    const allowed = { maxNodes: 3, allowControlPlaneMajority: true };
    expect(await refusal(cluster({ members: 0 }), planned, allowed)).to.equal(undefined);
  });

  it('knows control-plane nodes by the control-plane label as well as the master label', async () => {
    const msg = await refusal(cluster({ members: 0, labels: 'control-plane' }), [fault({ nodes: ['m1', 'm3'] })], {
      maxNodes: 2,
    });
    expect(msg).to.contain('2 of 3 control-plane nodes (m1, m3)');
  });

  it('allows a minority of control-plane nodes', async () => {
    expect(await refusal(cluster({ members: 0 }), [fault({ nodes: ['m1'] })])).to.equal(undefined);
  });

  it('refuses to leave etcd below quorum, counting members hit by name or through a fault that stops their node', async () => {
    const msg = await refusal(cluster(), [fault({ members: ['etcd-m1'] }), fault({ nodes: ['m2'], stopsEtcd: true })], {
      maxNodes: 2,
      allowControlPlaneMajority: true,
    });
    expect(msg).to.contain(
      'business: the faults would leave 1 of 3 etcd members, below quorum (2); set blastRadius.allowQuorumLoss to drill that',
    );
  });

  it('does not count an etcd member lost when the fault on its master leaves etcd running (issue 18)', async () => {
    // kube-apiserver's and kube-scheduler's manifests moved on one master, kubelet stopped on another.
    const planned = [
      fault({ nodes: ['m1'] }),
      fault({ nodes: ['m1'] }),
      fault({ nodes: ['m2'] }),
      fault({ members: ['etcd-m3'] }),
    ];
    expect(await refusal(cluster(), planned, { maxNodes: 2, allowControlPlaneMajority: true })).to.equal(undefined);
    const etcdToo = [...planned, fault({ nodes: ['m2'], stopsEtcd: true })];
    expect(await refusal(cluster(), etcdToo, { maxNodes: 2, allowControlPlaneMajority: true })).to.contain(
      'business: the faults would leave 1 of 3 etcd members, below quorum (2)',
    );
  });

  it('computes quorum from the member count: 2 of 5 members down keeps quorum, 3 does not', async () => {
    const five = (): Fake => cluster({ members: 5 });
    expect(await refusal(five(), [fault({ members: ['etcd-m1', 'etcd-m2'] })])).to.equal(undefined);
    expect(await refusal(five(), [fault({ members: ['etcd-m1', 'etcd-m2', 'etcd-m3'] })])).to.contain(
      'would leave 2 of 5 etcd members, below quorum (3)',
    );
  });

  it('lets quorum go with allowQuorumLoss, and then still holds maxEtcdMembers', async () => {
    const planned = [fault({ members: ['etcd-m1', 'etcd-m2', 'etcd-m3'] })];
    expect(await refusal(cluster(), planned, { allowQuorumLoss: true })).to.equal(undefined);
    expect(await refusal(cluster(), planned, { allowQuorumLoss: true, maxEtcdMembers: 2 })).to.contain(
      'business: the faults would take down 3 etcd members (etcd-m1, etcd-m2, etcd-m3) but blastRadius.maxEtcdMembers is 2',
    );
  });

  it('holds maxEtcdMembers below a majority too (one member of five, when one is allowed)', async () => {
    const planned = [fault({ members: ['etcd-m1', 'etcd-m2'] })];
    expect(await refusal(cluster({ members: 5 }), planned, { maxEtcdMembers: 1 })).to.contain(
      'would take down 2 etcd members (etcd-m1, etcd-m2) but blastRadius.maxEtcdMembers is 1',
    );
  });

  it('skips the etcd rules when the target cannot list etcd members', async () => {
    const f = cluster();
    f.etcd.members = () => Promise.reject(new Error('etcdctl: connection refused'));
    expect(await refusal(f, [fault({ members: ['etcd-m1', 'etcd-m2'] })])).to.equal(undefined);
  });

  it('asks the cluster nothing when the faults hit no node and no member', async () => {
    const f = cluster();
    f.ctx.kube.list = () => Promise.reject(new Error('must not be called'));
    expect(await refusal(f, [fault({ workloads: ['ns/Deployment/a'] })])).to.equal(undefined);
  });

  it('checks members hit with no node through etcd alone: the API may be down with etcd (a restore step)', async () => {
    const f = cluster();
    f.ctx.kube.list = () => Promise.reject(new Error('must not be called'));
    expect(await refusal(f, [fault({ members: ['etcd-m1', 'etcd-m2'] })])).to.contain(
      'would leave 1 of 3 etcd members, below quorum (2)',
    );
    expect(await refusal(f, [fault({ members: ['etcd-m1', 'etcd-m2'] })], { allowQuorumLoss: true })).to.equal(
      undefined,
    );
  });

  it('applies the limits per cluster and lists every problem in one message', async () => {
    const f = cluster();
    const planned = [fault({ nodes: ['w1'] }, 'a'), fault({ nodes: ['w2'] }, 'b'), fault({ nodes: ['w3'] }, 'b')];
    const msg = await refusal(f, planned, { maxWorkloads: 0 });
    expect(msg).to.equal(
      'x.json: refused before any change, the blast radius is too large: b: the faults would hit 2 nodes (w2, w3) but blastRadius.maxNodes is 1.',
    );
    const both = await refusal(f, [...planned, fault({ workloads: ['ns/Deployment/a'] }, 'b')], { maxWorkloads: 0 });
    expect(both).to.contain(
      'maxNodes is 1; b: the faults would hit 1 workloads (ns/Deployment/a) but blastRadius.maxWorkloads is 0',
    );
  });
});
