import { execa } from 'execa';
import { EtcdctlError, EtcdMissingError } from './errors.js';

export const ETCD_PACKAGES_HINT =
  'install the Debian packages etcd-server and etcd-client (apt-get install -y etcd-server etcd-client, or .ci/install-etcd.sh)';

export interface EtcdctlOptions {
  /** Client URLs passed as --endpoints. */
  endpoints?: string[];
  /** --command-timeout: how long etcdctl waits for one request. Default 5 s (etcdctl's own default). */
  commandTimeoutMs?: number;
  /** --dial-timeout. Default 2 s (etcdctl's own default). */
  dialTimeoutMs?: number;
  binary?: string;
  /** Receives every command line before it runs: the target logs them, dry-run prints them. */
  onCommand?: (line: string) => void;
}

/** Per-call overrides: a short timeout during an outage, one endpoint for a snapshot. */
export interface CallOptions {
  endpoints?: string[];
  commandTimeoutMs?: number;
  dialTimeoutMs?: number;
}

export interface MemberInfo {
  /** Hex, as etcdctl prints it (`8e9e05c52164694d`). */
  id: string;
  /** Empty for a member added but not started yet. */
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface MemberList {
  clusterId: string;
  /** The member that answered. */
  memberId: string;
  members: MemberInfo[];
}

export interface HealthLine {
  endpoint: string;
  healthy: boolean;
  /** etcdctl's line, verbatim. */
  line: string;
}

export interface HealthReport {
  /** etcdctl's exit code was 0. */
  healthy: boolean;
  lines: HealthLine[];
  /** The trailing `Error: ...` reason when unhealthy (`unhealthy cluster`, or why the member list failed). */
  error?: string;
}

export interface MemberAddResult {
  id: string;
  clusterId: string;
  name: string;
  /** ETCD_INITIAL_CLUSTER: the member list the new member must start with. */
  initialCluster: string;
  initialAdvertisePeerURLs: string;
  initialClusterState: string;
  /** Every ETCD_* variable etcdctl printed. */
  env: Record<string, string>;
}

export interface SnapshotStatus {
  hash: number;
  revision: number;
  totalKey: number;
  totalSize: number;
}

export interface RestoreOptions {
  name: string;
  initialCluster: string;
  initialClusterToken: string;
  initialAdvertisePeerURLs: string;
  dataDir: string;
  skipHashCheck?: boolean;
}

export interface KeyValue {
  key: string;
  value: string;
  modRevision: number;
}

export interface GetResult {
  revision: number;
  kvs: KeyValue[];
}

/**
 * A thin wrapper over the real `etcdctl` (API v3): it builds the command line the runbook would type, runs it
 * through execa, and parses what etcdctl prints. Failures become EtcdctlError carrying etcdctl's stderr.
 */
export class Etcdctl {
  readonly binary: string;
  private readonly endpoints: string[];
  private readonly commandTimeoutMs: number;
  private readonly dialTimeoutMs: number;
  private readonly onCommand: ((line: string) => void) | undefined;

  constructor(options: EtcdctlOptions = {}) {
    this.binary = options.binary ?? 'etcdctl';
    this.endpoints = options.endpoints ?? [];
    this.commandTimeoutMs = options.commandTimeoutMs ?? 5000;
    this.dialTimeoutMs = options.dialTimeoutMs ?? 2000;
    this.onCommand = options.onCommand;
  }

  async memberList(call: CallOptions = {}): Promise<MemberList> {
    const { stdout } = await this.run(['member', 'list', '-w', 'json'], call);
    return parseMemberList(stdout);
  }

  /**
   * `endpoint health [--cluster]`. An unhealthy cluster is an answer, not an error: etcdctl's lines are kept
   * verbatim and its non-zero exit code turns into `healthy: false`.
   */
  async endpointHealth(call: CallOptions & { cluster?: boolean } = {}): Promise<HealthReport> {
    const args = ['endpoint', 'health'];
    if (call.cluster) args.push('--cluster');
    const r = await this.run(args, call, { allowFailure: true });
    const lines = [...parseHealthLines(r.stdout), ...parseHealthLines(r.stderr)];
    const report: HealthReport = { healthy: r.exitCode === 0 && lines.every((l) => l.healthy), lines };
    if (r.exitCode !== 0) report.error = errorReason(r.stderr);
    return report;
  }

  /** `snapshot save` from exactly one endpoint (etcdctl refuses several). Returns the saved path. */
  async snapshotSave(path: string, call: CallOptions & { endpoint: string }): Promise<string> {
    const { stdout } = await this.run(['snapshot', 'save', path], { ...call, endpoints: [call.endpoint] });
    const saved = parseSnapshotSaved(stdout);
    if (saved === undefined) {
      throw new EtcdctlError(this.format(['snapshot', 'save', path], call), 0, stdout, 'no "Snapshot saved at" line');
    }
    return saved;
  }

  async snapshotStatus(path: string): Promise<SnapshotStatus> {
    const { stdout } = await this.run(['snapshot', 'status', path, '-w', 'json'], {}, { noEndpoints: true });
    const j = JSON.parse(stdout) as Partial<SnapshotStatus>;
    return { hash: j.hash ?? 0, revision: j.revision ?? 0, totalKey: j.totalKey ?? 0, totalSize: j.totalSize ?? 0 };
  }

  /** etcd 3.4's `etcdctl snapshot restore` (3.5+ moved it to etcdutl). The data dir must not exist yet. */
  async snapshotRestore(path: string, o: RestoreOptions): Promise<void> {
    const args = [
      'snapshot',
      'restore',
      path,
      `--name=${o.name}`,
      `--initial-cluster=${o.initialCluster}`,
      `--initial-cluster-token=${o.initialClusterToken}`,
      `--initial-advertise-peer-urls=${o.initialAdvertisePeerURLs}`,
      `--data-dir=${o.dataDir}`,
    ];
    if (o.skipHashCheck) args.push('--skip-hash-check');
    await this.run(args, {}, { noEndpoints: true });
  }

  async memberAdd(name: string, peerURLs: string[], call: CallOptions = {}): Promise<MemberAddResult> {
    const { stdout } = await this.run(['member', 'add', name, `--peer-urls=${peerURLs.join(',')}`], call);
    return parseMemberAdd(stdout);
  }

  /** `member remove <hex id>`. */
  async memberRemove(id: string, call: CallOptions = {}): Promise<void> {
    await this.run(['member', 'remove', id], call);
  }

  /** A put; returns the revision it was committed at. */
  async put(key: string, value: string, call: CallOptions = {}): Promise<number> {
    const { stdout } = await this.run(['put', '-w', 'json', '--', key, value], call);
    return parseHeaderRevision(stdout);
  }

  /** `get --prefix`; `serializable` answers from the member's local state, without quorum. */
  async get(key: string, call: CallOptions & { prefix?: boolean; serializable?: boolean } = {}): Promise<GetResult> {
    const args = ['get', '-w', 'json'];
    if (call.prefix) args.push('--prefix');
    if (call.serializable) args.push('--consistency=s');
    args.push('--', key);
    const { stdout } = await this.run(args, call);
    return parseGet(stdout);
  }

  /** The command line as a person would type it, for logs and dry-run. */
  format(args: string[], call: CallOptions = {}, noEndpoints = false): string {
    return ['ETCDCTL_API=3', this.binary, ...this.globalArgs(call, noEndpoints), ...args].map(shellQuote).join(' ');
  }

  private globalArgs(call: CallOptions, noEndpoints: boolean): string[] {
    if (noEndpoints) return [];
    const endpoints = call.endpoints ?? this.endpoints;
    return [
      `--endpoints=${endpoints.join(',')}`,
      `--dial-timeout=${goDuration(call.dialTimeoutMs ?? this.dialTimeoutMs)}`,
      `--command-timeout=${goDuration(call.commandTimeoutMs ?? this.commandTimeoutMs)}`,
    ];
  }

  private async run(
    args: string[],
    call: CallOptions,
    how: { allowFailure?: boolean; noEndpoints?: boolean } = {},
  ): Promise<{ stdout: string; stderr: string; exitCode: number | undefined }> {
    const noEndpoints = how.noEndpoints ?? false;
    if (!noEndpoints && (call.endpoints ?? this.endpoints).length === 0) {
      throw new EtcdctlError(this.format(args, call), undefined, '', 'no endpoints to talk to');
    }
    const full = [...this.globalArgs(call, noEndpoints), ...args];
    const line = this.format(args, call, noEndpoints);
    this.onCommand?.(line);
    // A backstop only: etcdctl enforces its own timeouts, this catches a wedged process.
    const backstop =
      (call.dialTimeoutMs ?? this.dialTimeoutMs) + (call.commandTimeoutMs ?? this.commandTimeoutMs) + 30_000;
    const r = await execa(this.binary, full, {
      env: { ETCDCTL_API: '3' },
      reject: false,
      stdin: 'ignore',
      timeout: backstop,
      stripFinalNewline: true,
    });
    if (r.failed && r.exitCode === undefined) {
      if ((r as { code?: string }).code === 'ENOENT') {
        throw new EtcdMissingError(`${this.binary} is not installed: ${ETCD_PACKAGES_HINT}.`);
      }
      throw new EtcdctlError(
        line,
        undefined,
        r.stderr,
        r.timedOut ? `etcdctl did not finish in ${backstop} ms` : (r.shortMessage ?? 'etcdctl could not run'),
      );
    }
    if (r.exitCode !== 0 && !how.allowFailure) {
      throw new EtcdctlError(line, r.exitCode, r.stderr, errorReason(r.stderr));
    }
    return { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
  }
}

/** "1500ms": a Go duration etcdctl parses. */
export function goDuration(ms: number): string {
  return `${Math.max(1, Math.round(ms))}ms`;
}

export function shellQuote(s: string): string {
  if (s === '') return "''";
  if (/^[\w@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** etcdctl ends a failure with `Error: <reason>`; before it come zap JSON log lines we do not want. */
export function errorReason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!;
    if (l.startsWith('Error: ')) return l.slice('Error: '.length);
  }
  const plain = lines.filter((l) => !l.startsWith('{'));
  return plain[plain.length - 1] ?? lines[lines.length - 1] ?? 'etcdctl failed without a message';
}

/** etcd's IDs are uint64: JSON.parse would round them, so they are quoted before parsing. */
function parseJsonWithIds(text: string): unknown {
  return JSON.parse(text.replace(/("(?:ID|cluster_id|member_id|raft_term|revision)"\s*:\s*)(\d+)/g, '$1"$2"'));
}

function hex(id: unknown): string {
  if (typeof id !== 'string' && typeof id !== 'number') return '';
  return BigInt(id).toString(16);
}

export function parseMemberList(stdout: string): MemberList {
  const j = parseJsonWithIds(stdout) as {
    header?: { cluster_id?: string; member_id?: string };
    members?: { ID?: string; name?: string; peerURLs?: string[]; clientURLs?: string[]; isLearner?: boolean }[];
  };
  return {
    clusterId: hex(j.header?.cluster_id),
    memberId: hex(j.header?.member_id),
    members: (j.members ?? []).map((m) => ({
      id: hex(m.ID),
      name: m.name ?? '',
      peerURLs: m.peerURLs ?? [],
      clientURLs: m.clientURLs ?? [],
      isLearner: m.isLearner ?? false,
    })),
  };
}

const HEALTH_LINE = /^(\S+) is (healthy|unhealthy): (.*)$/;

export function parseHealthLines(text: string): HealthLine[] {
  const out: HealthLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const m = HEALTH_LINE.exec(line);
    if (m) out.push({ endpoint: m[1]!, healthy: m[2] === 'healthy', line });
  }
  return out;
}

export function parseSnapshotSaved(stdout: string): string | undefined {
  const m = /^Snapshot saved at (.+)$/m.exec(stdout);
  return m?.[1]?.trim();
}

export function parseMemberAdd(stdout: string): MemberAddResult {
  // etcdctl prints both IDs with %16x: space-padded when the ID has a leading zero nibble.
  const head = /Member\s+(\w+)\s+added to cluster\s+(\w+)/.exec(stdout);
  const env: Record<string, string> = {};
  for (const m of stdout.matchAll(/^(ETCD_\w+)="(.*)"$/gm)) env[m[1]!] = m[2]!;
  return {
    id: head?.[1] ?? '',
    clusterId: head?.[2] ?? '',
    name: env['ETCD_NAME'] ?? '',
    initialCluster: env['ETCD_INITIAL_CLUSTER'] ?? '',
    initialAdvertisePeerURLs: env['ETCD_INITIAL_ADVERTISE_PEER_URLS'] ?? '',
    initialClusterState: env['ETCD_INITIAL_CLUSTER_STATE'] ?? '',
    env,
  };
}

export function parseHeaderRevision(stdout: string): number {
  const j = parseJsonWithIds(stdout) as { header?: { revision?: string } };
  return Number(j.header?.revision ?? 0);
}

export function parseGet(stdout: string): GetResult {
  const j = parseJsonWithIds(stdout) as {
    header?: { revision?: string };
    kvs?: { key?: string; value?: string; mod_revision?: number }[];
  };
  return {
    revision: Number(j.header?.revision ?? 0),
    kvs: (j.kvs ?? []).map((kv) => ({
      key: Buffer.from(kv.key ?? '', 'base64').toString('utf8'),
      value: Buffer.from(kv.value ?? '', 'base64').toString('utf8'),
      modRevision: kv.mod_revision ?? 0,
    })),
  };
}
