import { expect } from 'chai';
import { breakCniPod } from '../../src/faults/break-cni-pod.js';
import { breakImage } from '../../src/faults/break-image.js';
import { crashContainer } from '../../src/faults/crash-container.js';
import { createPendingPod } from '../../src/faults/create-pending-pod.js';
import { deleteConfigMap } from '../../src/faults/delete-configmap.js';
import { fillNodeMemory } from '../../src/faults/fill-node-memory.js';
import { scaleWorkload } from '../../src/faults/scale-workload.js';
import { setMemoryUsage } from '../../src/faults/set-memory-usage.js';
import { taintNodes } from '../../src/faults/taint-nodes.js';
import { noPendingPods } from '../../src/probes/no-pending-pods.js';
import { podPendingWithReason } from '../../src/probes/pod-pending-with-reason.js';
import { podStatus } from '../../src/probes/pod-status.js';
import { podsRunning } from '../../src/probes/pods-running.js';
import { workloadAvailable } from '../../src/probes/workload-available.js';
import { deletePod } from '../../src/recovery/delete-pod.js';
import { patchTolerations } from '../../src/recovery/patch-tolerations.js';
import { setResources } from '../../src/recovery/set-resources.js';
import { simHarness, type SimHarness } from '../kit/sim-context.js';

const GW = { namespace: 'gateway-system', kind: 'Deployment' as const, name: 'gateway-proxy' };

describe('workload faults on the simulator', function () {
  this.timeout(30_000);
  let h: SimHarness;
  beforeEach(async () => {
    h = await simHarness('control');
  });
  afterEach(async () => {
    await h.close();
  });

  it('scale-workload to zero is detected by workload-available below the original count, and revert restores it', async () => {
    const p = { workload: GW };
    const plan = await scaleWorkload.plan(h.ctx, p);
    await scaleWorkload.inject(h.ctx, p, plan);
    h.ctx.state.affectedWorkloads.set('control', plan.workloads!);
    const below = await workloadAvailable.start(h.ctx, { workload: GW, below: true });
    const available = await workloadAvailable.start(h.ctx, { workload: GW });
    await h.until(below);
    await h.until(available, false);
    await scaleWorkload.revert(h.ctx, p, plan);
    await h.until(available);
    expect(available.evaluate().observed).to.equal('2/2 available');
  });

  it('break-image makes new pods ImagePullBackOff, and revert puts the image back so the pods run', async () => {
    const p = { workload: GW };
    const plan = await breakImage.plan(h.ctx, p);
    const pulling = await podStatus.start(h.ctx, { workload: GW, reason: 'ErrImagePull|ImagePullBackOff' });
    const running = await podsRunning.start(h.ctx, { workload: GW });
    await breakImage.inject(h.ctx, p, plan);
    await h.until(pulling);
    await breakImage.revert(h.ctx, p, plan);
    await h.until(running);
  });

  it('crash-container sends new pods into CrashLoopBackOff, and revert removes the crash', async () => {
    const p = { workload: GW };
    const plan = await crashContainer.plan(h.ctx, p);
    const crashing = await podStatus.start(h.ctx, { workload: GW, reason: 'CrashLoopBackOff' });
    const running = await podsRunning.start(h.ctx, { workload: GW });
    await crashContainer.inject(h.ctx, p, plan);
    await h.until(crashing);
    await crashContainer.revert(h.ctx, p, plan);
    await h.until(running);
  });

  it('set-memory-usage above the limit gets pods OOMKilled; raising the limit by 50% (the runbook) fixes it', async () => {
    const p = { workload: GW };
    const plan = await setMemoryUsage.plan(h.ctx, p);
    const oom = await podStatus.start(h.ctx, { workload: GW, reason: 'OOMKilled' });
    const running = await podsRunning.start(h.ctx, { workload: GW });
    await setMemoryUsage.inject(h.ctx, p, plan);
    await h.until(oom);
    await setResources.run(h.ctx, { workload: GW, limits: { memory: '+50%' } });
    await h.until(running);
    await setMemoryUsage.revert(h.ctx, p, plan);
    const gw = await h.ctx.kube.get('deployments', 'gateway-proxy', 'gateway-system');
    expect(gw?.spec.template.metadata.annotations ?? {}).not.to.have.property(plan.data!['annotation'] as string);
  });

  it('taint-nodes evicts the pods and keeps them off; tolerating the taint (D11) lets them run again', async () => {
    const p = { workload: GW, nodes: { role: 'worker' as const, all: true } };
    const plan = await taintNodes.plan(h.ctx, p);
    const below = await workloadAvailable.start(h.ctx, { workload: GW, below: true });
    const available = await workloadAvailable.start(h.ctx, { workload: GW });
    await taintNodes.inject(h.ctx, p, plan);
    await h.until(below);
    await patchTolerations.run(h.ctx, { workload: GW, tolerate: { key: 'gameday.io/drill' } });
    await h.until(available);
    await taintNodes.revert(h.ctx, p, plan);
    const nodes = await h.ctx.kube.list('nodes');
    expect(
      nodes.items
        .flatMap((n) => (n.spec?.taints ?? []) as { key: string }[])
        .filter((t) => t.key === 'gameday.io/drill'),
    ).to.deep.equal([]);
  });

  it('fill-node-memory on every schedulable node leaves a new pod Pending with "Insufficient memory"; revert frees it', async () => {
    const fill = await fillNodeMemory.plan(h.ctx, { allNodes: true });
    expect(fill.nodes!.length).to.be.greaterThan(1);
    await fillNodeMemory.inject(h.ctx, { allNodes: true }, fill);
    const pendingParams = { memory: '256Mi' };
    const pend = await createPendingPod.plan(h.ctx, pendingParams);
    const reason = await podPendingWithReason.start(h.ctx, { namespace: 'gameday' });
    const none = await noPendingPods.start(h.ctx, { namespace: 'gameday' });
    await createPendingPod.inject(h.ctx, pendingParams, pend);
    await h.until(reason, true, 120_000);
    expect(reason.evaluate().observed).to.match(/0\/\d+ nodes are available: .*Insufficient memory/);
    await fillNodeMemory.revert(h.ctx, { allNodes: true }, fill);
    await h.until(none, true, 300_000);
    await createPendingPod.revert(h.ctx, pendingParams, pend);
  });

  it('delete-configmap leaves restarted pods in CreateContainerConfigError, and revert recreates the ConfigMap', async () => {
    await h.close();
    h = await simHarness('paas');
    await h.ctx.kube.create('configmaps', {
      metadata: { name: 'nsf-env', namespace: 'skiff-nsf' },
      data: { MODE: 'prod' },
    });
    const nsf = await h.ctx.kube.get('deployments', 'nsf-server', 'skiff-nsf');
    const containers = (nsf!.spec.template.spec.containers as Record<string, unknown>[]).map((c) => ({
      ...c,
      envFrom: [{ configMapRef: { name: 'nsf-env' } }],
    }));
    await h.ctx.kube.patch(
      'deployments',
      'nsf-server',
      { spec: { template: { spec: { containers } } } },
      { namespace: 'skiff-nsf', type: 'merge' },
    );
    const w = { namespace: 'skiff-nsf', kind: 'Deployment' as const, name: 'nsf-server' };
    const running = await podsRunning.start(h.ctx, { workload: w });
    await h.until(running);
    const plan = await deleteConfigMap.plan(h.ctx, { workload: w });
    const broken = await podStatus.start(h.ctx, { workload: w, reason: 'CreateContainerConfigError' });
    await deleteConfigMap.inject(h.ctx, { workload: w }, plan);
    await h.until(broken);
    await deleteConfigMap.revert(h.ctx, { workload: w }, plan);
    await h.until(running);
  });

  it('delete-configmap revert puts back the recorded content when recovery recreated the ConfigMap with other data', async () => {
    const cm = {
      metadata: { name: 'alertmanager-config', namespace: 'gateway-system', labels: { app: 'alertmanager' } },
      data: { 'alertmanager.yml': 'route:\n  receiver: oncall\n' },
    };
    await h.ctx.kube.create('configmaps', cm);
    const gw = await h.ctx.kube.get('deployments', 'gateway-proxy', 'gateway-system');
    const volumes = [{ name: 'am', configMap: { name: 'alertmanager-config' } }];
    await h.ctx.kube.patch(
      'deployments',
      'gateway-proxy',
      { spec: { template: { spec: { ...gw!.spec.template.spec, volumes } } } },
      { namespace: 'gateway-system', type: 'merge' },
    );
    const p = { workload: GW, configMap: 'alertmanager-config', restart: false };
    const plan = await deleteConfigMap.plan(h.ctx, p);
    await deleteConfigMap.inject(h.ctx, p, plan);
    expect(await h.ctx.kube.get('configmaps', 'alertmanager-config', 'gateway-system')).to.equal(undefined);
    // What the D9 recovery's apply-manifest does: an object of the same name, with placeholder content.
    await h.ctx.kube.create('configmaps', {
      metadata: { name: 'alertmanager-config', namespace: 'gateway-system' },
      data: { 'alertmanager.yml': '# alertmanager-config' },
    });
    await deleteConfigMap.revert(h.ctx, p, JSON.parse(JSON.stringify(plan)));
    const back = await h.ctx.kube.get('configmaps', 'alertmanager-config', 'gateway-system');
    expect(back?.['data']).to.deep.equal(cm.data);
    expect(back?.metadata.labels).to.deep.equal(cm.metadata.labels);
    // Idempotent: a second revert (gameday rollback after the run's own) changes nothing.
    const rv = back?.metadata.resourceVersion;
    await deleteConfigMap.revert(h.ctx, p, plan);
    expect(
      (await h.ctx.kube.get('configmaps', 'alertmanager-config', 'gateway-system'))?.metadata.resourceVersion,
    ).to.equal(rv);
  });

  it('delete-configmap revert replaces an immutable ConfigMap holding other data by deleting and recreating it', async () => {
    const cm = { metadata: { name: 'frozen', namespace: 'gateway-system' }, data: { a: '1' }, immutable: true };
    await h.ctx.kube.create('configmaps', cm);
    const p = { workload: GW, configMap: 'frozen', restart: false };
    const gw = await h.ctx.kube.get('deployments', 'gateway-proxy', 'gateway-system');
    await h.ctx.kube.patch(
      'deployments',
      'gateway-proxy',
      {
        spec: {
          template: { spec: { ...gw!.spec.template.spec, volumes: [{ name: 'f', configMap: { name: 'frozen' } }] } },
        },
      },
      { namespace: 'gateway-system', type: 'merge' },
    );
    const plan = await deleteConfigMap.plan(h.ctx, p);
    await deleteConfigMap.inject(h.ctx, p, plan);
    await h.ctx.kube.create('configmaps', { ...cm, data: { a: 'placeholder' } });
    await deleteConfigMap.revert(h.ctx, p, plan);
    const back = await h.ctx.kube.get('configmaps', 'frozen', 'gateway-system');
    expect(back?.['data']).to.deep.equal({ a: '1' });
    expect(back?.['immutable']).to.equal(true);
  });

  it('taint-nodes revert keeps a taint the node already had, with its value, and removes only what it added', async () => {
    const masters = (await h.ctx.kube.list('nodes')).items.filter((n) =>
      ((n.spec?.taints ?? []) as { key: string }[]).some((t) => t.key === 'node-role.kubernetes.io/master'),
    );
    expect(masters.length, 'the control cluster has tainted masters').to.be.greaterThan(1);
    const had = masters[0]!.metadata.name;
    const names = masters.map((m) => m.metadata.name);
    const fresh = (await h.ctx.kube.list('nodes')).items.find((n) => !names.includes(n.metadata.name))!.metadata.name;
    const original = ((masters[0]!.spec.taints ?? []) as { key: string; value?: string; effect: string }[]).find(
      (t) => t.key === 'node-role.kubernetes.io/master',
    )!;
    const p = {
      workload: GW,
      nodes: { names: [had, fresh] },
      key: 'node-role.kubernetes.io/master',
      value: 'drill',
      effect: original.effect as 'NoSchedule',
    };
    const plan = await taintNodes.plan(h.ctx, p);
    await taintNodes.inject(h.ctx, p, plan);
    const taintOf = async (n: string) =>
      ((await h.ctx.kube.get('nodes', n))?.spec?.taints ?? []).filter(
        (t: { key: string }) => t.key === 'node-role.kubernetes.io/master',
      );
    expect(await taintOf(fresh)).to.have.length(1);
    await taintNodes.revert(h.ctx, p, JSON.parse(JSON.stringify(plan)));
    expect(await taintOf(had)).to.deep.equal([original]);
    expect(await taintOf(fresh)).to.deep.equal([]);
  });

  it('break-cni-pod crashes the CNI pod on a node; deleting it (D6) gets a healthy one', async () => {
    const p = { nodes: { names: ['10.128.38.4'] } };
    const plan = await breakCniPod.plan(h.ctx, p);
    expect(plan.workloads).to.deep.equal(['kube-system/DaemonSet/calico-node']);
    const cni = { namespace: 'kube-system', kind: 'DaemonSet' as const, name: 'calico-node' };
    const crashing = await podStatus.start(h.ctx, { workload: cni, reason: 'Error|CrashLoopBackOff' });
    const available = await workloadAvailable.start(h.ctx, { workload: cni });
    expect(crashing.evaluate().ok, crashing.evaluate().observed).to.equal(false);
    await breakCniPod.inject(h.ctx, p, plan);
    await h.until(crashing, true, 120_000);
    await h.until(available, false, 60_000);
    h.ctx.state.affectedNodes.set('control', plan.nodes!);
    await deletePod.run(h.ctx, {});
    await h.until(available, true, 120_000);
    await breakCniPod.revert(h.ctx, p, plan);
  });
});
