import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { ensureImage } from '../../src/proving-ground/image.js';
import { docker, privateNetwork } from './docker.js';

/**
 * A real sshd in a container, for what only a real ssh and sudo can show: BatchMode, host keys, `sudo -n`.
 * It runs the proving ground's host image (Debian's own packages: openssh-server, sudo), which CI makes or
 * imports from its cache anyway, with two users added as it starts: `ops` has passwordless sudo, `pw` has
 * sudo with a password (as many hardened hosts do).
 */
const USERS = `set -e
for u in ops pw; do useradd -m -s /bin/bash $u; done
echo 'pw:not-typed-by-gameday' | chpasswd
echo 'ops ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/ops
echo 'pw ALL=(ALL) ALL' > /etc/sudoers.d/pw
chmod 0440 /etc/sudoers.d/ops /etc/sudoers.d/pw
mkdir -p /etc/ssh/authorized_keys /run/sshd
ssh-keygen -A
exec /usr/sbin/sshd -D -e`;

/** Why there can be no ssh host here, or undefined. */
export function missingForSshHost(): string | undefined {
  if (!existsSync('/usr/bin/ssh')) return 'ssh (apt-get install openssh-client)';
  if (!existsSync('/usr/bin/ssh-keygen')) return 'ssh-keygen';
  return undefined;
}

async function run(file: string, args: string[], timeout = 900_000): Promise<void> {
  const r = await execa(file, args, { reject: false, timeout });
  if (r.exitCode !== 0) throw new Error(`${file} ${args.join(' ')}: ${(r.stderr || r.stdout).trim().slice(-500)}`);
}

/** The image: the proving ground's host image (present, imported from its cache, or built as root), or why not. */
export async function sshHostImage(): Promise<{ tag: string } | { missing: string }> {
  try {
    return { tag: (await ensureImage(() => undefined)).tag };
  } catch (err) {
    return { missing: `the proving ground's host image: ${(err as Error).message.split('\n')[0] ?? ''}` };
  }
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
  // A bridge of its own: the engine's default one may be gone (another dockerd deleted docker0).
  const net = await privateNetwork(`${container}-net`);
  await docker(
    'run',
    '-d',
    '--name',
    container,
    '--network',
    net.name,
    '-p',
    '127.0.0.1::22',
    tag,
    '/bin/sh',
    '-c',
    USERS,
  );
  const exec = async (...cmd: string[]) => {
    const r = await execa('docker', ['exec', container, ...cmd], { reject: false });
    return { exitCode: r.exitCode, stdout: r.stdout };
  };
  const remove = async (): Promise<void> => {
    await execa('docker', ['rm', '-f', container], { reject: false });
    await execa('docker', ['network', 'rm', net.name], { reject: false });
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
