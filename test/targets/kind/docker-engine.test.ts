import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
  chmodSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { execa } from 'execa';
import { createKindTarget, type KindTarget } from '../../../src/targets/kind/kind-target.js';
import { ActionLog } from '../../../src/targets/target.js';

/**
 * The kind target's container-level command lines (docker exec/stop/start/pause/unpause, network
 * disconnect/connect, docker cp) against a real Docker engine, on two stand-in node containers started with
 * testcontainers from a local FROM-scratch image (see node-image/). Skips, saying what is missing, when
 * there is no engine (start one with `bash .ci/start-docker.sh`), no busybox-static or no etcd.
 */
const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, '../../..');
/** Unique per run: other worktrees run this test on the same engine at the same time. */
const CLUSTER = `gdtest${process.pid}`;
const NETWORK = `gameday-test-${process.pid}`;
const CP = `${CLUSTER}-control-plane`;
const W = `${CLUSTER}-worker`;
const IMAGE = `gameday-test-kind-node-${process.pid}:local`;

async function dockerAnswers(): Promise<boolean> {
  const r = await execa('docker', ['version', '--format', '{{.Server.Version}}'], { reject: false, timeout: 15_000 });
  return r.exitCode === 0;
}

/** Set when this test started the engine: it then stops it afterwards. */
let startedEnginePidFile: string | undefined;

/** Use the engine DOCKER_HOST points at, else start the private one .ci/start-docker.sh manages. */
async function findEngine(): Promise<string | undefined> {
  if (process.env['DOCKER_HOST'] && (await dockerAnswers())) return undefined;
  if (!existsSync('/usr/sbin/dockerd') && !existsSync('/usr/bin/dockerd')) {
    return 'no Docker engine is reachable and dockerd is not installed (run: bash .ci/start-docker.sh)';
  }
  const r = await execa('bash', [join(REPO, '.ci/start-docker.sh')], {
    reject: false,
    timeout: 120_000,
    env: { GAMEDAY_DOCKER_INSTALL_TIMEOUT: '1' },
  });
  const host = /export DOCKER_HOST=(\S+)/.exec(r.stdout)?.[1];
  if (!host) return `could not start a Docker engine: ${r.stderr.trim().split('\n').pop() ?? ''}`;
  if (r.stderr.includes('answers on'))
    startedEnginePidFile = join(dirname(host.replace(/^unix:\/\//, '')), 'docker.pid');
  process.env['DOCKER_HOST'] = host;
  return (await dockerAnswers()) ? undefined : `the Docker engine at ${host} does not answer`;
}

function lastLine(text: string): string {
  return (
    text
      .trim()
      .split('\n')
      .filter((l) => l.trim())
      .pop() ?? 'no message'
  );
}

function copy(from: string, to: string): void {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
}

async function buildContext(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'gameday-kind-node-'));
  const root = join(dir, 'rootfs');
  copy(join(HERE, 'node-image/Dockerfile'), join(dir, 'Dockerfile'));
  copy(join(HERE, 'node-image/gameday-init'), join(root, 'gameday-init'));
  for (const s of ['systemctl', 'crictl', 'ctr']) {
    copy(join(HERE, 'node-image/rootfs-scripts', s), join(root, 'usr/local/bin', s));
    chmodSync(join(root, 'usr/local/bin', s), 0o755);
  }
  copy('/bin/busybox', join(root, 'bin/busybox'));
  copy('/usr/bin/etcd', join(root, 'usr/bin/etcd'));
  copy('/usr/bin/etcdctl', join(root, 'usr/bin/etcdctl'));
  copy('/lib/x86_64-linux-gnu/libc.so.6', join(root, 'lib/x86_64-linux-gnu/libc.so.6'));
  copy('/lib64/ld-linux-x86-64.so.2', join(root, 'lib64/ld-linux-x86-64.so.2'));
  mkdirSync(join(root, 'tmp'), { recursive: true });
  mkdirSync(join(root, 'etc/kubernetes/manifests'), { recursive: true });
  // kubeadm's etcd certificate layout, made here: etcdctl must talk TLS as it does on kind.
  const pki = join(root, 'etc/kubernetes/pki/etcd');
  mkdirSync(pki, { recursive: true });
  const ssl = (args: string[]) => execa('openssl', args, { cwd: pki });
  await ssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=gameday-test-etcd-ca',
  ]);
  await ssl([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
    '-subj',
    '/CN=etcd',
  ]);
  writeFileSync(join(pki, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n');
  await ssl([
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.crt',
    '-days',
    '2',
    '-extfile',
    'ext.cnf',
  ]);
  return dir;
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

  before(async function () {
    const missing = [
      !existsSync('/bin/busybox') ? 'busybox-static (/bin/busybox; apt-get install busybox-static)' : '',
      !existsSync('/usr/bin/etcd') || !existsSync('/usr/bin/etcdctl')
        ? 'etcd and etcdctl (/usr/bin; apt-get install etcd-server etcd-client)'
        : '',
    ].filter(Boolean);
    const engine = missing.length ? undefined : await findEngine();
    if (missing.length || engine) {
      console.log(`      (skipped: ${engine ?? `missing ${missing.join(', ')}`})`);
      this.skip();
    }
    process.env['TESTCONTAINERS_RYUK_DISABLED'] = 'true';
    const { GenericContainer, Wait } = await import('testcontainers');
    // The nodes need a bridge network of their own: an engine that cannot make one (no default bridge, no
    // netlink rights in a sandbox) is said so, and the test skips instead of failing on a cryptic build.
    const bridge = await execa('docker', ['network', 'inspect', 'bridge'], { reject: false });
    if (bridge.exitCode !== 0) {
      // testcontainers finds how to reach containers through the default bridge.
      console.log(
        `      (skipped: the Docker engine has no default bridge network (dockerd --bridge=none?), which testcontainers needs: ${lastLine(bridge.stderr)}; start an engine with one: bash .ci/start-docker.sh)`,
      );
      this.skip();
    }
    const net = await execa('docker', ['network', 'create', '--driver', 'bridge', NETWORK], { reject: false });
    if (net.exitCode !== 0) {
      console.log(`      (skipped: the Docker engine cannot create a bridge network: ${lastLine(net.stderr)})`);
      this.skip();
    }
    cleanups.push(() => execa('docker', ['network', 'rm', NETWORK], { reject: false }));
    // Built without a network (its one RUN needs none), so that a missing default bridge does not matter,
    // and with docker's own words when it fails.
    const dir = await buildContext();
    const built = await execa('docker', ['build', '--network', 'none', '-t', IMAGE, dir], { reject: false });
    cleanups.push(() => execa('docker', ['image', 'rm', '-f', IMAGE], { reject: false }));
    rmSync(dir, { recursive: true, force: true });
    if (built.exitCode !== 0) throw new Error(`docker build of the node image failed: ${lastLine(built.stderr)}`);
    for (const [name, role] of [
      [CP, 'control-plane'],
      [W, 'worker'],
    ] as const) {
      // Leftovers of an interrupted run would clash on the name.
      await execa('docker', ['rm', '-f', name], { reject: false });
      let c = new GenericContainer(IMAGE)
        .withName(name)
        .withLabels({ 'io.x-k8s.kind.cluster': CLUSTER, 'io.x-k8s.kind.role': role })
        .withEnvironment({ NODE_NAME: name })
        .withNetworkMode(NETWORK)
        .withPullPolicy({ shouldPull: () => false })
        .withWaitStrategy(Wait.forLogMessage('gameday-node ready'));
      if (role === 'control-plane')
        c = c.withCopyContentToContainer([{ content: 'kind: Pod\n', target: '/etc/kubernetes/manifests/etcd.yaml' }]);
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
      network: NETWORK,
      actions,
      snapshotDir: mkdtempSync(join(tmpdir(), 'gameday-snaps-')),
      commandTimeoutMs: 30_000,
    });
  });

  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    if (startedEnginePidFile && existsSync(startedEnginePidFile)) {
      process.kill(Number(readFileSync(startedEnginePidFile, 'utf8').trim()), 'SIGTERM');
    }
  });

  it('finds the node containers by their kind labels, with their roles and their shared network', () => {
    expect(target.nodeList.map(({ name, role }) => ({ name, role }))).to.deep.equal([
      { name: CP, role: 'control-plane' },
      { name: W, role: 'worker' },
    ]);
    const [cp, w] = target.nodeList;
    expect(cp!.networks).to.have.length(1);
    expect(w!.networks).to.deep.equal(cp!.networks);
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

  it('powers a node off with docker stop and on with docker start', async () => {
    const ops = target.nodes(CLUSTER);
    await ops.power(W, 'off');
    expect((await inspect(W)).running).to.equal(false);
    expect(await ops.serviceState(W, 'kubelet')).to.equal('unknown');
    await ops.power(W, 'on');
    expect((await inspect(W)).running).to.equal(true);
  });

  it('fills the disk ballast with fallocate and removes it', async () => {
    const ops = target.nodes(CLUSTER);
    await ops.pressure(W, 'disk', '1Mi');
    expect((await onNode(W, 'stat', '-c', '%s', '/var/lib/gameday-ballast')).stdout.trim()).to.equal('1048576');
    await ops.relieve(W, 'disk');
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
