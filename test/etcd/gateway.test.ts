import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EtcdGateway, EtcdGatewayError } from '../../src/etcd/gateway.js';

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

describe('EtcdGateway', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
    }
  });

  it('starts the next request at the next member when the first one of the list hangs', async () => {
    // A frozen member: it accepts the connection and never answers.
    const hung = createServer(() => undefined);
    const answered: string[] = [];
    const live = createServer((req, res) => {
      answered.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ header: { revision: '7' } }));
    });
    servers.push(hung, live);
    const endpoints = [await listen(hung), await listen(live)];
    const gateway = new EtcdGateway(() => endpoints, 300);

    const first = await gateway.txn([{ put: '/k', value: 'v' }]).catch((e: unknown) => e);
    expect(first).to.be.instanceOf(EtcdGatewayError);
    expect((first as EtcdGatewayError).message).to.contain('no answer in time');
    expect(answered).to.deep.equal([]);
    expect(await gateway.txn([{ put: '/k', value: 'v' }])).to.equal(7);
    expect(answered).to.deep.equal(['/v3/kv/txn']);
  });
});
