import { expect } from 'chai';
import { breakImage, MISSING_IMAGE } from '../../src/faults/break-image.js';
import { crashContainer } from '../../src/faults/crash-container.js';
import { createPendingPod } from '../../src/faults/create-pending-pod.js';
import { configMapsOf, deleteConfigMap } from '../../src/faults/delete-configmap.js';
import { scaleWorkload } from '../../src/faults/scale-workload.js';
import { setMemoryUsage } from '../../src/faults/set-memory-usage.js';
import { taintNodes } from '../../src/faults/taint-nodes.js';
import { InvalidInputError } from '../../src/errors.js';
import { deployment, fakeContext, node, pod } from '../kit/fake-context.js';

const GW = { namespace: 'gateway-system', kind: 'Deployment' as const, name: 'gateway-proxy' };

function gateway(o: Parameters<typeof fakeContext>[0] = {}) {
  return fakeContext({
    ...o,
    objects: {
      nodes: [node('10.128.38.7'), node('10.128.38.8'), node('10.128.38.9')],
      deployments: [deployment('gateway-system', 'gateway-proxy', { replicas: 2 })],
      pods: [
        pod('gateway-system', 'gateway-proxy-a', { app: 'gateway-proxy', node: '10.128.38.7', owner: 'ReplicaSet' }),
        pod('gateway-system', 'gateway-proxy-b', { app: 'gateway-proxy', node: '10.128.38.8', owner: 'ReplicaSet' }),
        pod('gateway-system', 'gateway-proxy-old', { app: 'gateway-proxy', node: '10.128.38.9', phase: 'Failed' }),
      ],
      ...o.objects,
    },
  });
}

describe('workload faults', () => {
  it('scale-workload records the original replicas and scales back to them from the journal alone', async () => {
    const f = gateway();
    const plan = await scaleWorkload.plan(f.ctx, { workload: GW });
    expect(plan).to.deep.equal({ workloads: ['gateway-system/Deployment/gateway-proxy'], data: { replicas: 2 } });
    await scaleWorkload.inject(f.ctx, { workload: GW }, plan);
    const after = fakeContext();
    await scaleWorkload.revert(after.ctx, { workload: GW }, JSON.parse(JSON.stringify(plan)));
    expect(f.calls).to.deep.equal(['scale deployments gateway-system/gateway-proxy 0']);
    expect(after.calls).to.deep.equal(['scale deployments gateway-system/gateway-proxy 2']);
    expect(f.state.values.get('desiredBefore:business:gateway-system/Deployment/gateway-proxy')).to.equal(2);
  });

  it('scale-workload refuses a DaemonSet, which has no replicas', async () => {
    const f = fakeContext({
      objects: { daemonsets: [{ metadata: { name: 'calico-node', namespace: 'kube-system' }, spec: {} }] },
    });
    try {
      await scaleWorkload.plan(f.ctx, {
        workload: { namespace: 'kube-system', kind: 'DaemonSet', name: 'calico-node' },
      });
      expect.fail('accepted a DaemonSet');
    } catch (err) {
      expect(err).to.be.instanceOf(InvalidInputError);
    }
  });

  it('taint-nodes taints the nodes the running pods are on and those they could be scheduled on, and removes only its taint', async () => {
    const f = gateway();
    const plan = await taintNodes.plan(f.ctx, { workload: GW });
    // .9 runs only a finished pod, but an evicted pod would land there: tainted too.
    expect(plan.nodes).to.deep.equal(['10.128.38.7', '10.128.38.8', '10.128.38.9']);
    await taintNodes.inject(f.ctx, { workload: GW }, plan);
    expect(f.calls[0]).to.equal(
      'patch nodes 10.128.38.7 merge {"spec":{"taints":[{"key":"gameday.io/drill","value":"unschedulable","effect":"NoExecute"}]}}',
    );
    // Revert reads the nodes again: already without the taint, nothing is patched.
    const g = gateway();
    await taintNodes.revert(g.ctx, { workload: GW }, plan);
    expect(g.calls).to.deep.equal([]);
    const tainted = fakeContext({
      objects: {
        nodes: [
          node('10.128.38.7', {
            taints: [
              { key: 'other', effect: 'NoSchedule' },
              { key: 'gameday.io/drill', value: 'unschedulable', effect: 'NoExecute' },
            ],
          }),
        ],
      },
    });
    await taintNodes.revert(tainted.ctx, { workload: GW }, { ...plan, nodes: ['10.128.38.7'] });
    expect(tainted.calls).to.deep.equal([
      'patch nodes 10.128.38.7 merge {"spec":{"taints":[{"key":"other","effect":"NoSchedule"}]}}',
    ]);
  });

  it("taint-nodes leaves out the nodes the workload's pods could not be scheduled on anyway", async () => {
    const f = gateway({
      objects: {
        nodes: [
          node('10.128.38.1', {
            master: true,
            taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
          }),
          node('10.128.38.7'),
          node('10.128.38.8'),
          node('10.128.38.9', { unschedulable: true }),
          node('10.128.38.10', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoExecute' }] }),
          node('10.128.38.11', { ready: 'Unknown' }),
          node('10.128.38.12'),
        ],
      },
    });
    expect((await taintNodes.plan(f.ctx, { workload: GW })).nodes).to.deep.equal([
      '10.128.38.12',
      '10.128.38.7',
      '10.128.38.8',
    ]);
  });

  it('break-image sets an image no registry has and restores the original one', async () => {
    const f = gateway();
    const plan = await breakImage.plan(f.ctx, { workload: GW });
    expect(plan.data).to.deep.equal({
      container: 'gateway-proxy',
      image: 'registry/gateway-proxy:1',
      broken: MISSING_IMAGE,
    });
    await breakImage.inject(f.ctx, { workload: GW }, plan);
    expect(f.calls[0]).to.contain(`"image":"${MISSING_IMAGE}"`);
    await breakImage.revert(f.ctx, { workload: GW }, plan);
    // The fake does not apply patches: the image is still the original, so revert has nothing to do.
    expect(f.calls).to.have.length(1);
  });

  it("crash-container uses the simulator's container-scoped annotation and removes it on revert", async () => {
    const f = gateway();
    const plan = await crashContainer.plan(f.ctx, { workload: GW });
    await crashContainer.inject(f.ctx, { workload: GW }, plan);
    await crashContainer.revert(f.ctx, { workload: GW }, plan);
    expect(f.calls).to.deep.equal([
      'patch deployments gateway-system/gateway-proxy merge {"spec":{"template":{"metadata":{"annotations":{"sim.gameday.io/crash.gateway-proxy":"true"}}}}}',
      'patch deployments gateway-system/gateway-proxy merge {"spec":{"template":{"metadata":{"annotations":{"sim.gameday.io/crash.gateway-proxy":null}}}}}',
    ]);
  });

  it('crash-container on a real cluster overrides the command and restores the container without it', async () => {
    const f = gateway({ targetKind: 'kind' });
    const plan = await crashContainer.plan(f.ctx, { workload: GW });
    await crashContainer.inject(f.ctx, { workload: GW }, plan);
    expect(f.calls[0]).to.match(/"command":\["\/bin\/sh","-c",".*exit 1"\]/);
    const broken = deployment('gateway-system', 'gateway-proxy', {
      containers: [
        { name: 'gateway-proxy', image: 'registry/gateway-proxy:1', command: ['/bin/sh', '-c', 'exit 1'], args: [] },
      ],
    });
    const g = fakeContext({ targetKind: 'kind', objects: { deployments: [broken] } });
    await crashContainer.revert(g.ctx, { workload: GW }, plan);
    expect(g.calls).to.deep.equal([
      'patch deployments gateway-system/gateway-proxy merge {"spec":{"template":{"spec":{"containers":[{"name":"gateway-proxy","image":"registry/gateway-proxy:1"}]}}}}',
    ]);
  });

  it('set-memory-usage turns "120%" of the limit into a quantity on the simulator', async () => {
    const f = gateway();
    const plan = await setMemoryUsage.plan(f.ctx, { workload: GW });
    expect(plan.data).to.deep.equal({
      annotation: 'sim.gameday.io/memory-usage.gateway-proxy',
      value: '1229Mi',
      previous: null,
    });
  });

  it('set-memory-usage refuses other targets with a typed error before anything changes', async () => {
    const f = gateway({ targetKind: 'lab' });
    try {
      await setMemoryUsage.plan(f.ctx, { workload: GW });
      expect.fail('planned on lab');
    } catch (err) {
      expect(err).to.be.instanceOf(InvalidInputError);
      expect((err as Error).message).to.contain('works on the simulator only, not on lab');
    }
  });

  it('delete-configmap keeps the ConfigMap in the plan, without server fields, and recreates it on revert', async () => {
    const nsf = deployment('skiff-nsf', 'nsf-server', {
      containers: [{ name: 'app', image: 'nsf:1', envFrom: [{ configMapRef: { name: 'nsf-env' } }] }],
    });
    nsf.spec.template.spec.volumes = [{ name: 'conf', configMap: { name: 'nsf-conf' } }];
    expect(configMapsOf(nsf)).to.deep.equal(['nsf-env', 'nsf-conf']);
    const cm = {
      metadata: { name: 'nsf-env', namespace: 'skiff-nsf', uid: 'x', resourceVersion: '9', labels: { app: 'nsf' } },
      data: { A: '1' },
    };
    const f = fakeContext({ objects: { deployments: [nsf], configmaps: [cm] } });
    const w = { namespace: 'skiff-nsf', kind: 'Deployment' as const, name: 'nsf-server' };
    const plan = await deleteConfigMap.plan(f.ctx, { workload: w });
    expect(plan.data?.['object']).to.deep.equal({
      metadata: { name: 'nsf-env', namespace: 'skiff-nsf', labels: { app: 'nsf' } },
      data: { A: '1' },
    });
    await deleteConfigMap.inject(f.ctx, { workload: w }, plan);
    expect(f.calls[0]).to.equal('delete configmaps skiff-nsf/nsf-env');
    expect(f.calls[1]).to.contain('kubectl.kubernetes.io/restartedAt');
    // From the journal alone, on a cluster where it is gone: created again.
    const gone = fakeContext({ objects: { deployments: [nsf] } });
    await deleteConfigMap.revert(gone.ctx, { workload: w }, JSON.parse(JSON.stringify(plan)));
    expect(gone.calls).to.deep.equal(['create configmaps skiff-nsf/nsf-env']);
    // Where it holds other content: replaced with the recorded one.
    const other = fakeContext({ objects: { deployments: [nsf], configmaps: [{ ...cm, data: { A: 'placeholder' } }] } });
    await deleteConfigMap.revert(other.ctx, { workload: w }, plan);
    expect(other.calls).to.deep.equal(['replace configmaps skiff-nsf/nsf-env']);
    // Where it holds the recorded content already: nothing to do.
    const same = fakeContext({ objects: { deployments: [nsf], configmaps: [cm] } });
    await deleteConfigMap.revert(same.ctx, { workload: w }, plan);
    expect(same.calls).to.deep.equal([]);
  });

  it('create-pending-pod asks for 1Gi more than the largest node can allocate', async () => {
    const f = fakeContext({ objects: { nodes: [node('a', { memory: '8Gi' }), node('b', { memory: '16Gi' })] } });
    const plan = await createPendingPod.plan(f.ctx, {});
    expect(plan.workloads).to.deep.equal(['gameday/Deployment/gameday-pending']);
    expect(plan.data?.['memory']).to.equal('17Gi');
    await createPendingPod.inject(f.ctx, {}, plan);
    await createPendingPod.revert(f.ctx, {}, plan);
    expect(f.calls).to.deep.equal([
      'create namespaces gameday',
      'create deployments gameday/gameday-pending',
      'delete deployments gameday/gameday-pending',
    ]);
  });
});
