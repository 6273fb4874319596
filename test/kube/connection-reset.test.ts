import { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RealClock } from '../../src/engine/clock.js';
import { createKube } from '../../src/kube/client.js';
import { ActionLog } from '../../src/targets/target.js';

/** An API that cuts off the first request of each method as a restarted apiserver does a reused connection. */
async function flakyApi(): Promise<{ url: string; seen: string[]; close: () => Promise<void> }> {
  const seen: string[] = [];
  const cut = new Set<string>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(`${req.method} ${req.url}`);
    if (!cut.has(req.method ?? '')) {
      cut.add(req.method ?? '');
      req.socket.destroy();
      return;
    }
    res.setHeader('Content-Type', 'application/json');
    if (req.url === '/api/v1') {
      // Discovery, which client-node asks before its first call on a kind.
      res.end(
        JSON.stringify({
          kind: 'APIResourceList',
          groupVersion: 'v1',
          resources: [
            { name: 'nodes', namespaced: false, kind: 'Node', verbs: ['get', 'list'] },
            { name: 'configmaps', namespaced: true, kind: 'ConfigMap', verbs: ['create'] },
          ],
        }),
      );
    } else if (req.method === 'GET') {
      res.end(
        JSON.stringify({
          kind: 'NodeList',
          apiVersion: 'v1',
          metadata: { resourceVersion: '7' },
          items: [{ metadata: { name: 'n1' } }],
        }),
      );
    } else {
      res.statusCode = 201;
      res.end(JSON.stringify({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'x', namespace: 'd' } }));
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('the API client after a connection the server cut off', () => {
  it('sends a read once more, and never a write (it may have landed)', async () => {
    const api = await flakyApi();
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: api.url, skipTLSVerify: true }],
      users: [{ name: 'u' }],
      contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
      currentContext: 'c',
    });
    const clock = new RealClock();
    const kube = createKube({ cluster: 'c', config: kc, clock, actions: new ActionLog(), dryRun: false });
    try {
      const nodes = await kube.list('nodes');
      expect(nodes.items.map((n) => n.metadata.name)).to.deep.equal(['n1']);
      let refused: unknown;
      await kube
        .create('configmaps', { metadata: { name: 'x', namespace: 'd' }, data: {} })
        .catch((err: unknown) => (refused = err));
      expect(String(refused)).to.match(/socket hang up|ECONNRESET/);
      expect(api.seen).to.deep.equal([
        'GET /api/v1',
        'GET /api/v1',
        'GET /api/v1/nodes',
        'POST /api/v1/namespaces/d/configmaps',
      ]);
    } finally {
      kube.close();
      clock.close();
      await api.close();
    }
  });
});
