import { KubeConfig } from '@kubernetes/client-node';
import { expect } from 'chai';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RealClock } from '../../src/engine/clock.js';
import { createKube } from '../../src/kube/client.js';
import { ActionLog } from '../../src/targets/target.js';

describe('an informer whose first list failed', () => {
  it('is replaced by a fresh one when asked for again, so a later asker can still watch', async () => {
    // An API that does not answer: every request is cut off.
    const server = createServer((req) => req.socket.destroy());
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [
        { name: 'c', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true },
      ],
      users: [{ name: 'u' }],
      contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
      currentContext: 'c',
    });
    const clock = new RealClock();
    const kube = createKube({ cluster: 'c', config: kc, clock, actions: new ActionLog(), dryRun: false });
    try {
      const first = kube.informer('nodes');
      let failed = false;
      await first.ready().catch(() => (failed = true));
      expect(failed).to.equal(true);
      const again = kube.informer('nodes');
      expect(again).not.to.equal(first);
      // One still listing (or working) is shared, as before.
      expect(kube.informer('nodes')).to.equal(again);
      await again.ready().catch(() => undefined);
    } finally {
      kube.close();
      clock.close();
      await new Promise((r) => server.close(r));
    }
  });
});
