import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { expect } from 'chai';
import { execa } from 'execa';
import { createKindTarget, type KindTarget } from '../../../src/targets/kind/kind-target.js';
import { ActionLog } from '../../../src/targets/target.js';
import { findEngine, releaseEngine } from '../../support/docker.js';
import { etcdCa, missingForNodes, nodeImage, nodePki } from './standin-cluster.js';

/**
 * The kind target's container-level command lines (docker exec/stop/start/pause/unpause, network
 * disconnect/connect, docker cp) against a real Docker engine, on two stand-in node containers started with
 * testcontainers from the stand-in node image (standin-cluster.ts). Skips, saying what is missing, when
 * there is no engine (start one with `bash .ci/start-docker.sh`), no busybox-static, etcd or openssl.
 */
// Per run: other worktrees' runs use the same engine at the same time.
const CLUSTER = `gdtest-${randomBytes(3).toString('hex')}`;
const CP = `${CLUSTER}-control-plane`;
const W = `${CLUSTER}-worker`;

/** kubeadm's etcd certificate layout for a one-member etcd on 127.0.0.1, as the stand-in cluster makes it. */
async function pki(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'gameday-kind-pki-'));
  await etcdCa(join(dir, 'ca'));
  await nodePki(join(dir, 'ca'), join(dir, 'node'), 'etcd', '127.0.0.1');
  return join(dir, 'node');
}

/** A one-member etcd manifest: client TLS on 127.0.0.1, the peer port plain (nothing else joins). */
function etcdManifest(node: string): string {
  const flags = [
    `--name=${node}`,
    '--data-dir=/var/lib/etcd',
    '--listen-client-urls=https://127.0.0.1:2379',
    '--advertise-client-urls=https://127.0.0.1:2379',
    '--listen-peer-urls=http://127.0.0.1:2380',
    '--initial-advertise-peer-urls=http://127.0.0.1:2380',
    `--initial-cluster=${node}=http://127.0.0.1:2380`,
    '--cert-file=/etc/kubernetes/pki/etcd/server.crt',
    '--key-file=/etc/kubernetes/pki/etcd/server.key',
    '--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt',
  ];
  return `apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - command:\n    - etcd\n${flags.map((f) => `    - ${f}`).join('\n')}\n    image: registry.k8s.io/etcd:3.6.5-0\n`;
}

describe('kind target on a real Docker engine', function () {
  this.timeout(180_000);
  let target: KindTarget;
  let actions: ActionLog;
  const cleanups: (() => Promise<unknown>)[] = [];

  async function inspect(
    name: string,
  ): Promise<{ running: boolean; paused: boolean; networks: Record<string, { IPAddress: string }> }> {
    const r = await execa('docker', ['inspect', name]);
    const [c] = JSON.parse(r.stdout) as {
      State: { Running: boolean; Paused: boolean };
      NetworkSettings: { Networks: Record<string, { IPAddress: string }> };
    }[];
    return { running: c!.State.Running, paused: c!.State.Paused, networks: c!.NetworkSettings.Networks };
  }

  async function onNode(node: string, ...cmd: string[]): Promise<{ exitCode: number | undefined; stdout: string }> {
    const r = await execa('docker', ['exec', node, ...cmd], { reject: false });
    return { exitCode: r.exitCode, stdout: r.stdout };
  }

  let networkName = '';

  before(async function () {
    const missing = missingForNodes();
    const engine = missing.length ? undefined : await findEngine();
    if (missing.length || engine) {
      console.log(`      (skipped: ${engine ?? `missing ${missing.join(', ')}`})`);
      this.skip();
    }
    process.env['TESTCONTAINERS_RYUK_DISABLED'] = 'true';
    const { GenericContainer, Network, Wait } = await import('testcontainers');
    const image = await nodeImage();
    const certs = await pki();
    const network = await new Network().start();
    networkName = network.getName();
    cleanups.push(() => network.stop());
    for (const [name, role] of [
      [CP, 'control-plane'],
      [W, 'worker'],
    ] as const) {
      // Leftovers of an interrupted run would clash on the name.
      await execa('docker', ['rm', '-f', name], { reject: false });
      let c = new GenericContainer(image)
        .withName(name)
        .withLabels({ 'io.x-k8s.kind.cluster': CLUSTER, 'io.x-k8s.kind.role': role })
        .withEnvironment({ NODE_NAME: name })
        .withNetwork(network)
        .withPullPolicy({ shouldPull: () => false })
        .withWaitStrategy(Wait.forLogMessage('gameday-node ready'));
      if (role === 'control-plane')
        c = c
          .withCopyContentToContainer([{ content: etcdManifest(name), target: '/etc/kubernetes/manifests/etcd.yaml' }])
          .withCopyFilesToContainer(
            ['ca.crt', 'server.crt', 'server.key'].map((f) => ({
              source: join(certs, f),
              target: `/etc/kubernetes/pki/etcd/${f}`,
            })),
          );
      const started = await c.start();
      cleanups.push(() => started.stop({ remove: true, timeout: 1_000 }));
    }
    const kubeconfig = join(mkdtempSync(join(tmpdir(), 'gameday-kc-')), 'config');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: x}}]\ncontexts: [{name: kind-${CLUSTER}, context: {cluster: c, user: u}}]\ncurrent-context: kind-${CLUSTER}\n`,
    );
    actions = new ActionLog();
    target = await createKindTarget({
      name: CLUSTER,
      kubeconfig,
      network: network.getName(),
      actions,
      snapshotDir: mkdtempSync(join(tmpdir(), 'gameday-snaps-')),
      commandTimeoutMs: 30_000,
    });
  });

  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    releaseEngine();
  });

  it('finds the node containers by their kind labels, with their roles and their shared network', () => {
    expect(target.nodeList).to.deep.equal([
      { name: CP, role: 'control-plane', networks: [networkName] },
      { name: W, role: 'worker', networks: [networkName] },
    ]);
  });

  it('stops and starts kubelet with docker exec systemctl, and reads it back with is-active', async () => {
    const ops = target.nodes(CLUSTER);
    await ops.service(W, 'kubelet', 'stop');
    expect(await ops.serviceState(W, 'kubelet')).to.equal('inactive');
    await ops.service(W, 'kubelet', 'start');
    expect(await ops.serviceState(W, 'kubelet')).to.equal('active');
    expect(actions.entries.filter((a) => a.text.includes('systemctl')).map((a) => a.text)).to.deep.equal([
      `docker exec ${W} systemctl stop kubelet`,
      `docker exec ${W} systemctl is-active kubelet`,
      `docker exec ${W} systemctl start kubelet`,
      `docker exec ${W} systemctl is-active kubelet`,
    ]);
  });

  it('freezes a node with docker pause, where docker exec cannot reach it, and thaws it', async () => {
    const ops = target.nodes(CLUSTER);
    await ops.freeze(W, 'pause');
    expect((await inspect(W)).paused).to.equal(true);
    expect(await ops.serviceState(W, 'kubelet')).to.equal('unknown');
    await ops.freeze(W, 'unpause');
    expect((await inspect(W)).paused).to.equal(false);
    expect(await ops.serviceState(W, 'kubelet')).to.equal('active');
  });

  it('cuts a node off its network and connects it back', async () => {
    const ops = target.nodes(CLUSTER);
    const net = Object.keys((await inspect(W)).networks)[0]!;
    await ops.network(W, 'disconnect');
    expect(Object.keys((await inspect(W)).networks)).to.not.include(net);
    await ops.network(W, 'connect');
    expect(Object.keys((await inspect(W)).networks)).to.include(net);
  });

  it('powers a node off with docker kill (a crash) and on with docker start', async () => {
    const ops = target.nodes(CLUSTER);
    await ops.power(W, 'off');
    expect((await inspect(W)).running).to.equal(false);
    expect(await ops.serviceState(W, 'kubelet')).to.equal('unknown');
    await ops.power(W, 'on');
    expect((await inspect(W)).running).to.equal(true);
  });

  it('refuses disk pressure: kind turns disk-based eviction off', async () => {
    const err = await target
      .nodes(CLUSTER)
      .pressure(W, 'disk', '1Mi')
      .catch((e: unknown) => e);
    expect((err as Error).message).to.match(/turns disk-based eviction off/);
    expect((await onNode(W, 'test', '-e', '/var/lib/gameday-ballast')).exitCode).to.equal(1);
  });

  it('runs etcdctl inside the etcd "container" over TLS: write, read, snapshot, stop and start a member', async () => {
    const etcd = target.etcd(CLUSTER);
    const clock = target.clock;
    const until = async (what: string, check: () => Promise<boolean>) => {
      const deadline = clock.now() + 30_000;
      while (!(await check())) {
        if (clock.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await clock.sleep(200);
      }
    };
    await until('etcd to answer', async () => (await etcd.health().catch(() => [])).some((h) => h.healthy));
    const members = await etcd.members();
    expect(members.map((m) => [m.name, m.node, m.clientURL])).to.deep.equal([[CP, CP, 'https://127.0.0.1:2379']]);
    const w = await etcd.write('docker/k', 'v1');
    expect(w.ok).to.equal(true);
    expect([...(await etcd.read('docker/'))]).to.deep.equal([['docker/k', 'v1']]);

    const snap = await etcd.snapshotSave('docker-test');
    expect(statSync(snap.path).size).to.be.greaterThan(0);
    // Every object of the cluster, Secrets included: the user's alone.
    expect(statSync(snap.path).mode & 0o777).to.equal(0o600);
    expect(statSync(dirname(snap.path)).mode & 0o777).to.equal(0o700);
    expect(snap.revision).to.be.at.least(w.ok ? w.revision : 1);
    expect(snap.keys).to.be.greaterThan(0);

    await etcd.stopMember(CP, 'stop');
    await until('etcd to stop', async () => (await etcd.running()).length === 0);
    expect((await onNode(CP, 'test', '-f', '/etc/kubernetes/etcd.yaml')).exitCode).to.equal(0);
    const down = await etcd.health();
    expect(down.map((h) => h.healthy)).to.deep.equal([false]);
    await etcd.startMember(CP);
    await until('etcd to start', async () => (await etcd.running()).includes(CP));
    await until('etcd to answer again', async () => (await etcd.health().catch(() => [])).some((h) => h.healthy));
    expect([...(await etcd.read('docker/'))]).to.deep.equal([['docker/k', 'v1']]);
    expect(readFileSync(snap.path).length).to.equal(statSync(snap.path).size);
  });
});
