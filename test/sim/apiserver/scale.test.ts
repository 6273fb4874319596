import { expect } from 'chai';
import { request } from 'node:http';
import { pod, startFixture, type Fixture } from './fixture.js';

/** Read a whole response as bytes, counting chunks: a streamed list arrives in many. */
function get(url: string, token: string): Promise<{ status: number; body: Buffer; chunks: number }> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { Authorization: `Bearer ${token}` } }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts), chunks: parts.length }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

describe('simulated apiserver: scale', function () {
  this.timeout(180_000);
  let f: Fixture;
  const PODS = 150_000;
  const NODES = 1_400;

  before(async () => {
    f = await startFixture({ seed: false });
    f.store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
    for (let i = 0; i < PODS; i++) f.store.create('pods', pod(`p-${i}`, `node-${i % NODES}`, { app: `app-${i % 50}` }));
  });

  after(async () => {
    await f.close();
  });

  it('lists 150,000 pods, streaming the response', async () => {
    const res = await get(`${f.url}/api/v1/pods`, f.token);
    expect(res.status).to.equal(200);
    expect(res.chunks).to.be.greaterThan(10);
    const list = JSON.parse(res.body.toString('utf8')) as { kind: string; items: { metadata: { name: string } }[] };
    expect(list.kind).to.equal('PodList');
    expect(list.items).to.have.length(PODS);
  });

  it('lists the pods of one node from the node index', async () => {
    const res = await get(`${f.url}/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-7`, f.token);
    const list = JSON.parse(res.body.toString('utf8')) as { items: { spec: { nodeName: string } }[] };
    expect(list.items.length).to.equal(Math.ceil((PODS - 7) / NODES));
    expect(list.items.every((p) => p.spec.nodeName === 'node-7')).to.equal(true);
  });

  it('feeds 50 selective watchers while the store holds 150,000 pods', async () => {
    const rv = f.store.resourceVersion;
    const got = Array.from({ length: 50 }, () => [] as string[]);
    const streams = got.map((lines, i) => {
      let buf = '';
      const req = request(
        `${f.url}/api/v1/pods?watch=true&resourceVersion=${rv}&labelSelector=app%3Dapp-${i}`,
        { headers: { Authorization: `Bearer ${f.token}` } },
        (res) => {
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            buf += c;
            let n: number;
            while ((n = buf.indexOf('\n')) >= 0) {
              lines.push(
                (JSON.parse(buf.slice(0, n)) as { object: { metadata: { name: string } } }).object.metadata.name,
              );
              buf = buf.slice(n + 1);
            }
          });
        },
      );
      req.end();
      return req;
    });
    await new Promise((r) => setTimeout(r, 200));
    for (let i = 0; i < 500; i++) {
      f.store.mutate('pods', 'default', `p-${i}`, (p) => {
        p.status = { ...(p.status as object), phase: 'Failed' };
      });
    }
    for (let t = 0; t < 100 && got.some((l) => l.length < 10); t++) await new Promise((r) => setTimeout(r, 50));
    for (const s of streams) s.destroy();
    got.forEach((lines, i) => expect(lines).to.deep.equal(Array.from({ length: 10 }, (_, k) => `p-${i + 50 * k}`)));
  });
});
