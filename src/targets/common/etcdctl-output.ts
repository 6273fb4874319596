import type { EtcdEndpointHealth, EtcdMember } from '../target.js';

/**
 * Parsers for etcdctl's output, in the formats the runbook reads (the plain `member list` table and the
 * `endpoint health` sentences) plus `-w json` where numbers matter.
 */

/** `etcdctl member list`: "8e9e05c52164694d, started, node1, https://10.0.0.1:2380, https://10.0.0.1:2379, false". */
export function parseMemberList(stdout: string): EtcdMember[] {
  const members: EtcdMember[] = [];
  for (const line of stdout.split('\n')) {
    const parts = line.split(',').map((s) => s.trim());
    if (parts.length < 5 || !/^[0-9a-f]+$/.test(parts[0] ?? '')) continue;
    const [id, , name, peers, clients] = parts;
    members.push({
      id: id ?? '',
      name: name ?? '',
      peerURL: (peers ?? '').split(' ')[0] ?? '',
      clientURL: (clients ?? '').split(' ')[0] ?? '',
    });
  }
  return members;
}

/**
 * `etcdctl endpoint health --cluster`: one sentence per endpoint on stdout (healthy) or stderr (unhealthy),
 * e.g. "https://10.0.0.1:2379 is healthy: successfully committed proposal: took = 2.1ms".
 */
export function parseEndpointHealth(output: string, members: readonly EtcdMember[]): EtcdEndpointHealth[] {
  const out: EtcdEndpointHealth[] = [];
  for (const raw of output.split('\n')) {
    const line = raw.replace(/^\{.*?\}\s*/, '').trim();
    const m = /^(\S+) is (healthy|unhealthy): (.*)$/.exec(line);
    if (!m) continue;
    const endpoint = m[1] ?? '';
    out.push({
      endpoint,
      member: members.find((x) => sameEndpoint(x.clientURL, endpoint))?.name ?? endpoint,
      healthy: m[2] === 'healthy',
      message: line,
    });
  }
  // `--cluster` asks the members' client URLs, and a member added but not started has none yet: it is not
  // healthy. Counted as healthy by its absence, a grow added the next member before this one ran, and etcd
  // refused that add ("unhealthy cluster").
  for (const m of members) {
    if (m.clientURL) continue;
    out.push({
      endpoint: m.peerURL,
      member: m.name || m.peerURL,
      healthy: false,
      message: `member ${m.name || m.id} (${m.peerURL}) has not started: no client URL yet`,
    });
  }
  return out;
}

function sameEndpoint(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

/**
 * `etcdctl member add`: "Member 2be1eb8f84b7f63e added to cluster ef37ad9dc622a7c4" and ETCD_INITIAL_CLUSTER="...".
 * etcdctl prints the IDs with %16x: an ID with a leading zero nibble comes space-padded ("Member  a9f3...").
 */
export function parseMemberAdd(stdout: string): { id?: string; initialCluster?: string } {
  const id = /Member\s+([0-9a-f]+)\s+added to cluster/.exec(stdout)?.[1];
  const initialCluster = /ETCD_INITIAL_CLUSTER="([^"]*)"/.exec(stdout)?.[1];
  return { ...(id ? { id } : {}), ...(initialCluster !== undefined ? { initialCluster } : {}) };
}

/** `etcdctl put -w json`: {"header":{"cluster_id":...,"revision":12,...}}. */
export function parsePutRevision(stdout: string): number | undefined {
  const m = /"revision":\s*(\d+)/.exec(stdout);
  return m ? Number(m[1]) : undefined;
}

/** `etcdctl get --prefix -w json`: keys and values are base64. */
export function parseGetJson(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!stdout.trim()) return out;
  // Member and cluster ids are 64-bit: quote them before JSON.parse loses their digits.
  const parsed = JSON.parse(stdout.replace(/"(cluster_id|member_id)":\s*(\d+)/g, '"$1":"$2"')) as {
    kvs?: { key: string; value?: string }[];
  };
  for (const kv of parsed.kvs ?? []) {
    out.set(Buffer.from(kv.key, 'base64').toString('utf8'), Buffer.from(kv.value ?? '', 'base64').toString('utf8'));
  }
  return out;
}

/** `etcdctl snapshot status -w json`: {"hash":...,"revision":12,"totalKey":40,"totalSize":...}. */
export function parseSnapshotStatus(stdout: string): { revision: number; keys: number } | undefined {
  const rev = /"revision":\s*(\d+)/.exec(stdout);
  const keys = /"totalKey":\s*(\d+)/.exec(stdout);
  if (!rev || !keys) return undefined;
  return { revision: Number(rev[1]), keys: Number(keys[1]) };
}
