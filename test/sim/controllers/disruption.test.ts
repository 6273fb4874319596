import { expect } from 'chai';
import type { KubeObject } from '../../../src/kube/objects.js';
import { DeploymentController } from '../../../src/sim/controllers/deployment.js';
import { DisruptionController, evaluateEviction } from '../../../src/sim/controllers/disruption.js';
import { ReplicaSetController } from '../../../src/sim/controllers/replicaset.js';
import { Scheduler } from '../../../src/sim/controllers/scheduler.js';
import { FakeKubelet, node, testSim, type TestSim } from './helpers.js';

function deployment(name: string, replicas: number): KubeObject {
  return {
    metadata: { name, namespace: 'business' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name, image: 'tomcat:8.5' }] } },
    },
  };
}

describe('DisruptionController and evaluateEviction', () => {
  let sim: TestSim;
  beforeEach(async () => {
    sim = testSim();
    for (let i = 6; i <= 8; i++) sim.store.create('nodes', node(`10.128.38.${i}`));
    sim.start(
      new Scheduler(),
      new ReplicaSetController(),
      new DeploymentController(),
      new DisruptionController(),
      new FakeKubelet(),
    );
    sim.create('deployments', deployment('order-service', 2));
    sim.create('poddisruptionbudgets', {
      metadata: { name: 'order-service', namespace: 'business' },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'order-service' } } },
    });
    await sim.advance(10_000);
  });
  afterEach(() => sim.close());

  const podNames = (): string[] => sim.store.list('pods', { namespace: 'business' }).map((p) => p.metadata.name);

  it('keeps the budget status current', () => {
    expect(sim.store.get('poddisruptionbudgets', 'business', 'order-service')!.status).to.include({
      currentHealthy: 2,
      desiredHealthy: 2,
      disruptionsAllowed: 0,
      expectedPods: 2,
      observedGeneration: 1,
    });
  });

  it('refuses the eviction with the exact 429 message and cause', () => {
    const decision = evaluateEviction(sim.store, 'business', podNames()[0]!);
    expect(decision).to.deep.equal({
      allowed: false,
      code: 429,
      reason: 'TooManyRequests',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      causes: [
        {
          reason: 'DisruptionBudget',
          message: 'The disruption budget order-service needs 2 healthy pods and has 2 currently',
        },
      ],
    });
  });

  it('allows one eviction when the budget allows one and consumes it', async () => {
    sim.store.mutate('poddisruptionbudgets', 'business', 'order-service', (b) => {
      b.spec.minAvailable = 1;
    });
    await sim.advance(10);
    const [a, b] = podNames();
    expect(evaluateEviction(sim.store, 'business', a!)).to.deep.equal({ allowed: true, pdb: 'order-service' });
    const pdb = sim.store.get('poddisruptionbudgets', 'business', 'order-service')!;
    expect(pdb.status.disruptionsAllowed).to.equal(0);
    expect(Object.keys(pdb.status.disruptedPods)).to.deep.equal([a]);
    expect(evaluateEviction(sim.store, 'business', b!)).to.include({ allowed: false, code: 429 });
  });

  it('lets an unhealthy pod go when the budget is otherwise met (IfHealthyBudget)', async () => {
    sim.store.mutate('deployments', 'business', 'order-service', (d) => {
      d.spec.replicas = 3;
    });
    await sim.advance(10_000);
    const victim = podNames()[0]!;
    sim.store.mutate('pods', 'business', victim, (p) => {
      p.status.conditions = [{ type: 'Ready', status: 'False' }];
    });
    await sim.advance(10);
    expect(evaluateEviction(sim.store, 'business', victim)).to.include({ allowed: true });
  });

  it('says 404 for a pod that does not exist', () => {
    expect(evaluateEviction(sim.store, 'business', 'nope')).to.include({
      allowed: false,
      code: 404,
      message: 'pods "nope" not found',
    });
  });
});
