import { expect } from 'chai';
import { nextTolerations, patchTolerations } from '../../src/recovery/patch-tolerations.js';
import { rfc3339, rolloutRestart } from '../../src/recovery/rollout-restart.js';
import { rolloutState, rolloutStatus } from '../../src/recovery/rollout-status.js';
import { nextResources, setResources } from '../../src/recovery/set-resources.js';
import { InvalidInputError, TimeoutError } from '../../src/errors.js';
import { deployment, fakeContext } from '../kit/fake-context.js';

const GW = { namespace: 'gateway-system', kind: 'Deployment' as const, name: 'gateway-proxy' };

describe('workload recovery steps', () => {
  it('set-resources raises requests and limits by 500Mi, as the runbook does for gateway-proxy', () => {
    const c = { name: 'app', resources: { requests: { memory: '512Mi', cpu: '250m' }, limits: { memory: '1Gi' } } };
    expect(nextResources(c, { requests: { memory: '+500Mi' }, limits: { memory: '+500Mi' } }, 'w')).to.deep.equal({
      requests: { memory: '1012Mi', cpu: '250m' },
      limits: { memory: '1524Mi' },
    });
  });

  it('set-resources refuses requests above limits, as the API would, naming both', () => {
    const c = { name: 'app', resources: { requests: { memory: '512Mi' }, limits: { memory: '1Gi' } } };
    expect(() => nextResources(c, { requests: { memory: '+1Gi' } }, 'container app')).to.throw(
      InvalidInputError,
      'container app: requests.memory 1536Mi would be above limits.memory 1Gi',
    );
  });

  it('set-resources on the workload the faults hit patches every container of its template', async () => {
    const f = fakeContext({ objects: { deployments: [deployment('gateway-system', 'gateway-proxy')] } });
    f.state.affectedWorkloads.set('business', ['gateway-system/Deployment/gateway-proxy']);
    await setResources.run(f.ctx, { limits: { memory: '+50%' } });
    expect(f.calls).to.deep.equal([
      'patch deployments gateway-system/gateway-proxy merge {"spec":{"template":{"spec":{"containers":[{"name":"gateway-proxy","image":"registry/gateway-proxy:1","resources":{"requests":{"memory":"512Mi"},"limits":{"memory":"1536Mi"}}}]}}}}',
    ]);
  });

  it('patch-tolerations replaces the unreachable and not-ready NoExecute tolerations with 3 s ones', () => {
    const current = [
      {
        key: 'node.kubernetes.io/unreachable',
        operator: 'Exists' as const,
        effect: 'NoExecute' as const,
        tolerationSeconds: 300,
      },
      { key: 'dedicated', operator: 'Equal' as const, value: 'gw', effect: 'NoSchedule' as const },
    ];
    expect(nextTolerations(current, {})).to.deep.equal([
      { key: 'dedicated', operator: 'Equal', value: 'gw', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3 },
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3 },
    ]);
  });

  it('patch-tolerations with "tolerate" only adds a toleration for that taint', async () => {
    expect(
      nextTolerations([], { tolerate: { key: 'gameday.io/drill', value: 'unschedulable', effect: 'NoExecute' } }),
    ).to.deep.equal([{ key: 'gameday.io/drill', operator: 'Equal', value: 'unschedulable', effect: 'NoExecute' }]);
    const f = fakeContext({ objects: { deployments: [deployment('gateway-system', 'gateway-proxy')] } });
    await patchTolerations.run(f.ctx, { workload: GW, tolerate: { key: 'gameday.io/drill' } });
    expect(f.calls).to.deep.equal([
      'patch deployments gateway-system/gateway-proxy merge {"spec":{"template":{"spec":{"tolerations":[{"key":"gameday.io/drill","operator":"Exists"}]}}}}',
    ]);
  });

  it("rollout-restart stamps restartedAt with the target clock's time in RFC 3339, or the runbook's date", async () => {
    const f = fakeContext({ objects: { deployments: [deployment('gateway-system', 'gateway-proxy')] } });
    await rolloutRestart.run(f.ctx, { workload: GW });
    await rolloutRestart.run(f.ctx, { workload: GW, style: 'date' });
    expect(rfc3339(Date.UTC(2026, 0, 1, 0, 0, 0, 123))).to.equal('2026-01-01T00:00:00Z');
    expect(f.calls).to.deep.equal([
      'patch deployments gateway-system/gateway-proxy merge {"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2026-01-01T00:00:00Z"}}}}}',
      'patch deployments gateway-system/gateway-proxy merge {"spec":{"template":{"metadata":{"annotations":{"date":"1767225600"}}}}}',
    ]);
    expect(rolloutRestart.describe({ workload: GW })).to.contain(
      '`kubectl rollout restart deployment/gateway-proxy -n gateway-system`',
    );
  });

  it('rollout-status follows kubectl: generation observed, all updated, no old replicas, all available', () => {
    const d = deployment('gateway-system', 'gateway-proxy');
    expect(rolloutState('Deployment', d).done).to.equal(true);
    expect(rolloutState('Deployment', { ...d, metadata: { ...d.metadata, generation: 2 } }).message).to.match(
      /spec update to be observed/,
    );
    expect(rolloutState('Deployment', { ...d, status: { ...d.status, replicas: 3 } }).message).to.contain(
      '1 old replicas are pending termination',
    );
    expect(rolloutState('Deployment', { ...d, status: { ...d.status, availableReplicas: 1 } }).message).to.contain(
      '1 of 2 updated replicas are available',
    );
    const stuck = {
      ...d,
      status: {
        ...d.status,
        updatedReplicas: 1,
        conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }],
      },
    };
    expect(rolloutState('Deployment', stuck)).to.deep.include({ done: false, failed: true });
    const sts = {
      metadata: { name: 'nsf-redis', generation: 1 },
      spec: { replicas: 3 },
      status: { observedGeneration: 1, readyReplicas: 3, currentRevision: 'a', updateRevision: 'b' },
    };
    expect(rolloutState('StatefulSet', sts).done).to.equal(false);
    expect(rolloutState('StatefulSet', { ...sts, status: { ...sts.status, updateRevision: 'a' } }).done).to.equal(true);
  });

  it('rollout-status waits on the watch until the rollout is done, on the virtual clock', async () => {
    const rolling = deployment('gateway-system', 'gateway-proxy');
    rolling.status.availableReplicas = 1;
    const f = fakeContext({ objects: { deployments: [rolling] } });
    const start = f.clock.now();
    f.clock.setTimer(45_000, () => f.put('deployments', deployment('gateway-system', 'gateway-proxy')));
    await rolloutStatus.run(f.ctx, { workload: GW });
    expect(f.clock.now() - start).to.equal(45_000);
  });

  it('rollout-status times out with the last thing it was waiting for', async () => {
    const rolling = deployment('gateway-system', 'gateway-proxy');
    rolling.status.availableReplicas = 0;
    const f = fakeContext({ objects: { deployments: [rolling] } });
    try {
      await rolloutStatus.run(f.ctx, { workload: GW, maxWait: '1m' });
      expect.fail('no timeout');
    } catch (err) {
      expect(err).to.be.instanceOf(TimeoutError);
      expect((err as Error).message).to.equal(
        'business: rollout not done after 1m00s: Waiting for deployment "gateway-proxy" rollout to finish: 0 of 2 updated replicas are available...',
      );
    }
  });
});
