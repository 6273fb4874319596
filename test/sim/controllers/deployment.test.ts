import { expect } from 'chai';
import type { KubeObject } from '../../../src/kube/objects.js';
import { DeploymentController } from '../../../src/sim/controllers/deployment.js';
import { ReplicaSetController } from '../../../src/sim/controllers/replicaset.js';
import { Scheduler } from '../../../src/sim/controllers/scheduler.js';
import { isActive, isReady } from '../../../src/sim/controllers/pods.js';
import { FakeKubelet, node, testSim, type TestSim } from './helpers.js';

function deployment(name: string, replicas: number, extra: Record<string, unknown> = {}): KubeObject {
  return {
    metadata: { name, namespace: 'gateway-system' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name, image: 'nginx:1.25', resources: { requests: { cpu: '100m', memory: '256Mi' } } }],
        },
      },
      ...extra,
    },
  };
}

/** What `kubectl rollout status deployment` checks before it says "successfully rolled out". */
function rolledOut(d: KubeObject): boolean {
  const s = d.status ?? {};
  if ((d.metadata.generation ?? 0) > (s.observedGeneration ?? 0)) return false;
  const cond = (s.conditions ?? []).find((c: { type: string }) => c.type === 'Progressing');
  if (cond?.reason === 'ProgressDeadlineExceeded') return false;
  return (
    s.updatedReplicas >= d.spec.replicas &&
    !(s.replicas > s.updatedReplicas) &&
    !(s.availableReplicas < s.updatedReplicas)
  );
}

describe('DeploymentController', () => {
  let sim: TestSim;
  let kubelet: FakeKubelet;
  beforeEach(() => {
    sim = testSim();
    for (let i = 1; i <= 3; i++) sim.store.create('nodes', node(`10.128.38.${i}`));
    kubelet = new FakeKubelet(3_000, 2_000);
    sim.start(new Scheduler(), new ReplicaSetController(), new DeploymentController(), kubelet);
  });
  afterEach(() => sim.close());

  const get = (name: string): KubeObject => sim.store.get('deployments', 'gateway-system', name)!;
  const activePods = (): KubeObject[] => sim.store.list('pods', { namespace: 'gateway-system' }).filter(isActive);

  it('brings a Deployment of 3 to 3 bound, available pods with complete status', async () => {
    sim.create('deployments', deployment('gateway-proxy', 3));
    await sim.advance(10_000);
    const pods = activePods();
    expect(pods).to.have.length(3);
    expect(pods.every((p) => p.spec.nodeName && isReady(p))).to.equal(true);
    expect(pods[0]!.metadata.name).to.match(
      /^gateway-proxy-[bcdfghjklmnpqrstvwxz2456789]{9,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/,
    );
    const d = get('gateway-proxy');
    expect(d.status).to.include({
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      unavailableReplicas: 0,
      observedGeneration: 1,
    });
    const conds = d.status.conditions as { type: string; status: string; reason: string }[];
    expect(conds.map((c) => [c.type, c.status, c.reason])).to.deep.equal([
      ['Available', 'True', 'MinimumReplicasAvailable'],
      ['Progressing', 'True', 'NewReplicaSetAvailable'],
    ]);
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).to.equal('1');
    expect(rolledOut(d)).to.equal(true);
  });

  it('rolls a restart through within maxSurge and maxUnavailable and completes rollout status', async () => {
    sim.create('deployments', deployment('gateway-proxy', 4));
    await sim.advance(10_000);
    const before = new Set(activePods().map((p) => p.metadata.name));
    let maxTotal = 0;
    let minAvailable = Infinity;
    sim.store.onChange((e) => {
      if (e.resource !== 'pods') return;
      const all = sim.store.list('pods', { namespace: 'gateway-system' });
      // Terminating pods no longer count against maxSurge, as in Kubernetes.
      maxTotal = Math.max(maxTotal, all.filter(isActive).length);
      minAvailable = Math.min(minAvailable, all.filter((p) => isActive(p) && isReady(p)).length);
    });
    sim.store.mutate('deployments', 'gateway-system', 'gateway-proxy', (d) => {
      d.spec.template.metadata.annotations = { 'kubectl.kubernetes.io/restartedAt': '2026-01-01T00:00:10Z' };
    });
    expect(rolledOut(get('gateway-proxy'))).to.equal(false);
    await sim.advance(60_000);
    const after = activePods();
    expect(after).to.have.length(4);
    expect(after.some((p) => before.has(p.metadata.name))).to.equal(false);
    expect(maxTotal).to.be.at.most(5); // 4 + maxSurge 25% (1)
    expect(minAvailable).to.be.at.least(3); // 4 - maxUnavailable 25% (1)
    const d = get('gateway-proxy');
    expect(d.metadata.annotations?.['deployment.kubernetes.io/revision']).to.equal('2');
    expect(rolledOut(d)).to.equal(true);
    const rss = sim.store.list('replicasets', { namespace: 'gateway-system' });
    expect(rss.map((r) => r.spec.replicas).sort()).to.deep.equal([0, 4]);
  });

  it('recreates: scales the old ReplicaSet to zero and waits for its pods to be gone', async () => {
    sim.create('deployments', deployment('nsf-server', 2, { strategy: { type: 'Recreate' } }));
    await sim.advance(10_000);
    sim.store.mutate('deployments', 'gateway-system', 'nsf-server', (d) => {
      d.spec.template.spec.containers[0].image = 'nginx:1.26';
    });
    await sim.advance(1_000);
    // Old pods are still terminating: no new pod yet.
    expect(activePods().filter((p) => p.spec.containers[0].image === 'nginx:1.26')).to.have.length(0);
    await sim.advance(20_000);
    const pods = activePods();
    expect(pods.map((p) => p.spec.containers[0].image)).to.deep.equal(['nginx:1.26', 'nginx:1.26']);
    expect(rolledOut(get('nsf-server'))).to.equal(true);
  });

  it('scales, and reports ProgressDeadlineExceeded when new pods never become ready', async () => {
    sim.create('deployments', deployment('apollo-admin', 2, { progressDeadlineSeconds: 60 }));
    await sim.advance(10_000);
    sim.store.mutate('deployments', 'gateway-system', 'apollo-admin', (d) => {
      d.spec.replicas = 3;
    });
    await sim.advance(10_000);
    expect(activePods()).to.have.length(3);
    for (let i = 1; i <= 3; i++) kubelet.dead.add(`10.128.38.${i}`);
    sim.store.mutate('deployments', 'gateway-system', 'apollo-admin', (d) => {
      d.spec.template.spec.containers[0].image = 'nginx:broken';
    });
    await sim.advance(120_000);
    const cond = (get('apollo-admin').status.conditions as { type: string; status: string; reason: string }[]).find(
      (c) => c.type === 'Progressing',
    );
    expect(cond).to.include({ status: 'False', reason: 'ProgressDeadlineExceeded' });
  });

  it('keeps only revisionHistoryLimit old ReplicaSets', async () => {
    sim.create('deployments', deployment('rate-limit', 1, { revisionHistoryLimit: 1 }));
    await sim.advance(10_000);
    for (let i = 0; i < 3; i++) {
      sim.store.mutate('deployments', 'gateway-system', 'rate-limit', (d) => {
        d.spec.template.metadata.annotations = { 'kubectl.kubernetes.io/restartedAt': `t${i}` };
      });
      await sim.advance(30_000);
    }
    expect(sim.store.list('replicasets', { namespace: 'gateway-system' })).to.have.length(2);
    expect(get('rate-limit').metadata.annotations?.['deployment.kubernetes.io/revision']).to.equal('4');
  });

  it('does not roll out while paused, and rolls out once resumed', async () => {
    sim.create('deployments', deployment('apigw-portal', 2));
    await sim.advance(10_000);
    sim.store.mutate('deployments', 'gateway-system', 'apigw-portal', (d) => {
      d.spec.paused = true;
      d.spec.template.metadata.annotations = { x: '1' };
    });
    await sim.advance(30_000);
    expect(sim.store.list('replicasets', { namespace: 'gateway-system' })).to.have.length(1);
    const cond = (get('apigw-portal').status.conditions as { type: string; reason: string }[]).find(
      (c) => c.type === 'Progressing',
    );
    expect(cond?.reason).to.equal('DeploymentPaused');
    sim.store.mutate('deployments', 'gateway-system', 'apigw-portal', (d) => {
      d.spec.paused = false;
    });
    await sim.advance(60_000);
    expect(sim.store.list('replicasets', { namespace: 'gateway-system' })).to.have.length(2);
    expect(rolledOut(get('apigw-portal'))).to.equal(true);
  });

  it('rolls back to an old ReplicaSet by reusing it, as kubectl rollout undo does (history 1,3,4)', async () => {
    sim.create('deployments', deployment('web', 2));
    await sim.advance(30_000);
    const setImage = (image: string): void => {
      sim.store.mutate('deployments', 'gateway-system', 'web', (d) => {
        d.spec.template.spec.containers[0].image = image;
      });
    };
    setImage('nginx:1.26');
    await sim.advance(60_000);
    setImage('nginx:1.27');
    await sim.advance(60_000);
    const revisions = (): Record<string, string> =>
      Object.fromEntries(
        sim.store
          .list('replicasets', { namespace: 'gateway-system' })
          .map((rs) => [
            rs.spec.template.spec.containers[0].image as string,
            rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '',
          ]),
      );
    expect(revisions()).to.deep.equal({ 'nginx:1.25': '1', 'nginx:1.26': '2', 'nginx:1.27': '3' });
    // kubectl rollout undo: the template of revision 2 without its hash label, with the zero creation
    // timestamp Go writes as null.
    const rev2 = sim.store
      .list('replicasets', { namespace: 'gateway-system' })
      .find((rs) => rs.metadata.annotations?.['deployment.kubernetes.io/revision'] === '2')!;
    const template = structuredClone(rev2.spec.template) as KubeObject;
    delete template.metadata.labels!['pod-template-hash'];
    template.metadata.creationTimestamp = null as unknown as string;
    sim.store.mutate('deployments', 'gateway-system', 'web', (d) => {
      d.spec.template = template;
    });
    await sim.advance(60_000);
    expect(sim.store.list('replicasets', { namespace: 'gateway-system' })).to.have.length(3);
    expect(revisions()).to.deep.equal({ 'nginx:1.25': '1', 'nginx:1.26': '4', 'nginx:1.27': '3' });
    expect(get('web').metadata.annotations?.['deployment.kubernetes.io/revision']).to.equal('4');
    expect(rolledOut(get('web'))).to.equal(true);
  });
});
