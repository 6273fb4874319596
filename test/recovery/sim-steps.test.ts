import { expect } from 'chai';
import { fillNodeDisk } from '../../src/faults/fill-node-disk.js';
import { killEtcdMembers } from '../../src/faults/kill-etcd-members.js';
import { partitionNode } from '../../src/faults/partition-node.js';
import { powerOffNode } from '../../src/faults/power-off-node.js';
import { conditionOf } from '../../src/kube/objects.js';
import { allWorkloadsAvailable } from '../../src/probes/all-workloads-available.js';
import { apiWritable } from '../../src/probes/api-writable.js';
import { etcdHealthy } from '../../src/probes/etcd-healthy.js';
import { etcdWriter } from '../../src/probes/etcd-writer.js';
import { httpOk } from '../../src/probes/http-ok.js';
import { nodeReady } from '../../src/probes/node-ready.js';
import { nodeSchedulable } from '../../src/probes/node-schedulable.js';
import { podsMoved } from '../../src/probes/pods-moved.js';
import { podsRunning } from '../../src/probes/pods-running.js';
import { addNode } from '../../src/recovery/add-node.js';
import { cleanLogs } from '../../src/recovery/clean-logs.js';
import { cordon } from '../../src/recovery/cordon.js';
import { deleteStuckPods } from '../../src/recovery/delete-stuck-pods.js';
import { drain, drainable } from '../../src/recovery/drain.js';
import { etcdRestartMembers } from '../../src/recovery/etcd-restart-members.js';
import { patchTolerations } from '../../src/recovery/patch-tolerations.js';
import { removeNode } from '../../src/recovery/remove-node.js';
import { rolloutRestart } from '../../src/recovery/rollout-restart.js';
import { rolloutStatus } from '../../src/recovery/rollout-status.js';
import { scale } from '../../src/recovery/scale.js';
import { uncordon } from '../../src/recovery/uncordon.js';
import { nodeOf } from '../../src/kit/pods.js';
import { simHarness, type SimHarness } from '../kit/sim-context.js';

const GW = { namespace: 'gateway-system', kind: 'Deployment' as const, name: 'gateway-proxy' };

describe('recovery steps on the simulator', function () {
  this.timeout(30_000);
  let h: SimHarness;
  afterEach(async () => {
    await h.close();
  });

  async function gatewayNode(): Promise<string> {
    const { items } = await h.ctx.kube.list('pods', { namespace: 'gateway-system' });
    return nodeOf(items.find((p) => p.metadata.name.startsWith('gateway-proxy'))!)!;
  }

  it('drain evicts everything but DaemonSet and mirror pods while the PDB holds; uncordon makes the node schedulable (D8)', async () => {
    h = await simHarness('control');
    const node = await gatewayNode();
    const nodes = { names: [node] };
    const available = await allWorkloadsAvailable.start(h.ctx, {});
    const schedulable = await nodeSchedulable.start(h.ctx, { nodes });
    await drain.run(h.ctx, { nodes });
    const pods = h.ctx.informer('pods');
    expect(drainable(pods.items(), node)).to.deep.equal([]);
    expect(schedulable.evaluate()).to.deep.equal({ ok: false, observed: `${node} SchedulingDisabled` });
    await h.until(available, true, 300_000);
    await uncordon.run(h.ctx, { nodes });
    await h.until(schedulable, true, 10_000);
  });

  it('after a host crash, cordon and delete-stuck-pods let the workloads come back elsewhere (D1, host lost)', async () => {
    h = await simHarness('control');
    const node = await gatewayNode();
    const plan = await powerOffNode.plan(h.ctx, { nodes: { names: [node] } });
    await powerOffNode.inject(h.ctx, {}, plan);
    h.ctx.state.affectedNodes.set('control', [node]);
    h.ctx.state.affectedWorkloads.set('control', ['gateway-system/Deployment/gateway-proxy']);
    const down = await nodeReady.start(h.ctx, { ready: false });
    const moved = await podsMoved.start(h.ctx, {});
    await h.until(down);
    h.mark();
    await cordon.run(h.ctx, {});
    await deleteStuckPods.run(h.ctx, {});
    await h.until(moved, true, 300_000);
    // Far sooner than the 300 s default toleration would have moved them.
    expect(h.elapsed()).to.be.below(120_000);
  });

  it('patch-tolerations to 3 s moves the pods of a partitioned node within seconds of the taint (D5)', async () => {
    h = await simHarness('control');
    await patchTolerations.run(h.ctx, { workload: GW, seconds: 3 });
    await rolloutStatus.run(h.ctx, { workload: GW });
    const node = await gatewayNode();
    const plan = await partitionNode.plan(h.ctx, { nodes: { names: [node] } });
    h.ctx.state.affectedNodes.set('control', [node]);
    const moved = await podsMoved.start(h.ctx, { workload: GW });
    h.mark();
    await partitionNode.inject(h.ctx, {}, plan);
    await h.until(moved, true, 600_000);
    // Grace period (40 s) + tainting + 3 s toleration + a new pod starting: well under the default 5m40s.
    expect(h.elapsed()).to.be.below(120_000);
    await partitionNode.revert(h.ctx, {}, plan);
  });

  it('rollout-restart replaces every pod and rollout-status returns once the rollout is complete; scale sets replicas', async () => {
    h = await simHarness('control');
    const before = (await h.ctx.kube.list('pods', { namespace: 'gateway-system' })).items.map((p) => p.metadata.name);
    await rolloutRestart.run(h.ctx, { workload: GW });
    await rolloutStatus.run(h.ctx, { workload: GW });
    const running = await podsRunning.start(h.ctx, { workload: GW });
    await h.until(running);
    const after = (await h.ctx.kube.list('pods', { namespace: 'gateway-system' })).items
      .filter((p) => !p.metadata.deletionTimestamp)
      .map((p) => p.metadata.name);
    expect(after.filter((n) => n.startsWith('gateway-proxy') && before.includes(n))).to.deep.equal([]);
    await scale.run(h.ctx, { workload: GW, replicas: 3 });
    await rolloutStatus.run(h.ctx, { workload: GW });
    expect(running.evaluate().observed).to.equal('3/3 Running and ready');
  });

  it('add-node joins a Ready node and remove-node takes the one it added', async () => {
    h = await simHarness('business');
    await addNode.run(h.ctx, { nodeName: '10.128.38.13', memory: '16Gi' });
    const ready = await nodeReady.start(h.ctx, { nodes: { names: ['10.128.38.13'] } });
    await h.until(ready, true, 300_000);
    await removeNode.run(h.ctx, {});
    const nodes = await h.ctx.kube.list('nodes');
    expect(nodes.items.map((n) => n.metadata.name)).not.to.include('10.128.38.13');
  });

  it('clean-logs frees the disk a filling log volume took, so DiskPressure clears (D3 disk)', async () => {
    h = await simHarness('business');
    const node = '10.128.38.10';
    const plan = await fillNodeDisk.plan(h.ctx, { nodes: { names: [node] } });
    await fillNodeDisk.inject(h.ctx, {}, plan);
    const nodes = h.ctx.informer('nodes');
    await nodes.ready();
    const pressure = () => conditionOf(nodes.get(node)!, 'DiskPressure')?.status;
    await h.ctx.clock.waitFor(() => pressure() === 'True', { timeoutMs: 120_000, what: 'DiskPressure' });
    await cleanLogs.run(h.ctx, { nodes: { names: [node] } });
    await h.ctx.clock.waitFor(() => pressure() === 'False', { timeoutMs: 900_000, what: 'no DiskPressure' });
  });

  it('etcd: one member down keeps writes going; etcd-restart-members brings it back healthy (D4a)', async () => {
    h = await simHarness('control');
    const writer = await etcdWriter.start(h.ctx, {});
    const healthy = await etcdHealthy.start(h.ctx, {});
    const api = await apiWritable.start(h.ctx, {});
    const ready = await httpOk.start(h.ctx, { path: '/readyz' });
    const plan = await killEtcdMembers.plan(h.ctx, { members: { count: 1 } });
    await killEtcdMembers.inject(h.ctx, {}, plan);
    h.ctx.state.affectedMembers.set('control', plan.members!);
    await h.until(healthy, false, 60_000);
    expect(writer.evaluate().ok).to.equal(true);
    await h.ctx.clock.sleep(10_000);
    expect(writer.evaluate().ok, writer.evaluate().observed).to.equal(true);
    expect(api.evaluate().ok, api.evaluate().observed).to.equal(true);
    await etcdRestartMembers.run(h.ctx, {});
    await h.until(healthy, true, 120_000);
    expect(ready.evaluate().ok, ready.evaluate().observed).to.equal(true);
    for (const p of [writer, healthy, api, ready]) p.stop();
  });

  it('etcd: two members down refuse writes and the API; restarting them brings both back (D4b, in place)', async () => {
    h = await simHarness('control');
    const writer = await etcdWriter.start(h.ctx, {});
    const api = await apiWritable.start(h.ctx, {});
    const plan = await killEtcdMembers.plan(h.ctx, { members: { count: 2 } });
    await killEtcdMembers.inject(h.ctx, {}, plan);
    h.ctx.state.affectedMembers.set('control', plan.members!);
    await h.until(writer, false, 60_000);
    // A write without quorum hangs until kube-apiserver's 60 s request timeout before it fails.
    await h.until(api, false, 120_000);
    await etcdRestartMembers.run(h.ctx, {});
    await h.until(writer, true, 120_000);
    await h.until(api, true, 120_000);
    await killEtcdMembers.revert(h.ctx, {}, plan);
    writer.stop();
    api.stop();
  });
});
