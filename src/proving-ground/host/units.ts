import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';

/** A systemd unit as far as the proving ground's hosts need one. */
export interface UnitSpec {
  name: string;
  description: string;
  command: string[];
  /** systemd's Restart=: always, on-failure or no. */
  restart: 'always' | 'on-failure' | 'no';
  restartSec: number;
  log: string;
  /** ExecStartPre: runs before every start; a throw fails the start. */
  before?: () => void;
}

/** Where the kubelet agent is mounted (read-only, from the machine running gameday). */
export const AGENT = '/opt/gameday/host/agent.js';

/**
 * The units of a kubeadm host, as their Debian and kubeadm unit files set them up: sshd (ssh.service:
 * Restart=on-failure), containerd (Restart=always, RestartSec=5) and kubelet (kubeadm's kubelet.service:
 * Restart=always, RestartSec=1). The kubelet is gameday's agent (agent.ts).
 */
export function hostUnits(node: string): UnitSpec[] {
  return [
    {
      name: 'ssh',
      description: 'OpenBSD Secure Shell server',
      command: ['/usr/sbin/sshd', '-D', '-e'],
      restart: 'on-failure',
      restartSec: 0.1,
      log: '/var/log/sshd.log',
      before: () => {
        mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
        // Each host gets its own key at first boot, kept across power cycles like a disk's.
        const key = '/etc/ssh/ssh_host_ed25519_key';
        if (!existsSync(key))
          execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `root@${node}`, '-f', key]);
      },
    },
    {
      name: 'containerd',
      description: 'containerd container runtime',
      command: ['/usr/bin/containerd'],
      restart: 'always',
      restartSec: 5,
      log: '/var/log/containerd.log',
    },
    {
      name: 'kubelet',
      description: 'kubelet: The Kubernetes Node Agent',
      command: [process.execPath, AGENT],
      restart: 'always',
      restartSec: 1,
      log: '/var/log/kubelet.log',
    },
  ];
}

/** systemctl accepts a few other names for the same units. */
export const ALIASES: Record<string, string> = { sshd: 'ssh', 'ssh.socket': 'ssh' };
