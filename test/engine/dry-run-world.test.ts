import { expect } from 'chai';
import { DryRunWorld } from '../../src/engine/dry-run-world.js';
import { KubeApiError } from '../../src/kube/errors.js';
import { closeFakes, deployment, fakeContext, node } from '../kit/fake-context.js';

/** The fake's writes are recorded and never applied, as the dry-run client's are. */
function world(objects: Parameters<typeof fakeContext>[0] = {}) {
  const f = fakeContext({ dryRun: true, ...objects });
  const w = new DryRunWorld();
  return { f, kube: w.kube(f.ctx.kube), nodes: w.nodes(f.ctx.nodes, w.kube(f.ctx.kube)) };
}

describe('DryRunWorld: a dry run reads back what it would have changed (issue 18)', () => {
  afterEach(closeFakes);

  it('sees an object it created, in get and in list, and the write is still only recorded', async () => {
    const { f, kube } = world();
    await kube.create('deployments', {
      metadata: { name: 'report-job', namespace: 'gameday', labels: { app: 'report-job' } },
      spec: { replicas: 1 },
    });
    expect((await kube.get('deployments', 'report-job', 'gameday'))?.spec).to.deep.equal({ replicas: 1 });
    expect((await kube.list('deployments', { namespace: 'gameday' })).items.map((d) => d.metadata.name)).to.deep.equal([
      'report-job',
    ]);
    expect((await kube.list('deployments', { namespace: 'other' })).items).to.deep.equal([]);
    expect((await kube.list('deployments', { labelSelector: 'app=other' })).items).to.deep.equal([]);
    expect(f.calls).to.deep.equal(['create deployments gameday/report-job']);
    expect(await f.ctx.kube.get('deployments', 'report-job', 'gameday')).to.equal(undefined);
  });

  it('refuses to create what exists, as the API server would (409)', async () => {
    const { kube } = world({ objects: { deployments: [deployment('business', 'web')] } });
    const err = await kube
      .create('deployments', { metadata: { name: 'web', namespace: 'business' } })
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(KubeApiError);
    expect((err as KubeApiError).status).to.equal(409);
  });

  it('applies merge, strategic (containers by name) and JSON patches to what it reads back', async () => {
    const web = deployment('business', 'web');
    web.spec.template.spec.containers = [
      { name: 'app', image: 'a:1', resources: { requests: { memory: '1Gi' } } },
      { name: 'sidecar', image: 's:1' },
    ];
    const { kube } = world({ objects: { deployments: [web] } });
    await kube.patch(
      'deployments',
      'web',
      { spec: { template: { spec: { containers: [{ name: 'app', resources: { requests: { memory: '512Mi' } } }] } } } },
      { namespace: 'business', type: 'strategic' },
    );
    let now = await kube.get('deployments', 'web', 'business');
    expect(now?.spec.template.spec.containers).to.deep.equal([
      { name: 'app', image: 'a:1', resources: { requests: { memory: '512Mi' } } },
      { name: 'sidecar', image: 's:1' },
    ]);
    await kube.patch('deployments', 'web', [{ op: 'replace', path: '/spec/replicas', value: 5 }], {
      namespace: 'business',
      type: 'json',
    });
    await kube.scale('deployments', 'business', 'web', 7);
    now = await kube.get('deployments', 'web', 'business');
    expect(now?.spec.replicas).to.equal(7);
  });

  it('a changed pod template is a new Deployment revision, so a rollout undo can be planned', async () => {
    const web = deployment('business', 'web');
    web.metadata.annotations = { 'deployment.kubernetes.io/revision': '3' };
    const { kube } = world({ objects: { deployments: [web] } });
    await kube.patch('deployments', 'web', { spec: { replicas: 4 } }, { namespace: 'business', type: 'merge' });
    expect((await kube.get('deployments', 'web', 'business'))?.metadata.annotations).to.deep.equal({
      'deployment.kubernetes.io/revision': '3',
    });
    await kube.patch(
      'deployments',
      'web',
      { spec: { template: { spec: { containers: [{ name: 'app', image: 'bad:1' }] } } } },
      { namespace: 'business', type: 'strategic' },
    );
    expect((await kube.get('deployments', 'web', 'business'))?.metadata.annotations).to.deep.equal({
      'deployment.kubernetes.io/revision': '4',
    });
  });

  it('hides what it deleted or evicted, and shows a node it joined', async () => {
    const { kube, nodes, f } = world({ objects: { nodes: [node('w1'), node('w2')] } });
    await kube.delete('nodes', 'w1');
    expect(await kube.get('nodes', 'w1')).to.equal(undefined);
    const name = await nodes.addNode({ name: 'w9', labels: { pool: 'new' } });
    expect(name).to.equal('w9');
    expect((await kube.list('nodes')).items.map((n) => n.metadata.name)).to.deep.equal(['w2', 'w9']);
    expect((await kube.get('nodes', 'w9'))?.metadata.labels).to.include({ pool: 'new' });
    expect(f.calls).to.deep.equal(['delete nodes w1', 'add node w9']);
  });
});
