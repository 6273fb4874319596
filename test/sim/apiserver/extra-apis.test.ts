import { expect } from 'chai';
import { http, startFixture, type Fixture } from './fixture.js';

describe('simulated apiserver: access reviews, metrics, connect refusals and /metrics', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await startFixture({
      hooks: {
        metrics: () => ({
          nodes: [
            {
              kind: 'NodeMetrics',
              apiVersion: 'metrics.k8s.io/v1beta1',
              metadata: { name: 'node-a' },
              usage: { cpu: '250000000n', memory: '1048576Ki' },
            },
          ],
          pods: [
            {
              kind: 'PodMetrics',
              apiVersion: 'metrics.k8s.io/v1beta1',
              metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' } },
              containers: [{ name: 'web', usage: { cpu: '1000000n', memory: '2048Ki' } }],
            },
          ],
        }),
      },
    });
  });
  afterEach(async () => f.close());

  it('lists the extra groups in discovery and answers a SelfSubjectAccessReview as allowed', async () => {
    const groups = (await http(f, '/apis')).body.groups.map((g: { name: string }) => g.name);
    expect(groups).to.include.members(['authorization.k8s.io', 'authentication.k8s.io', 'metrics.k8s.io']);
    const review = await http(f, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      method: 'POST',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes: { verb: 'delete', resource: 'nodes' } },
      },
    });
    expect(review.status).to.equal(201);
    expect(review.body.status.allowed).to.equal(true);
    expect(review.body.spec.resourceAttributes).to.deep.equal({ verb: 'delete', resource: 'nodes' });
    const empty = await http(f, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
      method: 'POST',
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: {} },
    });
    expect(empty.status).to.equal(422);
    expect((await http(f, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')).status).to.equal(405);
    const whoami = await http(f, '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      method: 'POST',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    expect(whoami.body.status.userInfo.username).to.equal('kubernetes-admin');
  });

  it('serves node and pod metrics, filtered by namespace and label, and 404 for one that is not there', async () => {
    const nodes = await http(f, '/apis/metrics.k8s.io/v1beta1/nodes');
    expect(nodes.body).to.include({ kind: 'NodeMetricsList' });
    expect(nodes.body.items[0].usage).to.deep.equal({ cpu: '250000000n', memory: '1048576Ki' });
    const pods = await http(f, '/apis/metrics.k8s.io/v1beta1/namespaces/default/pods?labelSelector=app%3Dweb');
    expect(pods.body.items.map((p: { metadata: { name: string } }) => p.metadata.name)).to.deep.equal(['web-1']);
    expect((await http(f, '/apis/metrics.k8s.io/v1beta1/namespaces/kube-system/pods')).body.items).to.deep.equal([]);
    expect((await http(f, '/apis/metrics.k8s.io/v1beta1/nodes/nope')).status).to.equal(404);
  });

  it('refuses exec, port-forward and proxy with a Status saying why, and 404 for a pod that is not there', async () => {
    const exec = await http(f, '/api/v1/namespaces/default/pods/web-1/exec?command=ls&stdout=true', {
      method: 'POST',
    });
    expect(exec.status).to.equal(501);
    expect(exec.body).to.include({ kind: 'Status', reason: 'NotImplemented' });
    expect(exec.body.message).to.match(/^pods\/exec is not supported by the gameday simulator/);
    // The bodiless POST kubectl opens the stream with passes the media-type check; a body still has to pass it.
    const withBody = await http(f, '/api/v1/namespaces/default/pods/web-1/exec', {
      method: 'POST',
      contentType: 'text/plain',
      body: 'ls',
    });
    expect(withBody.status).to.equal(415);
    const proxy = await http(f, '/api/v1/namespaces/default/services/web/proxy/healthz');
    expect(proxy.status).to.equal(404);
    expect((await http(f, '/api/v1/namespaces/default/pods/web-1/proxy/')).status).to.equal(501);
    expect((await http(f, '/api/v1/namespaces/default/pods/nope/portforward', { method: 'POST' })).status).to.equal(
      404,
    );
  });

  it('counts requests on /metrics', async () => {
    await http(f, '/api/v1/pods');
    const text = (await http(f, '/metrics')).text;
    expect(text).to.match(
      /apiserver_request_total\{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="cluster",subresource="",verb="LIST",version="v1"\} 1/,
    );
    expect(text).to.match(/apiserver_storage_objects\{resource="pods"\} 3/);
  });
});
