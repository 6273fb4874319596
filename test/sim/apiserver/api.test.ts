import { KUBERNETES_VERSION } from '../../../src/sim/kubernetes-version.js';
import { expect } from 'chai';
import {
  ApiException,
  AppsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { StoreError } from '../../../src/sim/store/store.js';
import type { KubeObject } from '../../../src/kube/objects.js';
import { deployment, http, pod, startFixture, type Fixture } from './fixture.js';

function apiError(err: unknown): { code: number; body: any } {
  expect(err).to.be.instanceOf(ApiException);
  const e = err as ApiException<unknown>;
  return { code: e.code, body: typeof e.body === 'string' ? JSON.parse(e.body) : e.body };
}

async function rejects(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('simulated apiserver: REST API', () => {
  let f: Fixture;
  let core: CoreV1Api;
  let apps: AppsV1Api;
  const deleting: string[] = [];

  beforeEach(async () => {
    deleting.length = 0;
    f = await startFixture({
      hooks: {
        admit: (resource, obj) => {
          if (resource === 'pods' && obj.metadata.name === 'invalid') {
            throw new StoreError('Invalid', 'bad image', [
              { field: 'spec.containers[0].image', message: 'Required value', reason: 'FieldValueRequired' },
            ]);
          }
        },
        podDeleting: (p) => deleting.push(p.metadata.name),
        podLogs: (_ns, name, container, previous) =>
          previous
            ? {
                error: {
                  code: 400,
                  message: `previous terminated container "${container}" in pod "${name}" not found`,
                },
              }
            : {
                log: {
                  lines: () =>
                    [1, 2, 3, 4, 5, 6, 7].map((n) => ({
                      at: Date.UTC(2026, 0, 1, 0, 0, n),
                      text: `${name}/${container} line ${n}`,
                    })),
                  ended: () => true,
                },
              },
        evict: (_ns, name) =>
          name === 'db-1'
            ? {
                allowed: false,
                status: 429,
                message: "Cannot evict pod as it would violate the pod's disruption budget.",
                causes: [
                  {
                    reason: 'DisruptionBudget',
                    message: 'The disruption budget db needs 1 healthy pods and has 1 currently',
                  },
                ],
              }
            : { allowed: true },
      },
    });
    core = f.kc.makeApiClient(CoreV1Api);
    apps = f.kc.makeApiClient(AppsV1Api);
  });

  afterEach(async () => {
    await f.close();
  });

  it('serves discovery with verbs, short names, the all category and subresources', async () => {
    const v1 = (await http(f, '/api/v1')).body as {
      resources: {
        name: string;
        shortNames?: string[];
        categories?: string[];
        verbs: string[];
        group?: string;
        kind: string;
      }[];
    };
    const pods = v1.resources.find((r) => r.name === 'pods');
    expect(pods?.shortNames).to.deep.equal(['po']);
    expect(pods?.categories).to.deep.equal(['all']);
    expect(pods?.verbs).to.include.members(['get', 'list', 'watch', 'create', 'patch', 'delete']);
    expect(v1.resources.find((r) => r.name === 'pods/eviction')).to.include({ group: 'policy', kind: 'Eviction' });
    const appsList = (await http(f, '/apis/apps/v1')).body as {
      resources: { name: string; kind: string; group?: string }[];
    };
    expect(appsList.resources.find((r) => r.name === 'deployments/scale')).to.include({
      group: 'autoscaling',
      kind: 'Scale',
    });
    const groups = (await http(f, '/apis')).body as { groups: { name: string }[] };
    expect(groups.groups.map((g) => g.name)).to.include.members(['apps', 'policy', 'coordination.k8s.io']);
    expect((await http(f, '/version')).body).to.include({
      major: '1',
      minor: '31',
      gitVersion: KUBERNETES_VERSION,
    });
  });

  it('lists across namespaces and by label and field selectors, with the list resourceVersion', async () => {
    const all = await core.listPodForAllNamespaces();
    expect(all.items.map((p) => p.metadata?.name)).to.deep.equal(['db-1', 'web-1', 'web-2']);
    expect(all.metadata?.resourceVersion).to.equal(String(f.store.resourceVersion));
    const web = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' });
    expect(web.items.map((p) => p.metadata?.name)).to.deep.equal(['web-1', 'web-2']);
    const onB = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=node-b' });
    expect(onB.items.map((p) => p.metadata?.name)).to.deep.equal(['db-1', 'web-2']);
    const bad = await http(f, '/api/v1/pods?labelSelector=' + encodeURIComponent('a in (b'));
    expect(bad.status).to.equal(400);
    expect(bad.body).to.include({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
  });

  it('answers a missing object with a NotFound Status worded as kube-apiserver words it', async () => {
    const { code, body } = apiError(await rejects(core.readNamespacedPod({ name: 'x', namespace: 'default' })));
    expect(code).to.equal(404);
    expect(body).to.deep.include({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'NotFound',
      message: 'pods "x" not found',
      code: 404,
    });
    const dep = await http(f, '/apis/apps/v1/namespaces/default/deployments/nope');
    expect(dep.body.message).to.equal('deployments.apps "nope" not found');
  });

  it('creates objects with uid and creationTimestamp, refusing duplicates, missing namespaces and invalid objects', async () => {
    const created = await core.createNamespacedPod({ namespace: 'default', body: pod('new', undefined) as never });
    expect(created.metadata?.uid).to.be.a('string');
    expect(created.metadata?.creationTimestamp).to.be.instanceOf(Date);
    expect(created.status?.phase).to.equal('Pending');
    const dup = apiError(
      await rejects(core.createNamespacedPod({ namespace: 'default', body: pod('new', undefined) as never })),
    );
    expect(dup.code).to.equal(409);
    expect(dup.body).to.include({ reason: 'AlreadyExists', message: 'pods "new" already exists' });
    const noNs = apiError(
      await rejects(
        core.createNamespacedPod({ namespace: 'nowhere', body: pod('x', undefined, {}, 'nowhere') as never }),
      ),
    );
    expect(noNs.code).to.equal(404);
    expect(noNs.body.message).to.equal('namespaces "nowhere" not found');
    const invalid = apiError(
      await rejects(core.createNamespacedPod({ namespace: 'default', body: pod('invalid', undefined) as never })),
    );
    expect(invalid.code).to.equal(422);
    expect(invalid.body.reason).to.equal('Invalid');
    expect(invalid.body.message).to.equal('Pod "invalid" is invalid: spec.containers[0].image: Required value');
    expect(invalid.body.details.causes).to.deep.equal([
      { reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' },
    ]);
  });

  it('refuses a PUT carrying a stale resourceVersion with 409 Conflict', async () => {
    const cur = f.store.get('deployments', 'default', 'web')!;
    const stale = structuredClone(cur);
    f.store.update('deployments', { ...cur, metadata: { ...cur.metadata, labels: { changed: 'yes' } } });
    const res = await http(f, '/apis/apps/v1/namespaces/default/deployments/web', { method: 'PUT', body: stale });
    expect(res.status).to.equal(409);
    expect(res.body.reason).to.equal('Conflict');
    expect(res.body.message).to.match(
      /^Operation cannot be fulfilled on deployments.apps "web": the object has been modified/,
    );
  });

  it('keeps status on writes to the main resource and changes only status through /status', async () => {
    const cur = f.store.get('deployments', 'default', 'web')!;
    const put = await http(f, '/apis/apps/v1/namespaces/default/deployments/web', {
      method: 'PUT',
      body: { ...cur, spec: { ...cur.spec, replicas: 5 }, status: { replicas: 99 } },
    });
    expect(put.status).to.equal(200);
    expect(put.body.spec.replicas).to.equal(5);
    expect(put.body.status.replicas).to.equal(2);
    const st = await http(f, '/apis/apps/v1/namespaces/default/deployments/web/status', {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: { spec: { replicas: 1 }, status: { readyReplicas: 0 } },
    });
    expect(st.status).to.equal(200);
    expect(st.body.spec.replicas).to.equal(5);
    expect(st.body.status.readyReplicas).to.equal(0);
  });

  it('patches with merge, JSON and strategic merge patches', async () => {
    await core.patchNode(
      { name: 'node-a', body: { spec: { unschedulable: true } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(f.store.get('nodes', undefined, 'node-a')?.spec.unschedulable).to.equal(true);
    await core.patchNode(
      { name: 'node-a', body: { metadata: { labels: { zone: 'a' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(f.store.get('nodes', undefined, 'node-a')?.metadata.labels?.zone).to.equal('a');
    await core.patchNode(
      {
        name: 'node-a',
        body: [{ op: 'add', path: '/spec/taints', value: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }],
      },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    expect(f.store.get('nodes', undefined, 'node-a')?.spec.taints).to.deep.equal([
      { key: 'k', value: 'v', effect: 'NoSchedule' },
    ]);
    await apps.patchNamespacedDeployment(
      {
        name: 'web',
        namespace: 'default',
        body: { spec: { template: { spec: { containers: [{ name: 'web', image: 'nginx:1.26' }] } } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    const d = f.store.get('deployments', 'default', 'web')!;
    expect(d.spec.template.spec.containers).to.deep.equal([{ name: 'web', image: 'nginx:1.26' }]);
    expect(d.metadata.generation).to.equal(2);
    const bad = await http(f, '/api/v1/nodes/node-a', {
      method: 'PATCH',
      contentType: 'application/merge-patch+json',
      body: '{not json',
    });
    expect(bad.status).to.equal(400);
    expect(bad.body.kind).to.equal('Status');
  });

  it('scales through the autoscaling/v1 Scale subresource', async () => {
    const scale = await apps.readNamespacedDeploymentScale({ name: 'web', namespace: 'default' });
    expect(scale.spec?.replicas).to.equal(2);
    expect(scale.status?.selector).to.equal('app=web');
    await apps.patchNamespacedDeploymentScale(
      { name: 'web', namespace: 'default', body: { spec: { replicas: 4 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(f.store.get('deployments', 'default', 'web')?.spec.replicas).to.equal(4);
  });

  it('deletes bound pods gracefully, and unbound pods or grace 0 at once', async () => {
    const deleted = (await core.deleteNamespacedPod({ name: 'web-1', namespace: 'default' })) as unknown as KubeObject;
    expect(deleting).to.deep.equal(['web-1']);
    const p = f.store.get('pods', 'default', 'web-1')!;
    expect(p.metadata.deletionGracePeriodSeconds).to.equal(30);
    expect(Date.parse(p.metadata.deletionTimestamp!)).to.be.greaterThan(Date.now() + 20_000);
    expect(deleted.metadata.name).to.equal('web-1');
    await core.deleteNamespacedPod({ name: 'web-2', namespace: 'default', gracePeriodSeconds: 0 });
    expect(f.store.get('pods', 'default', 'web-2')).to.equal(undefined);
    f.store.create('pods', pod('pending', undefined));
    await core.deleteNamespacedPod({ name: 'pending', namespace: 'default' });
    expect(f.store.get('pods', 'default', 'pending')).to.equal(undefined);
    expect(deleting).to.deep.equal(['web-1']);
  });

  it('cascades a Deployment deletion to its ReplicaSets and their pods, and orphans them when asked', async () => {
    const dep = f.store.get('deployments', 'default', 'web')!;
    const rs = f.store.create('replicasets', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'web-abc',
        namespace: 'default',
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: dep.metadata.uid!, controller: true },
        ],
      },
      spec: { replicas: 1 },
    });
    f.store.create('pods', {
      ...pod('web-abc-1', undefined),
      metadata: {
        name: 'web-abc-1',
        namespace: 'default',
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-abc', uid: rs.metadata.uid!, controller: true },
        ],
      },
    });
    await apps.deleteNamespacedDeployment({ name: 'web', namespace: 'default' });
    expect(f.store.get('replicasets', 'default', 'web-abc')).to.equal(undefined);
    expect(f.store.get('pods', 'default', 'web-abc-1')).to.equal(undefined);

    const d2 = f.store.create('deployments', deployment('api'));
    f.store.create('replicasets', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: 'api-x',
        namespace: 'default',
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', uid: d2.metadata.uid!, controller: true },
        ],
      },
      spec: { replicas: 1 },
    });
    await apps.deleteNamespacedDeployment({ name: 'api', namespace: 'default', propagationPolicy: 'Orphan' });
    expect(f.store.get('replicasets', 'default', 'api-x')?.metadata.ownerReferences).to.equal(undefined);
  });

  it('evicts through policy/v1 Eviction, answering a PDB refusal with 429 TooManyRequests and its cause', async () => {
    const ok = await http(f, '/api/v1/namespaces/default/pods/web-2/eviction', {
      method: 'POST',
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web-2', namespace: 'default' } },
    });
    expect(ok.status).to.equal(201);
    expect(f.store.get('pods', 'default', 'web-2')?.metadata.deletionTimestamp).to.be.a('string');
    const refused = await http(f, '/api/v1/namespaces/default/pods/db-1/eviction', {
      method: 'POST',
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'db-1', namespace: 'default' } },
    });
    expect(refused.status).to.equal(429);
    expect(refused.body).to.deep.include({
      reason: 'TooManyRequests',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      details: {
        causes: [
          { reason: 'DisruptionBudget', message: 'The disruption budget db needs 1 healthy pods and has 1 currently' },
        ],
      },
    });
    expect(f.store.get('pods', 'default', 'db-1')?.metadata.deletionTimestamp).to.equal(undefined);
  });

  it('serves pod logs as text from the hook, cut by tailLines, sinceTime and limitBytes, with timestamps', async () => {
    const text = await core.readNamespacedPodLog({ name: 'web-1', namespace: 'default', tailLines: 2 });
    expect(text).to.equal('web-1/web line 6\nweb-1/web line 7\n');
    const stamped = await http(f, '/api/v1/namespaces/default/pods/web-1/log?timestamps=true&tailLines=1');
    expect(stamped.text).to.equal('2026-01-01T00:00:07.000000000Z web-1/web line 7\n');
    const since = await http(f, '/api/v1/namespaces/default/pods/web-1/log?sinceTime=2026-01-01T00:00:06Z');
    expect(since.text).to.equal('web-1/web line 6\nweb-1/web line 7\n');
    const limited = await http(f, '/api/v1/namespaces/default/pods/web-1/log?limitBytes=20');
    expect(limited.text).to.equal('web-1/web line 1\nweb');
    const missing = await http(f, '/api/v1/namespaces/default/pods/web-1/log?container=nope');
    expect(missing.status).to.equal(400);
    expect(missing.body.message).to.equal('container nope is not valid for pod web-1');
    const previous = await http(f, '/api/v1/namespaces/default/pods/web-1/log?previous=true');
    expect(previous.status).to.equal(400);
    expect(previous.body).to.include({
      reason: 'BadRequest',
      message: 'previous terminated container "web" in pod "web-1" not found',
    });
    const negative = await http(f, '/api/v1/namespaces/default/pods/web-1/log?tailLines=-1');
    expect(negative.status).to.equal(422);
    expect(negative.body.message).to.equal(
      'PodLogOptions "web-1" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0',
    );
  });

  it('answers kubectl-style Table requests for lists and single objects', async () => {
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json';
    const list = await http(f, '/api/v1/nodes', { accept });
    expect(list.body.kind).to.equal('Table');
    expect(list.body.rows.map((r: { cells: unknown[] }) => r.cells.slice(0, 3))).to.deep.equal([
      ['node-a', 'Ready', 'control-plane'],
      ['node-b', 'Ready', '<none>'],
    ]);
    expect(list.body.rows[0].object).to.deep.include({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1' });
    const one = await http(f, '/apis/apps/v1/namespaces/default/deployments/web?includeObject=Object', { accept });
    expect(one.body.rows).to.have.length(1);
    expect(one.body.rows[0].cells.slice(0, 4)).to.deep.equal(['web', '2/2', 2, 2]);
    expect(one.body.rows[0].object.kind).to.equal('Deployment');
  });

  it('works with KubernetesObjectApi for any resource', async () => {
    const objects = KubernetesObjectApi.makeApiClient(f.kc);
    const lease = (await objects.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'node-a', namespace: 'kube-system' },
      spec: { holderIdentity: 'node-a', leaseDurationSeconds: 40 },
    })) as { metadata?: { uid?: string } };
    expect(lease.metadata?.uid).to.be.a('string');
    const read = await objects.read({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'node-a', namespace: 'kube-system' },
    });
    expect((read as { spec: { holderIdentity: string } }).spec.holderIdentity).to.equal('node-a');
    const list = await objects.list('apps/v1', 'Deployment', 'default');
    expect(list.items.map((d) => d.metadata?.name)).to.deep.equal(['web']);
  });

  it('answers unknown paths and methods with a Status and never hangs on a malformed body', async () => {
    const unknown = await http(f, '/api/v1/widgets');
    expect(unknown.status).to.equal(404);
    expect(unknown.body).to.include({ kind: 'Status', reason: 'NotFound' });
    expect((await http(f, '/nothing/here')).status).to.equal(404);
    const method = await http(f, '/api/v1/namespaces/default/pods/web-1', { method: 'POST', body: {} });
    expect(method.status).to.equal(405);
    const malformed = await http(f, '/api/v1/namespaces/default/pods', { method: 'POST', body: '{"metadata":' });
    expect(malformed.status).to.equal(400);
    expect(malformed.body.reason).to.equal('BadRequest');
    const wrongKind = await http(f, '/api/v1/namespaces/default/pods', {
      method: 'POST',
      body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } },
    });
    expect(wrongKind.status).to.equal(400);
  });
});

describe('simulated apiserver: namespace deletion', () => {
  it('turns a namespace Terminating, deletes its contents, and removes it once its last pod is gone', async () => {
    const f = await startFixture({
      hooks: {
        // The kubelet finishes graceful deletions a moment later.
        podDeleting: (p) => setTimeout(() => f.store.remove('pods', p.metadata.namespace, p.metadata.name), 300),
      },
    });
    try {
      const res = await http(f, '/api/v1/namespaces/default', { method: 'DELETE' });
      expect(res.status).to.equal(200);
      expect(res.body.status.phase).to.equal('Terminating');
      expect(f.store.get('deployments', 'default', 'web')).to.equal(undefined);
      const created = await http(f, '/api/v1/namespaces/default/configmaps', {
        method: 'POST',
        body: { metadata: { name: 'late' } },
      });
      expect(created.status).to.equal(403);
      for (let i = 0; i < 100 && f.store.get('namespaces', undefined, 'default'); i++)
        await new Promise((r) => setTimeout(r, 10));
      expect(f.store.list('pods', { namespace: 'default' })).to.deep.equal([]);
      expect(f.store.get('namespaces', undefined, 'default')).to.equal(undefined);
      expect(f.store.get('namespaces', undefined, 'kube-system')).to.not.equal(undefined);
    } finally {
      await f.close();
    }
  });
});

describe('simulated apiserver: health and availability', () => {
  it('resets connections while no kube-apiserver is serving', async () => {
    let serving = true;
    const f = await startFixture({ hooks: { serving: () => serving } });
    try {
      expect((await http(f, '/api/v1/nodes')).status).to.equal(200);
      serving = false;
      const err = await fetch(f.url + '/api/v1/nodes').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).to.be.instanceOf(Error);
      serving = true;
      expect((await http(f, '/api/v1/nodes')).status).to.equal(200);
      expect(f.server.requestCount).to.equal(3);
    } finally {
      await f.close();
    }
  });
});
