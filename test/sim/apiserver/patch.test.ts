import { expect } from 'chai';
import { ApiError } from '../../../src/sim/apiserver/status.js';
import { jsonPatch, mergePatch, patchKindOf, strategicMerge } from '../../../src/sim/apiserver/patch.js';

const deployment = {
  metadata: { name: 'web', labels: { app: 'web', tier: 'front' }, finalizers: ['a'] },
  spec: {
    replicas: 2,
    template: {
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx:1.25',
            env: [
              { name: 'A', value: '1' },
              { name: 'B', value: '2' },
            ],
            ports: [{ containerPort: 80, protocol: 'TCP' }],
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
          },
          { name: 'side', image: 'busybox' },
        ],
        tolerations: [{ key: 'a', operator: 'Exists' }],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
    },
  },
  status: {
    conditions: [
      { type: 'Available', status: 'True' },
      { type: 'Progressing', status: 'True' },
    ],
  },
};

describe('strategic merge patch', () => {
  it('merges containers by name and their env by name, leaving the other entries alone', () => {
    const out = strategicMerge(deployment, {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'web',
                image: 'nginx:1.26',
                env: [
                  { name: 'B', value: '3' },
                  { name: 'C', value: '4' },
                ],
              },
            ],
          },
        },
      },
    }) as typeof deployment;
    const [web, side] = out.spec.template.spec.containers;
    expect(web?.image).to.equal('nginx:1.26');
    expect(web?.env).to.deep.equal([
      { name: 'A', value: '1' },
      { name: 'B', value: '3' },
      { name: 'C', value: '4' },
    ]);
    expect(web?.ports).to.deep.equal([{ containerPort: 80, protocol: 'TCP' }]);
    expect(side).to.deep.equal({ name: 'side', image: 'busybox' });
  });

  it('merges container ports by containerPort and volumes by name', () => {
    const out = strategicMerge(deployment, {
      spec: {
        template: {
          spec: {
            containers: [{ name: 'web', ports: [{ containerPort: 80, name: 'http' }, { containerPort: 443 }] }],
            volumes: [{ name: 'cache', emptyDir: {} }],
          },
        },
      },
    }) as typeof deployment;
    expect(out.spec.template.spec.containers[0]?.ports).to.deep.equal([
      { containerPort: 80, protocol: 'TCP', name: 'http' },
      { containerPort: 443 },
    ]);
    expect(out.spec.template.spec.volumes.map((v) => v.name)).to.deep.equal(['data', 'cache']);
  });

  it('replaces tolerations as a whole, since the list has no merge key', () => {
    const out = strategicMerge(deployment, {
      spec: { template: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } } },
    }) as typeof deployment;
    expect(out.spec.template.spec.tolerations).to.deep.equal([{ key: 'b', operator: 'Exists' }]);
  });

  it('merges conditions by type', () => {
    const out = strategicMerge(deployment, {
      status: { conditions: [{ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' }] },
    }) as typeof deployment;
    expect(out.status.conditions).to.deep.equal([
      { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' },
      { type: 'Progressing', status: 'True' },
    ]);
  });

  it('deletes a list element with $patch: delete and a field with null', () => {
    const out = strategicMerge(deployment, {
      metadata: { labels: { tier: null } },
      spec: { template: { spec: { containers: [{ name: 'side', $patch: 'delete' }] } } },
    }) as typeof deployment;
    expect(out.spec.template.spec.containers.map((c) => c.name)).to.deep.equal(['web']);
    expect(out.metadata.labels).to.deep.equal({ app: 'web' });
  });

  it('replaces a map with $patch: replace and a list with a replace element', () => {
    const out = strategicMerge(deployment, {
      metadata: { labels: { only: 'this', $patch: 'replace' } },
      spec: { template: { spec: { containers: [{ $patch: 'replace' }, { name: 'new', image: 'x' }] } } },
    }) as typeof deployment;
    expect(out.metadata.labels).to.deep.equal({ only: 'this' });
    expect(out.spec.template.spec.containers).to.deep.equal([{ name: 'new', image: 'x' }]);
  });

  it('honours $setElementOrder and $retainKeys as kubectl apply sends them', () => {
    const out = strategicMerge(deployment, {
      spec: {
        template: {
          spec: {
            '$setElementOrder/containers': [{ name: 'side' }, { name: 'web' }],
            containers: [{ name: 'web', image: 'nginx:1.27' }],
          },
        },
        strategy: { $retainKeys: ['type'], type: 'Recreate' },
      },
    }) as typeof deployment & { spec: { strategy: unknown } };
    expect(out.spec.template.spec.containers.map((c) => c.name)).to.deep.equal(['side', 'web']);
    expect(out.spec.strategy).to.deep.equal({ type: 'Recreate' });
  });

  it('adds finalizers as a set and removes them with $deleteFromPrimitiveList', () => {
    const added = strategicMerge(deployment, { metadata: { finalizers: ['a', 'b'] } }) as typeof deployment;
    expect(added.metadata.finalizers).to.deep.equal(['a', 'b']);
    const removed = strategicMerge(added, {
      metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] },
    }) as typeof deployment;
    expect(removed.metadata.finalizers).to.deep.equal(['b']);
  });

  it('never modifies its input', () => {
    const before = JSON.stringify(deployment);
    strategicMerge(deployment, {
      spec: { replicas: 5, template: { spec: { containers: [{ name: 'web', image: 'x' }] } } },
    });
    expect(JSON.stringify(deployment)).to.equal(before);
  });
});

describe('merge and JSON patches', () => {
  it('applies a JSON merge patch: objects merge, lists are replaced, null deletes', () => {
    const out = mergePatch(deployment, {
      metadata: { labels: { app: null, x: 'y' } },
      spec: { replicas: 3 },
    }) as typeof deployment;
    expect(out.metadata.labels).to.deep.equal({ tier: 'front', x: 'y' });
    expect(out.spec.replicas).to.equal(3);
    expect(out.spec.template).to.deep.equal(deployment.spec.template);
  });

  it('applies a JSON patch and reports a failing operation as 422', () => {
    const out = jsonPatch(deployment, [{ op: 'replace', path: '/spec/replicas', value: 0 }]) as typeof deployment;
    expect(out.spec.replicas).to.equal(0);
    expect(deployment.spec.replicas).to.equal(2);
    const fail = (): unknown => jsonPatch(deployment, [{ op: 'test', path: '/spec/replicas', value: 9 }]);
    expect(fail).to.throw(ApiError).with.property('code', 422);
    expect(() => jsonPatch(deployment, { op: 'add' }))
      .to.throw(ApiError)
      .with.property('code', 400);
  });

  it('recognises the patch content types kubectl and client-node send', () => {
    expect(patchKindOf('application/merge-patch+json')).to.equal('merge');
    expect(patchKindOf('application/json-patch+json; charset=utf-8')).to.equal('json');
    expect(patchKindOf('application/strategic-merge-patch+json')).to.equal('strategic');
    expect(patchKindOf('application/apply-patch+yaml')).to.equal('apply');
    expect(patchKindOf('application/json')).to.equal(undefined);
  });
});
