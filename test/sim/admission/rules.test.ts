import { expect } from 'chai';
import type { KubeObject } from '../../../src/kube/objects.js';
import { admit } from '../../../src/sim/admission/index.js';
import { StoreError } from '../../../src/sim/store/store.js';

/** The message admit refuses `obj` with (kube-apiserver's 422 text). */
function refusal(resource: string, obj: KubeObject, old?: KubeObject): string {
  try {
    admit(resource, obj, old);
  } catch (err) {
    if (err instanceof StoreError && err.reason === 'Invalid') return err.message;
    throw err;
  }
  throw new Error('admitted');
}

const deployment = (spec: Record<string, unknown> = {}, name = 'web'): KubeObject => ({
  metadata: { name, namespace: 'default' },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } },
    ...spec,
  },
});

const pod = (spec: Record<string, unknown>): KubeObject => ({
  metadata: { name: 'p', namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'nginx:1.25' }], ...spec },
});

describe('admission rules (kube-apiserver validation)', () => {
  it('refuses enum values outside the supported ones, listing them as apimachinery does', () => {
    expect(refusal('pods', pod({ restartPolicy: 'Sometimes' }))).to.equal(
      'Pod "p" is invalid: spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
    );
    const d = deployment();
    d.spec.template.spec.restartPolicy = 'Never';
    expect(refusal('deployments', d)).to.equal(
      'Deployment.apps "web" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    );
    expect(refusal('deployments', deployment({ strategy: { type: 'Blue' } }))).to.equal(
      'Deployment.apps "web" is invalid: spec.strategy.type: Unsupported value: "Blue": supported values: "Recreate", "RollingUpdate"',
    );
  });

  it('checks label keys and values and refuses negative quantities and requests over limits', () => {
    const labelled = deployment();
    labelled.metadata.labels = { 'example.com/a/b': 'x' };
    expect(refusal('deployments', labelled)).to.match(
      /^Deployment.apps "web" is invalid: metadata.labels: Invalid value: "example.com\/a\/b": a qualified name must consist of/,
    );
    expect(
      refusal(
        'pods',
        pod({ containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '2' }, limits: { cpu: '1' } } }] }),
      ),
    ).to.equal(
      'Pod "p" is invalid: spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu limit of 1',
    );
    expect(
      refusal('pods', pod({ containers: [{ name: 'c', image: 'x', resources: { limits: { memory: '-1Gi' } } }] })),
    ).to.equal(
      'Pod "p" is invalid: [spec.containers[0].resources.limits[memory]: Invalid value: "-1Gi": must be greater than or equal to 0, spec.containers[0].resources.requests[memory]: Invalid value: "-1Gi": must be greater than or equal to 0]',
    );
  });

  it('keeps what may not change: a selector, a StatefulSet spec, a cluster IP, a pod spec beyond images', () => {
    const old = admit('deployments', deployment());
    const moved = deployment({ selector: { matchLabels: { app: 'api' } } });
    moved.spec.template.metadata.labels = { app: 'api' };
    expect(refusal('deployments', moved, old)).to.equal(
      'Deployment.apps "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"api"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    );
    const sts = (serviceName: string): KubeObject => ({
      ...deployment({ serviceName }),
      metadata: { name: 'db', namespace: 'default' },
    });
    const oldSts = admit('statefulsets', sts('db'));
    expect(refusal('statefulsets', sts('other'), oldSts)).to.match(
      /^StatefulSet.apps "db" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals'/,
    );
    expect(() =>
      admit('statefulsets', { ...sts('db'), spec: { ...sts('db').spec, replicas: 5 } }, oldSts),
    ).to.not.throw();
    const svc = (clusterIP?: string): KubeObject => ({
      metadata: { name: 'svc', namespace: 'default' },
      spec: { selector: { app: 'web' }, ports: [{ port: 80 }], ...(clusterIP ? { clusterIP } : {}) },
    });
    const oldSvc = admit('services', svc('10.96.0.10'));
    expect(refusal('services', svc('10.96.0.11'), oldSvc)).to.equal(
      'Service "svc" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.0.11"}: may not change once set',
    );
    const oldPod = admit('pods', pod({}));
    const newImage = structuredClone(oldPod);
    newImage.spec.containers[0].image = 'nginx:1.26';
    expect(() => admit('pods', newImage, oldPod)).to.not.throw();
    const newHost = structuredClone(oldPod);
    newHost.spec.hostname = 'h';
    expect(refusal('pods', newHost, oldPod)).to.match(
      /^Pod "p" is invalid: spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`,/,
    );
  });
});
