import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { InfrastructureError, InvalidInputError } from '../../../src/errors.js';
import { CONTROL_PATH, dispatchRemoteOps, remoteOps } from '../../../src/sim/serve/remote-ops.js';
import { FakeEtcdOps, FakeNodeOps } from '../../practice/fake-ops.js';

describe("remote ops (the client of a running simulator's control endpoint)", () => {
  let server: Server;
  let url: string;
  const nodes = new FakeNodeOps();
  const etcd = new FakeEtcdOps();
  const seen: { path: string; body: unknown; authorization?: string | undefined }[] = [];

  before(async () => {
    server = createServer((req, res) => {
      let data = '';
      req.on('data', (c: Buffer) => (data += c.toString()));
      req.on('end', () => {
        const body: unknown = data ? JSON.parse(data) : undefined;
        seen.push({ path: req.url ?? '', body, authorization: req.headers.authorization });
        if (req.url === '/garbage' + CONTROL_PATH) {
          res.writeHead(200, { 'content-type': 'text/plain' }).end('<html>');
          return;
        }
        void dispatchRemoteOps(body, { nodes, etcd }).then(({ status, body: out }) => {
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(out));
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('posts each NodeOps call as {target, method, args} to /gameday/v1/ops', async () => {
    const ops = remoteOps(url + '/');
    await ops.nodes.service('10.128.38.8', 'kubelet', 'stop');
    expect(seen.at(-1)).to.deep.equal({
      path: CONTROL_PATH,
      body: { target: 'nodes', method: 'service', args: ['10.128.38.8', 'kubelet', 'stop'] },
      authorization: undefined,
    });
    expect(nodes.calls.at(-1)).to.deep.equal(['service', '10.128.38.8', 'kubelet', 'stop']);
    expect(await ops.nodes.serviceState('10.128.38.8', 'kubelet')).to.equal('inactive');
  });

  it("sends the simulator's bearer token with every call when it has one", async () => {
    await remoteOps(url, { token: 'the-token-of-this-start' }).nodes.power('10.128.38.8', 'on');
    expect(seen.at(-1)?.authorization).to.equal('Bearer the-token-of-this-start');
  });

  it('returns results of EtcdOps calls, including a snapshot passed back for a restore', async () => {
    const ops = remoteOps(url);
    const members = await ops.etcd.members();
    expect(members.map((m) => m.name)).to.deep.equal(['etcd-10.128.38.1', 'etcd-10.128.38.2', 'etcd-10.128.38.3']);
    const snap = await ops.etcd.snapshotSave('before');
    expect(snap.path).to.match(/before-\d+\.db$/);
    await ops.etcd.restoreSingle('etcd-10.128.38.1', snap);
    expect(etcd.calls.at(-1)).to.deep.equal(['restoreSingle', 'etcd-10.128.38.1', snap.path]);
    const added = await ops.etcd.memberAdd('etcd-new', '10.128.38.4');
    expect(added.peerURL).to.equal('https://10.128.38.4:2380');
  });

  it('turns a Map result sent as entries back into a Map', async () => {
    const read = await remoteOps(url).etcd.read('/registry/');
    expect(read).to.be.instanceOf(Map);
    expect(read.get('/registry/a')).to.equal('1');
  });

  it("reports a 4xx answer as the caller's mistake, with the simulator's message", async () => {
    const err = await remoteOps(url)
      .nodes.service('10.0.0.99', 'kubelet', 'start')
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InvalidInputError);
    expect((err as Error).message).to.equal('nodes.service: No node named "10.0.0.99".');
  });

  it('refuses unknown methods on the server side with 400', async () => {
    expect(await dispatchRemoteOps({ target: 'nodes', method: 'explode', args: [] }, { nodes, etcd })).to.deep.equal({
      status: 400,
      body: { error: 'unknown nodes method "explode"' },
    });
    expect((await dispatchRemoteOps({ target: 'cluster' }, { nodes, etcd })).status).to.equal(400);
  });

  it('says the endpoint cannot be reached, naming it, when nothing listens', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await remoteOps(`http://127.0.0.1:${port}`)
      .etcd.health()
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InfrastructureError);
    expect((err as Error).message)
      .to.contain(`http://127.0.0.1:${port}/gameday/v1/ops`)
      .and.contain('gameday sim up');
  });

  it('refuses an answer that is not JSON', async () => {
    const err = await remoteOps(url + '/garbage')
      .etcd.running()
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(InfrastructureError);
    expect((err as Error).message).to.contain('not JSON');
  });
});
