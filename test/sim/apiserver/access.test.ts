import { request } from 'node:http';
import { expect } from 'chai';
import { VirtualClock } from '../../../src/engine/clock.js';
import { InvalidInputError } from '../../../src/errors.js';
import { API_MEDIA_TYPES } from '../../../src/sim/apiserver/access.js';
import { DEFAULT_PARAMS } from '../../../src/sim/params.js';
import { controlEndpoint } from '../../../src/sim/serve/control-endpoint.js';
import { remoteOps } from '../../../src/sim/serve/remote-ops.js';
import { Simulator } from '../../../src/sim/simulator.js';
import type { Topology } from '../../../src/sim/topology/types.js';

const topology: Topology = {
  clusters: [
    {
      name: 'business',
      nodes: [
        { name: '10.0.0.1', role: 'master' },
        { name: '10.0.0.2', role: 'worker' },
      ],
      workloads: [{ kind: 'Deployment', namespace: 'default', name: 'web', replicas: 1 }],
    },
  ],
};

interface Answer {
  status: number;
  body: { kind?: string; reason?: string; message?: string; code?: number } & Record<string, unknown>;
}

/** A raw HTTP request, so that Host and Origin are exactly what a browser or a rebinding page would send. */
function send(url: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string }) {
  const u = new URL(url);
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path,
        method: init.method ?? 'GET',
        headers: {
          ...(init.body !== undefined ? { 'content-length': String(Buffer.byteLength(init.body)) } : {}),
          ...init.headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          let body: Answer['body'] = {};
          try {
            body = JSON.parse(text) as Answer['body'];
          } catch {
            body = { text };
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

const configMap = JSON.stringify({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'planted', namespace: 'default' },
  data: { a: 'b' },
});

describe("the served simulator's access rules (token, Host, Origin, media type)", function () {
  this.timeout(30_000);
  let sim: Simulator;
  let url: string;
  let host: string;

  before(async () => {
    sim = await Simulator.start({
      topology,
      params: DEFAULT_PARAMS,
      clock: new VirtualClock(),
      seed: 1,
      serve: true,
      control: (c) => controlEndpoint(c),
    });
    await sim.settle();
    url = sim.cluster('business').server!.url;
    host = new URL(url).host;
  });
  after(async () => sim.close());

  const store = () => sim.cluster('business').ctx.store;
  const auth = () => ({ authorization: `Bearer ${sim.token}` });

  it('answers a request without a token, or with another token, 401 Unauthorized as kube-apiserver does', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer not-the-token-of-this-start' },
      { authorization: 'Basic eDp5' },
    ]) {
      const res = await send(url, '/api/v1/namespaces/default/configmaps', {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: configMap,
      });
      expect(res.status).to.equal(401);
      expect(res.body).to.include({ kind: 'Status', reason: 'Unauthorized', message: 'Unauthorized', code: 401 });
    }
    expect(store().get('configmaps', 'default', 'planted')).to.equal(undefined);
    // Reads too: the API is not for every local program to look at either.
    expect((await send(url, '/api/v1/nodes', {})).status).to.equal(401);
    expect((await send(url, '/readyz', {})).status).to.equal(401);
  });

  it('refuses what a web page can send without asking: a text/plain POST from a foreign Origin changes nothing', async () => {
    const res = await send(url, '/api/v1/namespaces/default/configmaps', {
      method: 'POST',
      headers: { origin: 'http://evil.example', 'content-type': 'text/plain;charset=UTF-8' },
      body: configMap,
    });
    expect(res.status).to.equal(403);
    expect(res.body.message).to.contain('http://evil.example');
    // Even with the token (a page that somehow learnt it): the Origin alone is refused.
    const withToken = await send(url, '/api/v1/namespaces/default/configmaps', {
      method: 'POST',
      headers: { ...auth(), origin: 'http://evil.example', 'content-type': 'application/json' },
      body: configMap,
    });
    expect(withToken.status).to.equal(403);
    const nullOrigin = await send(url, '/api/v1/nodes', { headers: { ...auth(), origin: 'null' } });
    expect(nullOrigin.status).to.equal(403);
    expect(store().get('configmaps', 'default', 'planted')).to.equal(undefined);
  });

  it('refuses a Host it does not serve (DNS rebinding) and serves its own loopback names', async () => {
    const rebound = await send(url, '/api/v1/nodes', {
      headers: { ...auth(), host: `evil.example:${new URL(url).port}` },
    });
    expect(rebound.status).to.equal(403);
    expect(rebound.body.message).to.contain(url);
    expect((await send(url, '/api/v1/nodes', { headers: { ...auth(), host: 'localhost:1' } })).status).to.equal(403);
    expect((await send(url, '/api/v1/nodes', { headers: { ...auth(), host } })).status).to.equal(200);
    const port = new URL(url).port;
    expect((await send(url, '/api/v1/nodes', { headers: { ...auth(), host: `localhost:${port}` } })).status).to.equal(
      200,
    );
    // Its own origin is not foreign.
    expect((await send(url, '/api/v1/nodes', { headers: { ...auth(), origin: `http://${host}` } })).status).to.equal(
      200,
    );
  });

  it('refuses writes in a media type kube-apiserver does not decode (415), and takes the ones clients send', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '']) {
      const res = await send(url, '/api/v1/namespaces/default/configmaps', {
        method: 'POST',
        headers: { ...auth(), ...(type ? { 'content-type': type } : {}) },
        body: configMap,
      });
      expect(res.status, type).to.equal(415);
      expect(res.body.reason).to.equal('UnsupportedMediaType');
    }
    expect(store().get('configmaps', 'default', 'planted')).to.equal(undefined);
    const deleteWithBody = await send(url, '/apis/apps/v1/namespaces/default/deployments/web', {
      method: 'DELETE',
      headers: { ...auth(), 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(deleteWithBody.status).to.equal(415);
    expect(store().get('deployments', 'default', 'web')).not.to.equal(undefined);

    const created = await send(url, '/api/v1/namespaces/default/configmaps', {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json; charset=utf-8' },
      body: configMap,
    });
    expect(created.status).to.equal(201);
    const patched = await send(url, '/api/v1/namespaces/default/configmaps/planted', {
      method: 'PATCH',
      headers: { ...auth(), 'content-type': 'application/merge-patch+json' },
      body: JSON.stringify({ data: { a: 'c' } }),
    });
    expect(patched.status).to.equal(200);
    expect(store().get('configmaps', 'default', 'planted')?.data).to.deep.equal({ a: 'c' });
    expect(API_MEDIA_TYPES).to.include.members([
      'application/json',
      'application/merge-patch+json',
      'application/json-patch+json',
      'application/strategic-merge-patch+json',
      'application/apply-patch+yaml',
      'application/vnd.kubernetes.protobuf',
    ]);
  });

  it('gives the control endpoint the same protection: no node is powered off without the token', async () => {
    const power = (headers: Record<string, string>) =>
      send(url, '/gameday/v1/ops', {
        method: 'POST',
        headers,
        body: JSON.stringify({ target: 'nodes', method: 'power', args: ['10.0.0.2', 'off'] }),
      });
    expect((await power({ 'content-type': 'text/plain' })).status).to.equal(401);
    expect((await power({ origin: 'http://evil.example', 'content-type': 'text/plain' })).status).to.equal(403);
    expect((await power({ ...auth(), 'content-type': 'text/plain' })).status).to.equal(415);
    expect((await power({ ...auth(), 'content-type': 'application/yaml' })).status).to.equal(415);
    expect((await send(url, '/gameday/v1/info', {})).status).to.equal(401);
    expect(await sim.cluster('business').hosts.ops().serviceState('10.0.0.2', 'kubelet')).to.equal('active');

    // The client with the token works; without it, it says what to do.
    const ops = remoteOps(url, { token: sim.token });
    expect(await ops.client.info()).to.include({ cluster: 'business' });
    const err = await remoteOps(url)
      .nodes.power('10.0.0.2', 'off')
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).to.be.instanceOf(InvalidInputError);
    expect((err as Error).message)
      .to.contain('401 Unauthorized')
      .and.contain('kubeconfig');
    expect(await sim.cluster('business').hosts.ops().serviceState('10.0.0.2', 'kubelet')).to.equal('active');
  });

  it("writes the token into the kubeconfig user it gives client-node, so the project's own clients get in", async () => {
    const kc = sim.kubeConfig('business');
    expect(kc.getCurrentUser()?.token).to.equal(sim.token);
    const headers = new Headers((await kc.applyToFetchOptions({})).headers as Record<string, string>);
    expect(headers.get('authorization')).to.equal(`Bearer ${sim.token}`);
  });
});

describe('a simulator started with a given token and extra Host names (the proving ground)', function () {
  this.timeout(30_000);

  it('serves with the token it was given and answers to the names it was told', async () => {
    const token = 'a-token-handed-to-the-agents-0123456789';
    const sim = await Simulator.start({
      topology,
      params: DEFAULT_PARAMS,
      clock: new VirtualClock(),
      seed: 1,
      serve: true,
      token,
      allowedHosts: ['gateway.test'],
    });
    try {
      await sim.settle();
      expect(sim.token).to.equal(token);
      const url = sim.cluster('business').server!.url;
      const port = new URL(url).port;
      const headers = { authorization: `Bearer ${token}` };
      expect(
        (await send(url, '/api/v1/nodes', { headers: { ...headers, host: `gateway.test:${port}` } })).status,
      ).to.equal(200);
      expect(
        (await send(url, '/api/v1/nodes', { headers: { ...headers, host: `other.test:${port}` } })).status,
      ).to.equal(403);
    } finally {
      await sim.close();
    }
  });

  it('refuses a token too short to keep anyone out', async () => {
    const err = await Simulator.start({
      topology,
      params: DEFAULT_PARAMS,
      clock: new VirtualClock(),
      seed: 1,
      serve: true,
      token: 'short',
    }).then(
      (s) => s.close().then(() => undefined),
      (e: unknown) => e,
    );
    expect((err as Error).message).to.contain('16 to 4096');
  });
});
