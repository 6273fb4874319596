import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { InfrastructureError } from '../errors.js';
import { docker, sh } from './exec.js';

/**
 * What a host of the proving ground is made of: Debian bookworm from its own packages, nothing pulled.
 * sshd, etcd 3.4 (server and etcdctl), openssl, containerd (runs unprivileged here and answers on its
 * socket), Node.js 18 for init and the kubelet agent (mounted read-only from this machine, so the image
 * does not change when they do), tini as PID 1 (reaps orphans), sudo for the lab profile's user.
 */
export const HOST_PACKAGES = [
  'openssh-server',
  'etcd-server',
  'etcd-client',
  'openssl',
  'containerd',
  'iproute2',
  'procps',
  'nodejs',
  'tini',
  'sudo',
] as const;

export const SUITE = 'bookworm';
/** The lab profile's ssh user: passwordless sudo, keys from /etc/ssh/authorized_keys/<user>. */
export const SSH_USER = 'gameday';

/** Run in the new root after debootstrap: the user, sshd's settings, and what an image need not carry. */
export const SETUP_SCRIPT = `set -e
useradd -m -u 1000 -s /bin/bash ${SSH_USER}
echo '${SSH_USER} ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/${SSH_USER}
chmod 0440 /etc/sudoers.d/${SSH_USER}
mkdir -p /etc/ssh/authorized_keys /etc/kubernetes/manifests /etc/kubernetes/pki/etcd /etc/gameday /opt/gameday/host /var/lib/kubelet
printf 'AuthorizedKeysFile /etc/ssh/authorized_keys/%%u .ssh/authorized_keys\\nPasswordAuthentication no\\nKbdInteractiveAuthentication no\\nPermitRootLogin prohibit-password\\nUseDNS no\\n' > /etc/ssh/sshd_config.d/gameday.conf
rm -f /etc/ssh/ssh_host_*
rm -rf /var/lib/etcd /var/cache/apt/archives/*.deb /var/lib/apt/lists/* /usr/share/doc /usr/share/man /usr/share/locale /usr/share/info
: > /etc/machine-id
`;

/** Bumped when the way the image is made changes in a way the inputs below do not show. */
const RECIPE_VERSION = 1;

/** The image's tag: a hash of everything that goes into it, so a changed recipe builds a new one. */
export function imageTag(): string {
  const h = createHash('sha256')
    .update(JSON.stringify({ RECIPE_VERSION, SUITE, HOST_PACKAGES, SETUP_SCRIPT }))
    .digest('hex')
    .slice(0, 12);
  return `gameday-proving-ground:${h}`;
}

/** `${XDG_CACHE_HOME:-~/.cache}/gameday/proving-ground`, or GAMEDAY_PROVING_GROUND_CACHE. */
export function cacheDir(): string {
  return (
    process.env['GAMEDAY_PROVING_GROUND_CACHE'] ??
    join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'gameday', 'proving-ground')
  );
}

/** The Debian mirror apt already uses here (deb822 or one-line sources), so that nothing else is reached. */
export function debianMirror(): string {
  const env = process.env['GAMEDAY_DEBIAN_MIRROR'];
  if (env) return env;
  const files = ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list'];
  for (const f of files) {
    let text = '';
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    const deb822 = /^URIs:\s*(\S+)/m.exec(text.replace(/^#.*$/gm, ''));
    if (deb822 && !/security/.test(deb822[1]!)) return deb822[1]!;
    const line = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+\S+\s/m.exec(text);
    if (line && !/security/.test(line[1]!)) return line[1]!;
  }
  return 'http://deb.debian.org/debian';
}

export interface ImageResult {
  tag: string;
  /** built: debootstrap ran; imported: from the cached rootfs tarball; present: the engine had it. */
  how: 'built' | 'imported' | 'present';
  ms: number;
}

async function imageExists(tag: string): Promise<boolean> {
  const r = await docker(['image', 'inspect', '--format', '{{.Id}}', tag], { allowFailure: true });
  return r.exitCode === 0;
}

/**
 * The host image in the Docker engine: already there, imported from the cached rootfs tarball, or built
 * with debootstrap (as root) and cached for the next time.
 */
export async function ensureImage(progress: (line: string) => void): Promise<ImageResult> {
  const started = Date.now();
  const tag = imageTag();
  if (await imageExists(tag)) return { tag, how: 'present', ms: Date.now() - started };
  const dir = cacheDir();
  const tarball = join(dir, `rootfs-${tag.split(':')[1]!}.tar`);
  let how: ImageResult['how'] = 'imported';
  if (!existsSync(tarball)) {
    how = 'built';
    await buildRootfsTarball(tarball, progress);
  }
  progress(`importing ${tarball} (${Math.round(statSync(tarball).size / 1e6)} MB) as ${tag}`);
  await docker(['import', '--message', 'gameday proving-ground host', tarball, tag], { timeoutMs: 300_000 });
  return { tag, how, ms: Date.now() - started };
}

async function buildRootfsTarball(tarball: string, progress: (line: string) => void): Promise<void> {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new InfrastructureError(
      `Building the proving ground's host image needs root (debootstrap makes device nodes and chroots). ` +
        `Run \`gameday proving-ground up\` once as root, or put a rootfs tarball at ${tarball}.`,
    );
  }
  const mirror = debianMirror();
  const work = join(tmpdir(), `gameday-rootfs-${process.pid}-${Date.now()}`);
  const root = join(work, 'rootfs');
  mkdirSync(work, { recursive: true });
  try {
    progress(`building the host image: debootstrap --variant=minbase ${SUITE} from ${mirror} (about a minute)`);
    await sh('debootstrap', ['--variant=minbase', `--include=${HOST_PACKAGES.join(',')}`, SUITE, root, mirror], {
      timeoutMs: 900_000,
    });
    await sh('chroot', [root, '/bin/sh', '-c', SETUP_SCRIPT]);
    mkdirSync(cacheDir(), { recursive: true });
    const partial = `${tarball}.partial-${process.pid}`;
    await sh('tar', ['--numeric-owner', '-C', root, '-cf', partial, '.'], { timeoutMs: 300_000 });
    renameSync(partial, tarball);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
