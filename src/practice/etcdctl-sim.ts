import { errorMessage } from '../errors.js';
import type { EtcdMember, EtcdOps, EtcdSnapshot } from '../targets/target.js';
import { stableHex } from './host-output.js';

export interface CommandResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Snapshots the trainee saved, by the path they typed, so that a later `snapshot restore` finds them. */
export type SnapshotBook = Record<string, EtcdSnapshot>;

/** Flags that take a value (`--flag value` or `--flag=value`); everything else is a switch. */
const VALUE_FLAGS = new Set([
  'endpoints',
  'cacert',
  'cert',
  'key',
  'write-out',
  'w',
  'dial-timeout',
  'command-timeout',
  'keepalive-time',
  'keepalive-timeout',
  'user',
  'password',
  'peer-urls',
  'name',
  'initial-cluster',
  'initial-cluster-token',
  'initial-advertise-peer-urls',
  'data-dir',
  'wal-dir',
  'discovery-srv',
]);

export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string | true>;
}

/** etcdctl's flags: `--x=v`, `--x v`, `-w table`; TLS and timeout flags are accepted and ignored. */
export function parseFlags(args: string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const m = /^--?([A-Za-z][\w-]*)(?:=(.*))?$/.exec(a);
    if (!m) {
      positional.push(a);
      continue;
    }
    const name = m[1]!;
    if (m[2] !== undefined) flags.set(name, m[2]);
    else if (VALUE_FLAGS.has(name) && i + 1 < args.length) flags.set(name, args[++i]!);
    else flags.set(name, true);
  }
  return { positional, flags };
}

/** The cluster ID etcdctl prints: stable for a membership so that messages agree with each other. */
function clusterId(members: EtcdMember[]): string {
  return stableHex(
    [...members]
      .map((m) => m.id)
      .sort()
      .join(','),
    16,
  );
}

const ok = (stdout: string): CommandResult => ({ stdout, stderr: '', exitCode: 0 });
const fail = (stderr: string, exitCode = 1): CommandResult => ({
  stdout: '',
  stderr: stderr.endsWith('\n') ? stderr : stderr + '\n',
  exitCode,
});

const USAGE =
  'etcdctl: simulated sub-commands: member list|add|remove, endpoint health [--cluster], snapshot save|restore|status';

/**
 * etcdctl (API v3) on a master, acting through EtcdOps. Prints what etcdctl 3.4/3.5 prints for the runbook's
 * commands; `node` is the master the shell runs on (its member is the default endpoint, as 127.0.0.1:2379).
 */
export async function etcdctl(args: string[], etcd: EtcdOps, node: string, book: SnapshotBook): Promise<CommandResult> {
  const { positional, flags } = parseFlags(args);
  const [group, verb, ...rest] = positional;
  const table = flags.get('write-out') === 'table' || flags.get('w') === 'table';
  const json = flags.get('write-out') === 'json' || flags.get('w') === 'json';
  try {
    if (group === 'member' && verb === 'list') {
      const members = await etcd.members();
      if (json)
        return ok(
          JSON.stringify({ header: { cluster_id: clusterId(members) }, members: members.map(memberJson) }) + '\n',
        );
      const rows = members.map((m) => [m.id, 'started', m.name, m.peerURL, m.clientURL, 'false']);
      if (table) return ok(boxTable(['ID', 'STATUS', 'NAME', 'PEER ADDRS', 'CLIENT ADDRS', 'IS LEARNER'], rows));
      return ok(rows.map((r) => r.join(', ')).join('\n') + (rows.length ? '\n' : ''));
    }
    if (group === 'member' && verb === 'remove') {
      const id = rest[0];
      if (!id) return fail('Error: member ID is not provided');
      const members = await etcd.members();
      const m = members.find((x) => x.id === id.toLowerCase());
      if (!m) return fail(`Error: etcdserver: member not found`);
      await etcd.memberRemove(m.name);
      return ok(`Member ${m.id} removed from cluster ${clusterId(members)}\n`);
    }
    if (group === 'member' && verb === 'add') {
      const name = rest[0];
      if (!name) return fail('Error: member name not provided');
      const peer = flags.get('peer-urls');
      if (typeof peer !== 'string') return fail('Error: member peer urls not provided');
      const host = hostOf(peer);
      const before = await etcd.members();
      const added = await etcd.memberAdd(name, host);
      const all = [...before.filter((m) => m.name !== added.name), added];
      const lines = [
        `Member ${added.id} added to cluster ${clusterId(before)}`,
        '',
        `ETCD_NAME="${added.name}"`,
        `ETCD_INITIAL_CLUSTER="${all.map((m) => `${m.name}=${m.peerURL}`).join(',')}"`,
        `ETCD_INITIAL_ADVERTISE_PEER_URLS="${added.peerURL}"`,
        'ETCD_INITIAL_CLUSTER_STATE="existing"',
      ];
      return ok(lines.join('\n') + '\n');
    }
    if (group === 'endpoint' && verb === 'health') {
      const all = await etcd.health();
      const members = await etcd.members();
      let chosen = all;
      if (flags.get('cluster') !== true) {
        const endpoints = typeof flags.get('endpoints') === 'string' ? String(flags.get('endpoints')).split(',') : [];
        const hosts = endpoints.map(hostOf).filter((h): h is string => Boolean(h));
        const wanted = hosts.length > 0 && !hosts.every((h) => h === '127.0.0.1' || h === 'localhost') ? hosts : [node];
        const names = new Set(
          members
            .filter((m) => wanted.includes(m.node ?? '') || wanted.includes(hostOf(m.clientURL) ?? ''))
            .map((m) => m.name),
        );
        chosen = all.filter((h) => names.has(h.member));
        if (chosen.length === 0) {
          const ep = endpoints[0] ?? '127.0.0.1:2379';
          return fail(
            `${ep} is unhealthy: failed to commit proposal: context deadline exceeded\nError: unhealthy cluster`,
          );
        }
      }
      const good = chosen.filter((h) => h.healthy).map((h) => h.message);
      const bad = chosen.filter((h) => !h.healthy).map((h) => h.message);
      if (bad.length > 0)
        return {
          stdout: good.map((l) => l + '\n').join(''),
          stderr: bad.map((l) => l + '\n').join('') + 'Error: unhealthy cluster\n',
          exitCode: 1,
        };
      return ok(good.map((l) => l + '\n').join(''));
    }
    if (group === 'snapshot' && verb === 'save') {
      const file = rest[0];
      if (!file) return fail('Error: snapshot save expects one argument');
      const label =
        (file.split('/').pop() ?? 'snapshot').replace(/\.db$/, '').replace(/[^A-Za-z0-9._-]/g, '-') || 'snapshot';
      const snap = await etcd.snapshotSave(label);
      book[file] = snap;
      return ok(`Snapshot saved at ${file}\n`);
    }
    if (group === 'snapshot' && (verb === 'restore' || verb === 'status')) {
      const file = rest[0];
      if (!file) return fail(`Error: snapshot ${verb} expects one argument`);
      const snap = findSnapshot(book, file);
      if (!snap) return fail(`Error: stat ${file}: no such file or directory`);
      if (verb === 'status') {
        const row = [
          stableHex(snap.path, 8),
          String(snap.revision),
          String(snap.keys),
          `${(snap.keys * 0.9).toFixed(1)} kB`,
        ];
        if (table) return ok(boxTable(['HASH', 'REVISION', 'TOTAL KEYS', 'TOTAL SIZE'], [row]));
        return ok(row.join(', ') + '\n');
      }
      const members = await etcd.members();
      const named = flags.get('name');
      const member =
        members.find((m) => m.name === named) ??
        members.find((m) => m.node === node) ??
        (typeof named === 'string' ? undefined : members[0]);
      if (!member)
        return fail(
          `Error: --name ${String(named)} is not an etcd member of this cluster (members: ${members.map((m) => m.name).join(', ')})`,
        );
      await etcd.restoreSingle(member.name, snap);
      const dataDir = typeof flags.get('data-dir') === 'string' ? String(flags.get('data-dir')) : `${member.name}.etcd`;
      return ok(
        `restored snapshot ${file} (revision ${snap.revision}, ${snap.keys} keys) into ${dataDir} as a new single-member cluster "${member.name}"\n` +
          `(simulated: the other members' data directories were moved aside and the member started)\n`,
      );
    }
    if (group === 'version' || flags.get('version') === true) return ok('etcdctl version: 3.5.16\nAPI version: 3.5\n');
    return fail(`Error: unknown command "${[group, verb].filter(Boolean).join(' ')}" for "etcdctl"\n${USAGE}`);
  } catch (err) {
    return fail(`Error: ${errorMessage(err)}`);
  }
}

function findSnapshot(book: SnapshotBook, file: string): EtcdSnapshot | undefined {
  const base = file.split('/').pop();
  return book[file] ?? Object.entries(book).find(([k]) => k.split('/').pop() === base)?.[1];
}

function memberJson(m: EtcdMember): Record<string, unknown> {
  return { ID: m.id, name: m.name, peerURLs: [m.peerURL], clientURLs: [m.clientURL] };
}

/** The host of "https://10.128.38.4:2380" or "10.128.38.4:2379". */
export function hostOf(url: string): string | undefined {
  const m = /^(?:[a-z]+:\/\/)?\[?([^\]/:]+)\]?(?::\d+)?/.exec(url.split(',')[0]!.trim());
  return m?.[1];
}

/** etcdctl's `-w table` box. */
function boxTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const rule = '+' + widths.map((w) => '-'.repeat(w + 2)).join('+') + '+';
  const line = (cells: string[], center: boolean): string =>
    '|' + cells.map((c, i) => ` ${center ? centre(c, widths[i]!) : c.padStart(widths[i]!)} `).join('|') + '|';
  return [rule, line(header, true), rule, ...rows.map((r) => line(r, false)), rule].join('\n') + '\n';
}

function centre(text: string, width: number): string {
  const left = Math.floor((width - text.length) / 2);
  return ' '.repeat(left) + text + ' '.repeat(width - text.length - left);
}
