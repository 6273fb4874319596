import { commandFor, unitFor, type CommandName, type LabCluster, type LabProfile } from './profile.js';

const SHOWN: [CommandName, string][] = [
  ['serviceStop', 'stop kubelet / runtime'],
  ['powerOff', 'power off'],
  ['powerOn', 'power on'],
  ['networkDisconnect', 'network cut'],
  ['freeze', 'freeze'],
  ['manifestOut', 'static pod down'],
  ['diskPressure', 'fill disk'],
];

function sshLine(c: LabCluster): string {
  const s = c.nodes.ssh;
  return [
    'ssh',
    ...(s.jumpHost ? ['-J', s.jumpHost] : []),
    ...(s.key ? ['-i', s.key] : []),
    ...(s.port !== undefined ? ['-p', String(s.port)] : []),
    ...(s.options ?? []),
    `${s.user}@<host>`,
    ...(s.sudo === false ? [] : ['sudo']),
  ].join(' ');
}

/**
 * A summary of what a lab run may do, for the CLI to show (and ask about) before a destructive drill: which
 * contexts, which hosts over which ssh, the exact command each kind of fault runs, and what the etcd
 * procedures change. Placeholders are left in for the per-node parts.
 */
export function describeDestruction(profile: LabProfile, clusters?: readonly string[]): string {
  const lines: string[] = [];
  const chosen = profile.clusters.filter((c) => !clusters || clusters.includes(c.name));
  lines.push(
    `Lab ${profile.name ? `"${profile.name}" ` : ''}(${profile.file ?? 'profile'}): drills may change ${chosen.length === 1 ? 'this cluster' : `these ${chosen.length} clusters`} for real.`,
  );
  for (const c of chosen) {
    const hosts = Object.keys(c.nodes.hosts ?? {});
    lines.push(``);
    lines.push(`Cluster "${c.name}", kubeconfig context "${c.context}"${c.kubeconfig ? ` in ${c.kubeconfig}` : ''}`);
    lines.push(
      `  hosts: ${hosts.length ? hosts.join(', ') : 'each node by its name'}, reached as: ${sshLine(c)} <command>`,
    );
    for (const [name, label] of SHOWN) {
      const t = commandFor(profile, c, name);
      if (typeof t === 'object' && 'unsupported' in t) {
        lines.push(`  ${`${label}:`.padEnd(24)}not possible here (${t.unsupported}): drills that need it are refused`);
        continue;
      }
      const where = t === undefined ? '' : typeof t === 'string' ? ' (over ssh)' : ' (on this machine)';
      let line = t === undefined ? undefined : typeof t === 'string' ? t : t.local;
      if (line && name === 'serviceStop') line = line.replace(/\{unit\}/g, unitFor(profile, c, 'kubelet'));
      lines.push(
        `  ${`${label}:`.padEnd(24)}${line ? `${line}${where}` : 'not configured: drills that need it fail before changing anything'}`,
      );
    }
    if (c.etcd) {
      lines.push(
        `  etcd: ${c.etcd.nodes.length} members on ${c.etcd.nodes.join(', ')}; a snapshot is saved under /var/lib/gameday before member changes; ` +
          `data directories (${c.etcd.dataDir ?? '/var/lib/etcd'}) are moved aside, never deleted; a restore edits kube-apiserver's --etcd-servers on ` +
          `${(c.etcd.apiserverNodes ?? c.etcd.nodes).join(', ')} (a copy is kept in /etc/kubernetes).`,
      );
    } else {
      lines.push('  etcd: not configured (etcd drills are refused).');
    }
  }
  return lines.join('\n');
}
