import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { apiserverManifest, etcdManifest } from '../common/kubeadm-manifests.js';
import { docker, privateNetwork } from '../../support/docker.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const IMAGE_DIR = join(HERE, 'node-image');
const SCRIPTS = ['systemctl', 'crictl', 'ctr', 'etcdctl', 'etcdutl'];

/** What the stand-in node image needs from this machine; empty when everything is there. */
export function missingForNodes(): string[] {
  const has = (p: string): boolean => {
    try {
      readFileSync(p, { flag: 'r' }).subarray(0, 1);
      return true;
    } catch {
      return false;
    }
  };
  return [
    has('/bin/busybox') ? '' : 'busybox-static (/bin/busybox; apt-get install busybox-static)',
    has('/usr/bin/etcd') && has('/usr/bin/etcdctl') ? '' : 'etcd and etcdctl (apt-get install etcd-server etcd-client)',
    has('/usr/bin/openssl') ? '' : 'openssl',
  ].filter(Boolean);
}

function copy(from: string, to: string, mode?: number): void {
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  if (mode !== undefined) chmodSync(to, mode);
}

/**
 * The stand-in kind node image (node-image/), built FROM scratch from this machine's binaries: busybox, etcd
 * 3.4 with etcdctl, and scripts playing systemctl, crictl, ctr and etcd 3.6's etcdctl/etcdutl. Tagged by the
 * hash of what goes in, so that an unchanged image is built once.
 */
export async function nodeImage(): Promise<string> {
  const files = ['Dockerfile', 'gameday-init', ...SCRIPTS.map((s) => `rootfs-scripts/${s}`)];
  const hash = createHash('sha256').update('openssl');
  for (const f of files) hash.update(readFileSync(join(IMAGE_DIR, f)));
  const tag = `gameday-test-kind-node:${hash.digest('hex').slice(0, 12)}`;
  const exists = await execa('docker', ['image', 'inspect', tag], { reject: false });
  if (exists.exitCode === 0) return tag;
  const dir = mkdtempSync(join(tmpdir(), 'gameday-kind-node-'));
  const root = join(dir, 'rootfs');
  copy(join(IMAGE_DIR, 'Dockerfile'), join(dir, 'Dockerfile'));
  copy(join(IMAGE_DIR, 'gameday-init'), join(root, 'gameday-init'));
  for (const s of SCRIPTS) copy(join(IMAGE_DIR, 'rootfs-scripts', s), join(root, 'usr/local/bin', s), 0o755);
  copy('/bin/busybox', join(root, 'bin/busybox'));
  copy('/usr/bin/etcd', join(root, 'usr/bin/etcd'));
  copy('/usr/bin/etcdctl', join(root, 'usr/bin/etcdctl'));
  // openssl, for the certificates a host that never ran etcd gets (the migrate drill, D4a).
  copy('/usr/bin/openssl', join(root, 'usr/bin/openssl'), 0o755);
  copy('/usr/lib/ssl/openssl.cnf', join(root, 'usr/lib/ssl/openssl.cnf'));
  for (const lib of ['libssl.so.3', 'libcrypto.so.3'])
    copy(`/lib/x86_64-linux-gnu/${lib}`, join(root, 'lib/x86_64-linux-gnu', lib));
  copy('/lib/x86_64-linux-gnu/libc.so.6', join(root, 'lib/x86_64-linux-gnu/libc.so.6'));
  copy('/lib64/ld-linux-x86-64.so.2', join(root, 'lib64/ld-linux-x86-64.so.2'));
  for (const d of ['tmp', 'etc/kubernetes/manifests', 'etc/kubernetes/pki/etcd', 'run'])
    mkdirSync(join(root, d), { recursive: true });
  try {
    // No network: nothing is fetched, and an engine whose docker0 another dockerd deleted cannot attach one.
    // --force-rm: a RUN that fails or is cut short leaves no stopped container in a shared engine.
    await docker('build', '--network', 'none', '--force-rm', '-q', '-t', tag, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return tag;
}

async function openssl(cwd: string, ...args: string[]): Promise<void> {
  const r = await execa('openssl', args, { cwd, reject: false });
  if (r.exitCode !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

/** A new P-256 key, unencrypted, as kubeadm's etcd certificates have. */
const NEW_EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** An etcd CA as kubeadm makes one (ca.crt, ca.key), in `dir`. */
export async function etcdCa(dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  await openssl(
    dir,
    'req',
    '-x509',
    ...NEW_EC_KEY,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=etcd-ca',
  );
}

/** kubeadm's etcd PKI for one node: the shared CA, and server and peer certificates naming the node. */
export async function nodePki(caDir: string, dir: string, node: string, ip: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(caDir, 'ca.crt'), join(dir, 'ca.crt'));
  copyFileSync(join(caDir, 'ca.key'), join(dir, 'ca.key'));
  writeFileSync(
    join(dir, 'ext.cnf'),
    `subjectAltName=DNS:${node},DNS:localhost,IP:${ip},IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n`,
  );
  for (const c of ['server', 'peer']) {
    await openssl(dir, 'req', ...NEW_EC_KEY, '-keyout', `${c}.key`, '-out', `${c}.csr`, '-subj', `/CN=${node}`);
    await openssl(
      dir,
      'x509',
      '-req',
      '-in',
      `${c}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${c}.crt`,
      '-days',
      '2',
      '-extfile',
      'ext.cnf',
    );
  }
  for (const f of readdirSync(dir))
    if (f.endsWith('.csr') || f === 'ext.cnf' || f.endsWith('.srl')) rmSync(join(dir, f));
}

export interface StandinNode {
  name: string;
  role: 'control-plane' | 'worker';
  ip: string;
}

export interface StandinCluster {
  name: string;
  network: string;
  nodes: StandinNode[];
  /** The control planes running etcd and kube-apiserver. */
  controlPlanes: StandinNode[];
  spares: StandinNode[];
  workers: StandinNode[];
  /** A kubeconfig with the kind-<name> context (its server is never contacted by these tests). */
  kubeconfig: string;
  dir: string;
  remove(): Promise<void>;
}

/**
 * A kind-shaped cluster of stand-in nodes on a private bridge network: containers named and labelled as
 * kind names them, a 3-member etcd with kubeadm's TLS layout and manifests on the control planes (etcd 3.6
 * tools over etcd 3.4), kube-apiserver/controller-manager/scheduler manifests beside it.
 */
export async function standinCluster(o: {
  controlPlanes?: number;
  workers?: number;
  /** Control-plane hosts that never ran etcd or kube-apiserver: no manifests, no etcd certificates. */
  spareControlPlanes?: number;
  /** Seconds each node's "systemd" takes to answer after a (re)start. */
  bootDelay?: number;
  etcdVersion?: string;
}): Promise<StandinCluster> {
  const image = await nodeImage();
  const name = `gdr${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const net = await privateNetwork(`${name}-net`);
  const created: string[] = [];
  const cps = o.controlPlanes ?? 3;
  const nodes: StandinNode[] = [];
  for (let i = 0; i < cps; i++)
    nodes.push({
      name: `${name}-control-plane${i ? i + 1 : ''}`,
      role: 'control-plane',
      ip: `${net.prefix}.${10 + i}`,
    });
  for (let i = 0; i < (o.spareControlPlanes ?? 0); i++)
    nodes.push({
      name: `${name}-control-plane${cps + i + 1}`,
      role: 'control-plane',
      ip: `${net.prefix}.${10 + cps + i}`,
    });
  const spares = new Set(nodes.slice(cps).map((n) => n.name));
  for (let i = 0; i < (o.workers ?? 1); i++)
    nodes.push({ name: `${name}-worker${i ? i + 1 : ''}`, role: 'worker', ip: '' });
  const remove = async (): Promise<void> => {
    for (const c of created) await execa('docker', ['rm', '-f', c], { reject: false });
    await execa('docker', ['network', 'rm', net.name], { reject: false });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const ca = join(dir, 'ca');
    await etcdCa(ca);
    const initialCluster = nodes
      .filter((n) => n.role === 'control-plane' && !spares.has(n.name))
      .map((n) => `${n.name}=https://${n.ip}:2380`)
      .join(',');
    for (const n of nodes) {
      // Control planes get fixed addresses (their certificates name them); workers take the next free one
      // when they start, as every kind node does, and may get another after a restart.
      await docker(
        'create',
        '--name',
        n.name,
        '--hostname',
        n.name,
        '--network',
        net.name,
        ...(n.role === 'control-plane' ? ['--ip', n.ip] : []),
        '--label',
        `io.x-k8s.kind.cluster=${name}`,
        '--label',
        `io.x-k8s.kind.role=${n.role}`,
        '-e',
        `NODE_NAME=${n.name}`,
        '-e',
        `BOOT_DELAY=${o.bootDelay ?? 0}`,
        image,
      );
      created.push(n.name);
      if (n.role === 'control-plane' && !spares.has(n.name)) {
        const root = join(dir, n.name);
        await nodePki(ca, join(root, 'etc/kubernetes/pki/etcd'), n.name, n.ip);
        const manifests = join(root, 'etc/kubernetes/manifests');
        mkdirSync(manifests, { recursive: true });
        writeFileSync(
          join(manifests, 'etcd.yaml'),
          etcdManifest({
            name: n.name,
            ip: n.ip,
            initialCluster,
            image: `registry.k8s.io/etcd:${o.etcdVersion ?? '3.6.5'}-0`,
          }),
        );
        writeFileSync(join(manifests, 'kube-apiserver.yaml'), apiserverManifest(n.ip));
        for (const c of ['kube-controller-manager', 'kube-scheduler'])
          writeFileSync(join(manifests, `${c}.yaml`), 'kind: Pod\n');
        mkdirSync(join(root, 'etc'), { recursive: true });
        writeFileSync(join(root, 'etc/gameday-etcd-version'), `${o.etcdVersion ?? '3.6.5'}\n`);
        await docker('cp', `${root}/.`, `${n.name}:/`);
      }
      await docker('start', n.name);
      if (n.role === 'worker')
        n.ip = await docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${net.name}").IPAddress}}`, n.name);
    }
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: x}}]\ncontexts: [{name: kind-${name}, context: {cluster: c, user: u}}]\ncurrent-context: kind-${name}\n`,
    );
    return {
      name,
      network: net.name,
      nodes,
      controlPlanes: nodes.filter((n) => n.role === 'control-plane' && !spares.has(n.name)),
      spares: nodes.filter((n) => spares.has(n.name)),
      workers: nodes.filter((n) => n.role === 'worker'),
      kubeconfig,
      dir,
      remove,
    };
  } catch (err) {
    await remove();
    throw err;
  }
}
