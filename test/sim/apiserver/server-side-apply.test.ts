import { expect } from 'chai';
import { http, startFixture, type Fixture } from './fixture.js';

const APPLY = 'application/apply-patch+yaml';
const path = '/apis/apps/v1/namespaces/default/deployments/api';

function config(extra: { replicas?: number; labels?: Record<string, string>; image?: string } = {}): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'api', labels: extra.labels ?? { app: 'api' } },
    spec: {
      replicas: extra.replicas ?? 2,
      selector: { matchLabels: { app: 'api' } },
      template: {
        metadata: { labels: { app: 'api' } },
        spec: { containers: [{ name: 'api', image: extra.image ?? 'api:1' }] },
      },
    },
  };
}

describe('simulated apiserver: server-side apply and managedFields', () => {
  let f: Fixture;
  beforeEach(async () => (f = await startFixture()));
  afterEach(async () => f.close());

  const apply = (body: unknown, query = 'fieldManager=kubectl'): Promise<{ status: number; body: any }> =>
    http(f, `${path}?${query}`, { method: 'PATCH', contentType: APPLY, body: JSON.stringify(body) });

  it('creates an object by applying it, records what its manager applied, and a repeat changes nothing', async () => {
    const created = await apply(config());
    expect(created.status).to.equal(201);
    const [entry] = created.body.metadata.managedFields;
    expect(entry).to.include({ manager: 'kubectl', operation: 'Apply', apiVersion: 'apps/v1', fieldsType: 'FieldsV1' });
    expect(entry.fieldsV1).to.deep.equal({
      'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
          'f:spec': { 'f:containers': { 'k:{"name":"api"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
        },
      },
    });
    const again = await apply(config());
    expect(again.status).to.equal(200);
    expect(again.body.metadata.resourceVersion).to.equal(created.body.metadata.resourceVersion);
  });

  it('refuses with 409 to change a field another manager set, naming it; --force-conflicts takes it over', async () => {
    await apply(config());
    const scaled = await http(f, `${path}?fieldManager=kubectl-edit`, {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: 5 } },
    });
    expect(scaled.body.metadata.managedFields.map((e: any) => [e.manager, e.operation])).to.deep.equal([
      ['kubectl', 'Apply'],
      ['kubectl-edit', 'Update'],
    ]);
    const refused = await apply(config({ replicas: 2 }));
    expect(refused.status).to.equal(409);
    expect(refused.body).to.include({
      reason: 'Conflict',
      message: 'Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas',
    });
    expect(refused.body.details.causes).to.deep.equal([
      {
        reason: 'FieldManagerConflict',
        message: 'conflict with "kubectl-edit" using apps/v1',
        field: '.spec.replicas',
      },
    ]);
    // The same value is no conflict: the field is then shared.
    expect((await apply(config({ replicas: 5 }))).status).to.equal(200);
    const forced = await apply(config({ replicas: 2, image: 'api:2' }), 'fieldManager=kubectl&force=true');
    expect(forced.status).to.equal(200);
    expect(forced.body.spec.replicas).to.equal(2);
    const edit = forced.body.metadata.managedFields.find((e: any) => e.manager === 'kubectl-edit');
    expect(edit).to.equal(undefined);
  });

  it('lists every conflict by manager when several fields are taken', async () => {
    await apply(config());
    await apply(config({ replicas: 3, image: 'api:9' }), 'fieldManager=ci&force=true');
    const refused = await apply(config({ replicas: 4, image: 'api:4' }), 'fieldManager=other');
    expect(refused.status).to.equal(409);
    expect(refused.body.message).to.equal(
      'Apply failed with 2 conflicts: conflicts with "ci":\n- .spec.replicas\n- .spec.template.spec.containers[name="api"].image',
    );
  });

  it('removes what its manager applied before and no longer applies, when no one else owns it', async () => {
    await apply(config({ labels: { app: 'api', tier: 'web' } }));
    const updated = await apply(config({ labels: { app: 'api' } }));
    expect(updated.body.metadata.labels).to.deep.equal({ app: 'api' });
  });

  it('records an update by its manager and takes the changed fields from the others', async () => {
    const created = await http(f, '/api/v1/namespaces/default/configmaps?fieldManager=kubectl-create', {
      method: 'POST',
      body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1', b: '2' } },
    });
    expect(created.body.metadata.managedFields).to.have.length(1);
    expect(created.body.metadata.managedFields[0]).to.include({ manager: 'kubectl-create', operation: 'Update' });
    const patched = await http(f, '/api/v1/namespaces/default/configmaps/c?fieldManager=kubectl-patch', {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { data: { b: '3' } },
    });
    const byManager = Object.fromEntries(patched.body.metadata.managedFields.map((e: any) => [e.manager, e.fieldsV1]));
    expect(byManager).to.deep.equal({
      'kubectl-create': { 'f:data': { '.': {}, 'f:a': {} } },
      'kubectl-patch': { 'f:data': { 'f:b': {} } },
    });
  });

  it('refuses an apply without a field manager and a forced patch that is not an apply', async () => {
    const noManager = await apply(config(), '');
    expect(noManager.status).to.equal(422);
    expect(noManager.body.message).to.equal(
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
    const forcedMerge = await http(f, '/apis/apps/v1/namespaces/default/deployments/web?force=true', {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: 1 } },
    });
    expect(forcedMerge.status).to.equal(422);
    expect(forcedMerge.body.message).to.equal(
      'PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch',
    );
  });
});
