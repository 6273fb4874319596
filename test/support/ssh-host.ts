import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { docker } from './docker.js';

/**
 * A real sshd in a container, for what only a real ssh and sudo can show: BatchMode, host keys, `sudo -n`.
 * The image is Debian's own packages (debootstrap minbase: openssh-server and sudo), made once per machine
 * and cached as a rootfs tarball, since nothing can be pulled. Two users log in with a test key: `ops` has
 * passwordless sudo, `pw` has sudo with a password (as many hardened hosts do).
 */
const PACKAGES = ['openssh-server', 'sudo'];
const SETUP = `set -e
useradd -m -s /bin/bash ops
useradd -m -s /bin/bash pw
echo 'pw:not-typed-by-gameday' | chpasswd
echo 'ops ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/ops
echo 'pw ALL=(ALL) ALL' > /etc/sudoers.d/pw
chmod 0440 /etc/sudoers.d/ops /etc/sudoers.d/pw
mkdir -p /etc/ssh/authorized_keys
printf 'AuthorizedKeysFile /etc/ssh/authorized_keys/%%u\\nPasswordAuthentication no\\nKbdInteractiveAuthentication no\\nUseDNS no\\n' > /etc/ssh/sshd_config.d/test.conf
rm -f /etc/ssh/ssh_host_*
rm -rf /var/cache/apt/archives/*.deb /var/lib/apt/lists/* /usr/share/doc /usr/share/man /usr/share/locale
`;

function mirror(): string {
  for (const f of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    let text = '';
    try {
      text = readFileSync(f, 'utf8').replace(/^#.*$/gm, '');
    } catch {
      continue;
    }
    const m = /^URIs:\s*(\S+)/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s/m.exec(text);
    if (m && !/security/.test(m[1]!)) return m[1]!;
  }
  return 'http://deb.debian.org/debian';
}

/** Why there can be no ssh host image here, or undefined. */
export function missingForSshHost(): string | undefined {
  if (!existsSync('/usr/bin/ssh')) return 'ssh (apt-get install openssh-client)';
  if (!existsSync('/usr/bin/ssh-keygen')) return 'ssh-keygen';
  return undefined;
}

async function run(file: string, args: string[], timeout = 900_000): Promise<void> {
  const r = await execa(file, args, { reject: false, timeout });
  if (r.exitCode !== 0) throw new Error(`${file} ${args.join(' ')}: ${(r.stderr || r.stdout).trim().slice(-500)}`);
}

/** The image, built (about a minute, as root) or imported from the cache; undefined with the reason when it cannot be. */
export async function sshHostImage(): Promise<{ tag: string } | { missing: string }> {
  const hash = createHash('sha256').update(JSON.stringify({ PACKAGES, SETUP })).digest('hex').slice(0, 12);
  const tag = `gameday-test-sshd:${hash}`;
  if ((await execa('docker', ['image', 'inspect', tag], { reject: false })).exitCode === 0) return { tag };
  const cache = join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'gameday', 'test-sshd');
  const tarball = join(cache, `rootfs-${hash}.tar`);
  if (!existsSync(tarball)) {
    if (!existsSync('/usr/sbin/debootstrap')) return { missing: 'debootstrap (apt-get install debootstrap)' };
    if (process.getuid?.() !== 0) return { missing: 'root, to build the sshd image with debootstrap' };
    const work = mkdtempSync(join(tmpdir(), 'gameday-sshd-rootfs-'));
    try {
      const root = join(work, 'rootfs');
      await run('debootstrap', ['--variant=minbase', `--include=${PACKAGES.join(',')}`, 'bookworm', root, mirror()]);
      await run('chroot', [root, '/bin/sh', '-c', SETUP]);
      mkdirSync(cache, { recursive: true });
      await run('tar', ['--numeric-owner', '-C', root, '-cf', `${tarball}.partial`, '.']);
      renameSync(`${tarball}.partial`, tarball);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  await docker('import', tarball, tag);
  return { tag };
}

export interface SshHost {
  container: string;
  port: number;
  /** The client key both users accept. */
  key: string;
  /** A known_hosts file holding the host's key. */
  knownHosts: string;
  /** A known_hosts file that does not know the host. */
  emptyKnownHosts: string;
  exec(...cmd: string[]): Promise<{ exitCode: number | undefined; stdout: string }>;
  remove(): Promise<void>;
}

/** Start sshd in a container of its own, published on a loopback port only. */
export async function startSshHost(tag: string): Promise<SshHost> {
  const dir = mkdtempSync(join(tmpdir(), 'gameday-ssh-'));
  const container = `gameday-test-sshd-${randomBytes(3).toString('hex')}`;
  const key = join(dir, 'id_ed25519');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'gameday-test', '-f', key]);
  const pub = readFileSync(`${key}.pub`, 'utf8');
  await docker(
    'run',
    '-d',
    '--name',
    container,
    '-p',
    '127.0.0.1::22',
    tag,
    '/bin/sh',
    '-c',
    'ssh-keygen -A && mkdir -p /run/sshd && exec /usr/sbin/sshd -D -e',
  );
  const exec = async (...cmd: string[]) => {
    const r = await execa('docker', ['exec', container, ...cmd], { reject: false });
    return { exitCode: r.exitCode, stdout: r.stdout };
  };
  const remove = async (): Promise<void> => {
    await execa('docker', ['rm', '-f', container], { reject: false });
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const user of ['ops', 'pw']) {
      await execa('docker', ['exec', '-i', container, 'sh', '-c', `cat > /etc/ssh/authorized_keys/${user}`], {
        input: pub,
      });
    }
    const port = Number((await docker('port', container, '22/tcp')).split(':').pop());
    const knownHosts = join(dir, 'known_hosts');
    let scanned = '';
    for (let i = 0; i < 50 && !scanned; i++) {
      const r = await execa('ssh-keyscan', ['-p', String(port), '127.0.0.1'], { reject: false });
      scanned = r.stdout.trim();
      if (!scanned) await new Promise((res) => setTimeout(res, 200));
    }
    if (!scanned) throw new Error('sshd in the test container never answered ssh-keyscan');
    writeFileSync(knownHosts, `${scanned}\n`);
    const emptyKnownHosts = join(dir, 'known_hosts.empty');
    writeFileSync(emptyKnownHosts, '');
    return { container, port, key, knownHosts, emptyKnownHosts, exec, remove };
  } catch (err) {
    await remove();
    throw err;
  }
}
