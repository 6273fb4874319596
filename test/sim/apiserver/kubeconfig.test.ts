import { expect } from 'chai';
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
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
          { cluster: 'control', url: 'http://127.0.0.1:6443', token: 'token-of-this-start-0123' },
          { cluster: 'business', url: 'http://127.0.0.1:6444', token: 'token-of-this-start-0123' },
        ],
        'business',
      );
      const kc = new KubeConfig();
      kc.loadFromString(await readFile(path, 'utf8'));
      expect(kc.getContexts().map((c) => c.name)).to.deep.equal(['control', 'business']);
      expect(kc.getCurrentContext()).to.equal('business');
      expect(kc.getCurrentCluster()?.server).to.equal('http://127.0.0.1:6444');
      expect(kc.getCluster('control')?.skipTLSVerify).to.equal(true);
      expect(kc.getCurrentUser()?.token).to.equal('token-of-this-start-0123');
      expect((await stat(path)).mode & 0o777).to.equal(0o600);
      expect((await stat(join(dir, 'nested'))).mode & 0o777).to.equal(0o700);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('replaces a world-readable kubeconfig with a private one: the token is never in a 0644 file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gameday-kubeconfig-'));
    try {
      const path = join(dir, 'config');
      await writeFile(path, 'old', { mode: 0o644 });
      await chmod(path, 0o644);
      await writeKubeconfig(path, [{ cluster: 'paas', url: 'http://127.0.0.1:7000', token: 'y'.repeat(16) }]);
      expect((await stat(path)).mode & 0o777).to.equal(0o600);
      expect(await readFile(path, 'utf8')).to.contain('y'.repeat(16));
      expect(await readdir(dir)).to.deep.equal(['config']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('makes the first cluster current when none is named', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gameday-kubeconfig-'));
    try {
      const path = join(dir, 'config');
      await writeKubeconfig(path, [{ cluster: 'paas', url: 'http://127.0.0.1:7000', token: 'x'.repeat(16) }]);
      const kc = new KubeConfig();
      kc.loadFromFile(path);
      expect(kc.getCurrentContext()).to.equal('paas');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
