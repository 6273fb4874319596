import { expect } from 'chai';
import { admit } from '../../../src/sim/admission/index.js';
import { StoreError } from '../../../src/sim/store/store.js';

describe('admit', () => {
  it('defaults a pod as kube-apiserver does, including the two 300 s NoExecute tolerations', () => {
    const pod = admit('pods', {
      metadata: { name: 'p', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    });
    expect(pod.apiVersion).to.equal('v1');
    expect(pod.kind).to.equal('Pod');
    expect(pod.spec).to.include({
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      priority: 0,
      serviceAccountName: 'default',
    });
    expect(pod.spec.tolerations).to.deep.equal([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
    expect(pod.spec.containers[0]).to.include({
      imagePullPolicy: 'Always',
      terminationMessagePath: '/dev/termination-log',
    });
    expect(pod.status).to.deep.equal({ phase: 'Pending', qosClass: 'BestEffort' });
  });

  it('keeps a toleration the pod already has (the runbook shortens unreachable to 3 s)', () => {
    const pod = admit(
      'pods',
      {
        metadata: { name: 'p', namespace: 'default' },
        spec: {
          containers: [{ name: 'c', image: 'nginx:1.25' }],
          tolerations: [
            { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3 },
          ],
        },
      },
      undefined,
      { defaultTolerationSeconds: 200 },
    );
    expect(pod.spec.tolerations).to.deep.equal([
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3 },
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 200 },
    ]);
  });

  it('classifies QoS and copies limits into missing requests', () => {
    const guaranteed = admit('pods', {
      metadata: { name: 'g', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'x:1', resources: { limits: { cpu: '1', memory: '1Gi' } } }] },
    });
    expect(guaranteed.status.qosClass).to.equal('Guaranteed');
    expect(guaranteed.spec.containers[0].resources.requests).to.deep.equal({ cpu: '1', memory: '1Gi' });
    const burstable = admit('pods', {
      metadata: { name: 'b', namespace: 'default' },
      spec: { containers: [{ name: 'c', image: 'x:1', resources: { requests: { memory: '1Gi' } } }] },
    });
    expect(burstable.status.qosClass).to.equal('Burstable');
  });

  it('defaults workloads: RollingUpdate 25%/25%, history 10, deadline 600, OrderedReady, DaemonSet maxUnavailable 1', () => {
    const template = { metadata: { labels: { app: 'a' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } };
    const selector = { matchLabels: { app: 'a' } };
    const d = admit('deployments', { metadata: { name: 'a', namespace: 'n' }, spec: { selector, template } });
    expect(d.spec).to.deep.include({
      replicas: 1,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
    });
    expect(d.spec.template.spec.restartPolicy).to.equal('Always');
    const s = admit('statefulsets', { metadata: { name: 'a', namespace: 'n' }, spec: { selector, template } });
    expect(s.spec).to.deep.include({
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    });
    const ds = admit('daemonsets', { metadata: { name: 'a', namespace: 'n' }, spec: { selector, template } });
    expect(ds.spec.updateStrategy).to.deep.equal({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
    });
  });

  it('gives a Service a cluster IP and defaults its ports', () => {
    const svc = admit('services', {
      metadata: { name: 'prometheus', namespace: 'monitoring' },
      spec: { ports: [{ port: 9090 }] },
    });
    expect(svc.spec.clusterIP).to.match(/^10\.(9[6-9]|10\d|11[01])\.\d+\.\d+$/);
    expect(svc.spec.ports[0]).to.deep.equal({ port: 9090, protocol: 'TCP', targetPort: 9090 });
    expect(svc.spec.type).to.equal('ClusterIP');
  });

  it('rejects negative replicas with Kubernetes wording and a 422 cause', () => {
    const template = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } };
    let err: unknown;
    try {
      admit('deployments', {
        metadata: { name: 'x', namespace: 'n' },
        spec: { replicas: -1, selector: { matchLabels: { app: 'x' } }, template },
      });
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(StoreError);
    const se = err as StoreError;
    expect(se.reason).to.equal('Invalid');
    expect(se.message).to.equal(
      'Deployment.apps "x" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0',
    );
    expect(se.causes).to.deep.equal([
      {
        field: 'spec.replicas',
        message: 'Invalid value: -1: must be greater than or equal to 0',
        reason: 'FieldValueInvalid',
      },
    ]);
  });

  it('rejects a pod without containers and a bad name, listing every error', () => {
    expect(() => admit('pods', { metadata: { name: 'Bad_Name', namespace: 'default' }, spec: {} })).to.throw(
      StoreError,
      /^Pod "Bad_Name" is invalid: \[metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain .*, spec\.containers: Required value\]$/,
    );
  });

  it('rejects a template whose labels the selector does not select', () => {
    const template = { metadata: { labels: { app: 'y' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } };
    expect(() =>
      admit('deployments', {
        metadata: { name: 'x', namespace: 'n' },
        spec: { selector: { matchLabels: { app: 'x' } }, template },
      }),
    ).to.throw(
      'Deployment.apps "x" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"y"}: `selector` does not match template `labels`',
    );
  });
});
