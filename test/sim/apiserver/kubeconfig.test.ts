import { expect } from 'chai';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { writeKubeconfig } from '../../../src/sim/apiserver/kubeconfig.js';

describe('writeKubeconfig', () => {
  it('writes one context per cluster, named after it, readable by client-node, private to the user', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gameday-kubeconfig-'));
    try {
      const path = join(dir, 'nested', 'config');
      await writeKubeconfig(
        path,
        [
          { cluster: 'control', url: 'http://127.0.0.1:6443' },
          { cluster: 'business', url: 'http://127.0.0.1:6444' },
        ],
        'business',
      );
      const kc = new KubeConfig();
      kc.loadFromString(await readFile(path, 'utf8'));
      expect(kc.getContexts().map((c) => c.name)).to.deep.equal(['control', 'business']);
      expect(kc.getCurrentContext()).to.equal('business');
      expect(kc.getCurrentCluster()?.server).to.equal('http://127.0.0.1:6444');
      expect(kc.getCluster('control')?.skipTLSVerify).to.equal(true);
      expect((await stat(path)).mode & 0o777).to.equal(0o600);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('makes the first cluster current when none is named', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gameday-kubeconfig-'));
    try {
      const path = join(dir, 'config');
      await writeKubeconfig(path, [{ cluster: 'paas', url: 'http://127.0.0.1:7000' }]);
      const kc = new KubeConfig();
      kc.loadFromFile(path);
      expect(kc.getCurrentContext()).to.equal('paas');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
