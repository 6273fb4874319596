import { expect } from 'chai';
import { InvalidInputError } from '../../src/errors.js';
import { breakCniPod } from '../../src/faults/break-cni-pod.js';
import { breakImage } from '../../src/faults/break-image.js';
import { crashContainer } from '../../src/faults/crash-container.js';
import { createPendingPod } from '../../src/faults/create-pending-pod.js';
import { deleteConfigMap } from '../../src/faults/delete-configmap.js';
import { fillNodeMemory } from '../../src/faults/fill-node-memory.js';
import { killEtcdMembers } from '../../src/faults/kill-etcd-members.js';
import { partitionNode } from '../../src/faults/partition-node.js';
import { powerOffNode } from '../../src/faults/power-off-node.js';
import { scaleWorkload } from '../../src/faults/scale-workload.js';
import { setMemoryUsage } from '../../src/faults/set-memory-usage.js';
import { stopKubelet } from '../../src/faults/stop-kubelet.js';
import { taintNodes } from '../../src/faults/taint-nodes.js';
import type { Fault, FaultPlan } from '../../src/kit/plugin.js';
import type { KubeObject, Taint } from '../../src/kube/objects.js';
import { nodeReady } from '../../src/probes/node-ready.js';
import { rolloutRestart } from '../../src/recovery/rollout-restart.js';
import { scale } from '../../src/recovery/scale.js';
import { setResources } from '../../src/recovery/set-resources.js';
import { simHarness, type SimHarness } from '../kit/sim-context.js';

/**
 * Issue 15 item 1, fault by fault: a revert puts back what the journal recorded, even when a recovery step
 * or a person changed the object between the fault and the rollback, and never removes what was there
 * before the fault. Each revert runs from a copy of the plan as it went through the journal (JSON), as
 * `gameday rollback` would run it.
 */
const GW = { namespace: 'gateway-system', kind: 'Deployment' as const, name: 'gateway-proxy' };
const fromJournal = (plan: FaultPlan): FaultPlan => JSON.parse(JSON.stringify(plan)) as FaultPlan;

async function drill<P>(h: SimHarness, fault: Fault<P>, p: P, between: () => Promise<void>): Promise<FaultPlan> {
  const plan = await fault.plan(h.ctx, p);
  await fault.inject(h.ctx, p, plan);
  await between();
  await fault.revert(h.ctx, p, fromJournal(plan));
  return plan;
}

const gateway = async (h: SimHarness): Promise<KubeObject> =>
  (await h.ctx.kube.get('deployments', GW.name, GW.namespace))!;
const template = (o: KubeObject): { metadata?: { annotations?: Record<string, string> }; spec: KubeObject['spec'] } =>
  o.spec.template;
const container = (o: KubeObject): Record<string, unknown> => template(o).spec.containers[0];

describe('fault reverts put back exactly what was recorded (issue 15 item 1)', function () {
  this.timeout(60_000);
  let h: SimHarness;
  beforeEach(async () => {
    h = await simHarness('control');
  });
  afterEach(async () => {
    await h.close();
  });

  it('scale-workload: a person scaled the workload to 5 in between; revert puts back the recorded 2', async () => {
    await drill(h, scaleWorkload, { workload: GW }, () => h.ctx.kube.scale('deployments', GW.namespace, GW.name, 5));
    expect((await gateway(h)).spec.replicas).to.equal(2);
  });

  it('scale-workload: the recovery scaled it to 1; revert still restores the recorded count', async () => {
    await drill(h, scaleWorkload, { workload: GW, replicas: 0 }, async () => {
      h.ctx.state.affectedWorkloads.set('control', ['gateway-system/Deployment/gateway-proxy']);
      await scale.run(h.ctx, { replicas: 1 });
    });
    expect((await gateway(h)).spec.replicas).to.equal(2);
  });

  it('break-image: a person set yet another image in between; revert puts back the recorded image, keeping their resources change', async () => {
    const image = container(await gateway(h))['image'];
    await drill(h, breakImage, { workload: GW }, async () => {
      const gw = await gateway(h);
      const containers = template(gw).spec.containers.map((c: Record<string, unknown>) => ({ ...c, image: 'x/y:9' }));
      await h.ctx.kube.patch(
        'deployments',
        GW.name,
        { spec: { template: { spec: { containers } } } },
        {
          namespace: GW.namespace,
          type: 'merge',
        },
      );
      await setResources.run(h.ctx, { workload: GW, requests: { cpu: '600m' } });
    });
    const c = container(await gateway(h));
    expect(c['image']).to.equal(image);
    // What the fault did not record is not its to undo (the rollback's state check restores it).
    expect((c['resources'] as { requests: Record<string, string> }).requests['cpu']).to.equal('600m');
  });

  it('crash-container: the crash annotation a person changed in between is removed as the fault found none', async () => {
    const plan = await drill(h, crashContainer, { workload: GW }, async () => {
      const annotation = 'sim.gameday.io/crash.' + String(container(await gateway(h))['name']);
      await h.ctx.kube.patch(
        'deployments',
        GW.name,
        { spec: { template: { metadata: { annotations: { [annotation]: 'later' } } } } },
        {
          namespace: GW.namespace,
          type: 'merge',
        },
      );
    });
    expect(template(await gateway(h)).metadata?.annotations ?? {}).not.to.have.property(
      plan.data!['annotation'] as string,
    );
  });

  it('set-memory-usage: a usage annotation the template already had is put back, not removed', async () => {
    const annotation = 'sim.gameday.io/memory-usage.' + String(container(await gateway(h))['name']);
    await h.ctx.kube.patch(
      'deployments',
      GW.name,
      { spec: { template: { metadata: { annotations: { [annotation]: '650Mi' } } } } },
      {
        namespace: GW.namespace,
        type: 'merge',
      },
    );
    await drill(h, setMemoryUsage, { workload: GW }, () =>
      setResources.run(h.ctx, { workload: GW, limits: { memory: '+50%' } }),
    );
    expect(template(await gateway(h)).metadata?.annotations?.[annotation]).to.equal('650Mi');
  });

  it("taint-nodes: a taint a person added in between stays, the fault's own goes, a master keeps its own", async () => {
    const nodes = (await h.ctx.kube.list('nodes')).items;
    const master = nodes.find((n) => (n.spec?.taints ?? []).length > 0)!;
    const worker = nodes.find((n) => (n.spec?.taints ?? []).length === 0)!.metadata.name;
    const masterTaints = master.spec.taints as Taint[];
    const p = { workload: GW, nodes: { names: [master.metadata.name, worker] }, effect: 'NoSchedule' as const };
    await drill(h, taintNodes, p, async () => {
      const now = (await h.ctx.kube.get('nodes', worker))!.spec.taints as Taint[];
      const theirs = { key: 'team.example/maintenance', value: 'yes', effect: 'NoSchedule' };
      await h.ctx.kube.patch('nodes', worker, { spec: { taints: [...now, theirs] } }, { type: 'merge' });
    });
    const taintsOf = async (n: string): Promise<Taint[]> =>
      ((await h.ctx.kube.get('nodes', n))!.spec.taints ?? []) as Taint[];
    expect(await taintsOf(master.metadata.name)).to.deep.equal(masterTaints);
    expect(await taintsOf(worker)).to.deep.equal([
      { key: 'team.example/maintenance', value: 'yes', effect: 'NoSchedule' },
    ]);
  });

  it('delete-configmap: content recreated by recovery is replaced with the recorded one, and the restart annotation goes back', async () => {
    const h2 = await simHarness('paas');
    await h.close();
    h = h2;
    const w = { namespace: 'skiff-nsf', kind: 'Deployment' as const, name: 'nsf-server' };
    const cm = {
      metadata: { name: 'nsf-env', namespace: 'skiff-nsf', annotations: { owner: 'nsf' } },
      data: { MODE: 'prod' },
    };
    await h.ctx.kube.create('configmaps', cm);
    const nsf = (await h.ctx.kube.get('deployments', 'nsf-server', 'skiff-nsf'))!;
    const containers = (nsf.spec.template.spec.containers as Record<string, unknown>[]).map((c) => ({
      ...c,
      envFrom: [{ configMapRef: { name: 'nsf-env' } }],
    }));
    await h.ctx.kube.patch(
      'deployments',
      'nsf-server',
      {
        spec: {
          template: {
            metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': '2020-01-01T00:00:00Z' } },
            spec: { containers },
          },
        },
      },
      {
        namespace: 'skiff-nsf',
        type: 'merge',
      },
    );
    await drill(h, deleteConfigMap, { workload: w }, async () => {
      await h.ctx.kube.create('configmaps', {
        metadata: { name: 'nsf-env', namespace: 'skiff-nsf' },
        data: { MODE: '# placeholder' },
      });
    });
    const back = (await h.ctx.kube.get('configmaps', 'nsf-env', 'skiff-nsf'))!;
    expect(back['data']).to.deep.equal({ MODE: 'prod' });
    expect(back.metadata.annotations).to.deep.equal({ owner: 'nsf' });
    const after = (await h.ctx.kube.get('deployments', 'nsf-server', 'skiff-nsf'))!;
    expect(after.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).to.equal(
      '2020-01-01T00:00:00Z',
    );
  });

  it('delete-configmap: a restart a person made after the fault is theirs and stays', async () => {
    await h.ctx.kube.create('configmaps', {
      metadata: { name: 'gw-env', namespace: 'gateway-system' },
      data: { A: '1' },
    });
    const gw = await gateway(h);
    const containers = template(gw).spec.containers.map((c: Record<string, unknown>) => ({
      ...c,
      envFrom: [{ configMapRef: { name: 'gw-env' } }],
    }));
    await h.ctx.kube.patch(
      'deployments',
      GW.name,
      { spec: { template: { spec: { containers } } } },
      { namespace: GW.namespace, type: 'merge' },
    );
    await drill(h, deleteConfigMap, { workload: GW }, async () => {
      h.ctx.state.affectedWorkloads.set('control', ['gateway-system/Deployment/gateway-proxy']);
      await h.ctx.clock.sleep(5000);
      await rolloutRestart.run(h.ctx, {});
    });
    const restartedAt = template(await gateway(h)).metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'];
    expect(restartedAt, 'the rollout-restart step set its own time').to.be.a('string');
    expect((await h.ctx.kube.get('configmaps', 'gw-env', 'gateway-system'))!['data']).to.deep.equal({ A: '1' });
  });

  it('create-pending-pod: a Deployment of that name that was there before is refused at plan time, so revert never deletes it', async () => {
    await h.ctx.kube.create('namespaces', { metadata: { name: 'gameday' } });
    await h.ctx.kube.create('deployments', {
      metadata: { name: 'gameday-pending', namespace: 'gameday' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { app: 'x' } },
        template: { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      },
    });
    const err = await createPendingPod.plan(h.ctx, {}).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InvalidInputError);
    expect((err as Error).message).to.contain('Deployment gameday/gameday-pending already exists');
    expect(await h.ctx.kube.get('deployments', 'gameday-pending', 'gameday')).not.to.equal(undefined);
  });

  it('fill-node-memory: a ballast pod another drill left on the node is neither remade nor deleted', async () => {
    const p = { nodes: { names: ['10.128.38.4', '10.128.38.5'] } };
    const first = await fillNodeMemory.plan(h.ctx, { nodes: { names: ['10.128.38.4'] } });
    await fillNodeMemory.inject(h.ctx, { nodes: { names: ['10.128.38.4'] } }, first);
    const plan = await drill(h, fillNodeMemory, p, () => Promise.resolve());
    expect((plan.data!['pods'] as { node: string }[]).map((b) => b.node)).to.deep.equal(['10.128.38.5']);
    const left = (await h.ctx.kube.list('pods', { namespace: 'gameday' })).items.map((x) => x.metadata.name);
    expect(left).to.deep.equal(['gameday-ballast-10.128.38.4']);
  });

  it('break-cni-pod: a crash annotation the pod had is put back; a pod the recovery deleted is no error', async () => {
    const p = { nodes: { names: ['10.128.38.4', '10.128.38.5'] } };
    const before = await breakCniPod.plan(h.ctx, p);
    const [keep, gone] = before.data!['pods'] as { name: string; namespace: string }[];
    await h.ctx.kube.patch(
      'pods',
      keep!.name,
      { metadata: { annotations: { 'sim.gameday.io/crash': 'earlier' } } },
      {
        namespace: keep!.namespace,
        type: 'merge',
      },
    );
    await drill(h, breakCniPod, p, () => h.ctx.kube.delete('pods', gone!.name, { namespace: gone!.namespace }));
    const pod = await h.ctx.kube.get('pods', keep!.name, keep!.namespace);
    expect(pod!.metadata.annotations!['sim.gameday.io/crash']).to.equal('earlier');
  });

  it('node faults: a recovery that already restarted kubelet, powered on or reconnected the node leaves the revert nothing to break', async () => {
    const node = '10.128.38.4';
    const ready = await nodeReady.start(h.ctx, { nodes: { names: [node] } });
    const faults: [Fault<{ nodes: { names: string[] } }>, () => Promise<void>][] = [
      [stopKubelet, () => h.ctx.nodes.service(node, 'kubelet', 'restart')],
      [powerOffNode, () => h.ctx.nodes.power(node, 'on')],
      [partitionNode, () => h.ctx.nodes.network(node, 'connect')],
    ];
    for (const [fault, recovery] of faults) {
      await drill(h, fault, { nodes: { names: [node] } }, async () => {
        await h.until(ready, false);
        await recovery();
        await h.until(ready, true);
      });
      h.mark();
      await h.ctx.clock.sleep(120_000);
      expect(ready.evaluate(), fault.name).to.deep.include({ ok: true });
    }
  });

  it('kill-etcd-members: a member the recovery removed from the cluster is not started again', async () => {
    const p = { members: { count: 1, pick: 'first' as const }, snapshot: false };
    const plan = await drill(h, killEtcdMembers, p, async () => {
      await h.ctx.clock.sleep(10_000); // a new leader is elected
      await h.ctx.etcd.memberRemove((await h.ctx.etcd.members()).map((m) => m.name).sort()[0]!);
    });
    const running = await h.ctx.etcd.running();
    expect(running).not.to.include(plan.members![0]);
    expect(h.notes.join('\n')).to.contain('no longer in the cluster');
  });
});
