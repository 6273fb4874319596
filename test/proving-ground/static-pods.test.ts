import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiserverManifest, etcdManifest } from '../../src/proving-ground/kubeadm-manifests.js';
import { parseManifest, readManifests } from '../../src/proving-ground/host/manifests.js';
import { askInit, type PodContainer } from '../../src/proving-ground/host/protocol.js';
import { ServiceManager } from '../../src/proving-ground/host/service-manager.js';
import { BACKOFF_INITIAL_MS, StaticPodSync, type PodRuntime } from '../../src/proving-ground/host/static-pods.js';

const CPS = [
  { name: 'pg-control-plane', ip: '10.1.0.11' },
  { name: 'pg-control-plane2', ip: '10.1.0.12' },
];

function pod(name: string, command: string[]): string {
  return `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: kube-system\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n    - name: ${name}\n      image: example/${name}:1\n      command:\n${command.map((c) => `        - ${c}\n`).join('')}`;
}

function alive(pid: number | undefined): boolean {
  try {
    return pid !== undefined && (process.kill(pid, 0), true);
  } catch {
    return false;
  }
}

describe('proving-ground host: static pods from the manifest directory', function () {
  this.timeout(20_000);
  let dir: string;
  let manifests: string;
  let manager: ServiceManager;
  let runtime: PodRuntime;
  let now = Date.now();
  let sync: StaticPodSync;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gameday-pods-'));
    manifests = join(dir, 'manifests');
    const socket = join(dir, 'init.sock');
    manager = new ServiceManager({ socket, units: [], stopTimeoutMs: 1000 });
    await manager.boot();
    runtime = {
      list: async () => ((await askInit({ op: 'pods' }, socket)) as { pods: PodContainer[] }).pods,
      start: async (req) =>
        (
          (await askInit(
            { op: 'pod-start', ...req, log: join(dir, 'logs', `${req.pod}-${req.attempt}.log`) },
            socket,
          )) as { id: string }
        ).id,
      stop: async (id, graceMs) => void (await askInit({ op: 'pod-stop', id, graceMs }, socket)),
      remove: async (id) => void (await askInit({ op: 'pod-remove', id }, socket)),
    };
    now = Date.now();
    sync = new StaticPodSync('n1', '10.1.0.21', runtime, () => now);
    writeFileSync(join(dir, 'x'), '');
  });

  afterEach(async () => {
    await manager.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  const running = async (name: string) =>
    (await runtime.list()).filter((c) => c.pod === `${name}-n1` && c.state === 'running');

  it("reads kubeadm's etcd manifest: its command line, data and certificate directories", () => {
    const m = parseManifest('etcd.yaml', etcdManifest(CPS[0]!, CPS));
    if (typeof m === 'string') throw new Error(m);
    expect(m.name).to.equal('etcd');
    expect(m.namespace).to.equal('kube-system');
    expect(m.argv[0]).to.equal('etcd');
    expect(m.argv).to.include(
      '--initial-cluster=pg-control-plane=https://10.1.0.11:2380,pg-control-plane2=https://10.1.0.12:2380',
    );
    expect(m.argv).to.include('--listen-client-urls=https://127.0.0.1:2379,https://10.1.0.11:2379');
    expect(m.createDirs).to.deep.equal(['/etc/kubernetes/pki/etcd', '/var/lib/etcd']);
  });

  it('starts a pod when its manifest appears, replaces it when the manifest changes and stops it when it goes', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(manifests);
    writeFileSync(join(manifests, 'web.yaml'), pod('web', ['sleep', '1000']));
    const [r1] = await sync.sync(readManifests(manifests).pods);
    expect(r1).to.include({ name: 'web', state: 'running', restarts: 0 });
    const [first] = await running('web');
    expect(alive(first?.pid)).to.equal(true);

    writeFileSync(join(manifests, 'web.yaml'), pod('web', ['sleep', '999']));
    // The kubelet stops the old version first, and starts the new one on its next pass.
    const [replacing] = await sync.sync(readManifests(manifests).pods);
    expect(replacing?.state).to.equal('waiting');
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(first?.pid)).to.equal(false);
    await sync.sync(readManifests(manifests).pods);
    const [second] = await running('web');
    expect(second?.command).to.deep.equal(['sleep', '999']);

    rmSync(join(manifests, 'web.yaml'));
    expect(await sync.sync(readManifests(manifests).pods)).to.deep.equal([]);
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(second?.pid)).to.equal(false);
    expect(await running('web')).to.deep.equal([]);
  });

  it('restarts a crashed container only after the back-off, counting restarts', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(manifests);
    writeFileSync(join(manifests, 'crash.yaml'), pod('crash', ['sh', '-c', 'exit 1']));
    await sync.sync(readManifests(manifests).pods);
    await new Promise((r) => setTimeout(r, 300));
    const [waiting] = await sync.sync(readManifests(manifests).pods);
    expect(waiting).to.include({ state: 'exited', restarts: 1 });
    now = Date.now() + BACKOFF_INITIAL_MS - 1000;
    expect((await sync.sync(readManifests(manifests).pods))[0]).to.include({ state: 'exited' });
    now = Date.now() + BACKOFF_INITIAL_MS + 1;
    const [again] = await sync.sync(readManifests(manifests).pods);
    expect(again).to.include({ state: 'running', restarts: 1 });
    const all = (await runtime.list()).filter((c) => c.pod === 'crash-n1');
    expect(all.map((c) => c.attempt)).to.deep.equal([1]);
  });

  it('reports kube-apiserver as simulated (no binary here) with its --etcd-servers seen from outside the host', async () => {
    const { mkdirSync } = await import('node:fs');
    mkdirSync(manifests);
    writeFileSync(join(manifests, 'kube-apiserver.yaml'), apiserverManifest({ name: 'n1', ip: '10.1.0.21' }));
    const [r] = await sync.sync(readManifests(manifests).pods);
    expect(r).to.deep.include({ name: 'kube-apiserver', state: 'simulated', etcdServers: ['https://10.1.0.21:2379'] });
    expect(await runtime.list()).to.deep.equal([]);
  });
});
