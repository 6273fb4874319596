import { access, mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../engine/clock.js';
import { errorMessage } from '../errors.js';
import type { EtcdEndpointHealth, EtcdMember, EtcdOps, EtcdSnapshot, WriteResult } from '../targets/target.js';
import { Etcdctl, type HealthReport } from './etcdctl.js';
import { EtcdctlError, EtcdMemberError, EtcdRestoreError } from './errors.js';
import { EtcdGateway, EtcdGatewayError, prefixRangeEnd } from './gateway.js';
import type { LocalEtcdCluster } from './local-cluster.js';

export interface RealEtcdOpsOptions {
  /** Every command run: etcdctl lines, signals sent to members, the apiserver repointing. */
  onCommand?: (line: string) => void;
  clock?: Clock;
  /** Time a data write may take, every endpoint tried: short, so that an outage shows as refused writes quickly. Default 1 s. */
  writeTimeoutMs?: number;
  /** --command-timeout of each endpoint's health check. Default 1 s. */
  healthTimeoutMs?: number;
  /** --dial-timeout everywhere. Default 500 ms (loopback). */
  dialTimeoutMs?: number;
  /** --command-timeout of membership, snapshot and read commands. Default 5 s. */
  commandTimeoutMs?: number;
  /** Pass --skip-hash-check to `snapshot restore` (the runbook does; needed for a db file copied by hand). */
  skipHashCheck?: boolean;
  /**
   * How long `member add` / `member remove` are retried while etcd refuses them with `etcdserver: unhealthy
   * cluster` (etcd wants every member connected for 5 s before a membership change). Default 20 s.
   */
  memberAddRetryMs?: number;
}

export interface RestoreRecord {
  member: string;
  snapshot: string;
  token: string;
  movedAside: { from: string; to: string }[];
}

/**
 * The EtcdOps of a target backed by real etcd processes: the runbook's procedures carried out with the real
 * etcdctl against a LocalEtcdCluster.
 */
export class RealEtcdOps implements EtcdOps {
  readonly clock: Clock;
  /** Every data directory moved aside so far (never deleted), oldest first. */
  readonly movedAside: { from: string; to: string }[] = [];
  lastRestore: RestoreRecord | undefined;
  private readonly ctl: Etcdctl;
  /** Data reads and writes go as kube-apiserver's do, through etcd's client API, not an etcdctl process each. */
  private readonly data: EtcdGateway;
  private readonly onCommand: ((line: string) => void) | undefined;
  private readonly writeTimeoutMs: number;
  private readonly healthTimeoutMs: number;
  private readonly dialTimeoutMs: number;
  private readonly commandTimeoutMs: number;
  private readonly skipHashCheck: boolean;
  private readonly memberAddRetryMs: number;
  private apiserverEndpoints: string[] | undefined;
  private snapshotSeq = 0;

  constructor(
    readonly cluster: LocalEtcdCluster,
    options: RealEtcdOpsOptions = {},
  ) {
    this.clock = options.clock ?? cluster.clock;
    this.onCommand = options.onCommand;
    this.lastKnown = cluster.memberRecords().map((r) => r.name);
    this.writeTimeoutMs = options.writeTimeoutMs ?? 1000;
    this.healthTimeoutMs = options.healthTimeoutMs ?? 1000;
    this.dialTimeoutMs = options.dialTimeoutMs ?? 500;
    this.commandTimeoutMs = options.commandTimeoutMs ?? 5000;
    this.skipHashCheck = options.skipHashCheck ?? false;
    this.memberAddRetryMs = options.memberAddRetryMs ?? 20_000;
    const base = {
      binary: cluster.etcdctlBinary,
      commandTimeoutMs: this.commandTimeoutMs,
      dialTimeoutMs: this.dialTimeoutMs,
    };
    this.ctl = new Etcdctl({ ...base, ...(this.onCommand ? { onCommand: this.onCommand } : {}) });
    this.data = new EtcdGateway(() => this.clientEndpoints(), this.writeTimeoutMs);
  }

  async members(): Promise<EtcdMember[]> {
    const records = this.cluster.memberRecords();
    if (this.answering(false).length === 0) {
      // Every member is down (D4c): nothing can answer `member list`. An SRE reads the member list from
      // the hosts' etcd manifests instead; here, the members last configured. Their IDs are unknown.
      this.report('# no etcd member answers: member list taken from the etcd manifests on the hosts');
      return this.lastKnown
        .map((name) => records.find((r) => r.name === name))
        .filter((r) => r !== undefined)
        .map((r) => ({
          id: '',
          name: r.name,
          peerURL: r.peerURL,
          clientURL: r.clientURL,
          node: r.node,
        }));
    }
    const list = await this.ctl.memberList({ endpoints: this.answering() });
    this.lastKnown = list.members.map((m) => m.name).filter(Boolean);
    return list.members.map((m) => {
      const rec = records.find((r) => r.name === m.name || m.peerURLs.includes(r.peerURL));
      const member: EtcdMember = {
        id: m.id,
        name: m.name || rec?.name || '',
        peerURL: m.peerURLs[0] ?? '',
        clientURL: m.clientURLs[0] ?? rec?.clientURL ?? '',
      };
      if (rec) member.node = rec.node;
      return member;
    });
  }

  /** Member names from the last `member list` that answered (the manifests' view when all are down). */
  private lastKnown: string[] = [];

  running(): Promise<string[]> {
    // A paused (SIGSTOPped) member's process exists but does not run: it is not listed.
    return Promise.resolve(this.cluster.runningMembers().map((m) => m.name));
  }

  async stopMember(name: string, how: 'kill' | 'stop' | 'pause'): Promise<void> {
    const m = this.cluster.member(name);
    if (how === 'pause') {
      this.report(`kill -STOP ${m.pid ?? '?'}  # ${name}`);
      this.cluster.pauseMember(name);
    } else if (how === 'kill') {
      this.report(`kill -KILL ${m.pid ?? '?'}  # ${name}`);
      await this.cluster.killMember(name);
    } else {
      this.report(`kill -TERM ${m.pid ?? '?'}  # ${name}, wait for exit`);
      await this.cluster.stopMember(name);
    }
  }

  async startMember(name: string): Promise<void> {
    const m = this.cluster.member(name);
    if (m.state === 'running') return;
    if (m.state === 'paused') {
      this.report(`kill -CONT ${m.pid ?? '?'}  # ${name}`);
      this.cluster.resumeMember(name);
      return;
    }
    if (m.state === 'removed') {
      throw new EtcdMemberError(
        `Cannot restart ${name} in place: it is no longer a member (removed or replaced by a restore).`,
      );
    }
    await this.cluster.restartMember(name);
  }

  async health(): Promise<EtcdEndpointHealth[]> {
    const timeouts = { commandTimeoutMs: this.healthTimeoutMs, dialTimeoutMs: this.dialTimeoutMs };
    let report: HealthReport | undefined;
    const live = this.answering(false);
    if (live.length > 0) report = await this.ctl.endpointHealth({ cluster: true, endpoints: live, ...timeouts });
    if (!report || report.lines.length === 0) {
      // --cluster needs a member list; with nobody answering, ask every known member's endpoint directly.
      const known = this.cluster
        .memberRecords()
        .filter((m) => m.state !== 'removed')
        .map((m) => m.clientURL);
      report = await this.ctl.endpointHealth({ endpoints: known, ...timeouts });
    }
    const records = this.cluster.memberRecords();
    return report.lines.map((l) => ({
      endpoint: l.endpoint,
      member: records.find((r) => r.clientURL === l.endpoint)?.name ?? '',
      healthy: l.healthy,
      message: l.line,
    }));
  }

  /** `snapshot save` from the first member that answers (the survivor, in D4b), then `snapshot status`. */
  async snapshotSave(label = 'snapshot'): Promise<EtcdSnapshot> {
    const dir = join(this.cluster.root, 'snapshots');
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${label}-${stamp(this.clock.now())}-${++this.snapshotSeq}.db`);
    const endpoints = this.answering();
    // Taken "at" the moment the save starts: every write acknowledged before then must be in it.
    const takenAt = this.clock.now();
    let lastError: unknown;
    for (const endpoint of endpoints) {
      try {
        await this.ctl.snapshotSave(path, {
          endpoint,
          dialTimeoutMs: this.dialTimeoutMs,
          commandTimeoutMs: this.commandTimeoutMs,
        });
        const status = await this.ctl.snapshotStatus(path);
        return { path, revision: status.revision, keys: status.totalKey, takenAt };
      } catch (err) {
        lastError = err;
      }
    }
    throw new EtcdMemberError(
      `No etcd member could give a snapshot (tried ${endpoints.join(', ')}): ${errorMessage(lastError)}`,
      { cause: lastError },
    );
  }

  /**
   * The runbook's single-member restore (D4b 2.4, D4c 3.4-3.7): check the snapshot, stop every remaining
   * member, move every data dir aside to `<dir>-bak-<timestamp>` (never deleted), `snapshot restore` into a
   * fresh data dir as a one-member cluster with a new token, start it, wait until it is healthy.
   */
  async restoreSingle(member: string, snapshot: EtcdSnapshot): Promise<void> {
    const target = this.cluster.member(member);
    const ts = stamp(this.clock.now());
    const token = `gameday-restore-${ts}`;
    const moved: { from: string; to: string }[] = [];
    const fail = (stage: EtcdRestoreError['stage'], what: string, cause?: unknown): EtcdRestoreError => {
      const where =
        moved.length > 0
          ? ` Nothing was deleted; data directories moved aside: ${moved.map((m) => `${m.from} -> ${m.to}`).join(', ')}.`
          : ' No data directory was moved.';
      return new EtcdRestoreError(
        `Single-member restore of ${member} from ${snapshot.path} failed at ${stage}: ${what}.${where}`,
        stage,
        [...moved],
        cause === undefined ? undefined : { cause },
      );
    };

    // An experienced SRE checks the snapshot before stopping the last member that still answers.
    if (!(await exists(snapshot.path)))
      throw fail('check-snapshot', 'the snapshot file does not exist; nothing was changed');
    try {
      await this.ctl.snapshotStatus(snapshot.path);
    } catch (err) {
      throw fail('check-snapshot', `the snapshot is unreadable (${reasonOf(err)}); nothing was changed`, err);
    }

    const others = this.cluster.memberRecords().filter((m) => m.state !== 'removed');
    for (const m of others) {
      if (m.state !== 'running' && m.state !== 'paused') continue;
      try {
        this.report(`kill -TERM ${m.pid ?? '?'}  # stop ${m.name} (manifest moved out), wait for exit`);
        await this.cluster.stopMember(m.name);
      } catch (err) {
        throw fail('stop-members', `could not stop ${m.name}: ${errorMessage(err)}`, err);
      }
    }

    for (const m of others) {
      if (!(await exists(m.dataDir))) continue;
      try {
        const to = await this.moveAside(m.dataDir, `bak-${ts}`);
        moved.push({ from: m.dataDir, to });
      } catch (err) {
        throw fail('move-aside', `could not move ${m.dataDir} aside: ${errorMessage(err)}`, err);
      }
    }

    const initialCluster = `${member}=${target.peerURL}`;
    try {
      await this.ctl.snapshotRestore(snapshot.path, {
        name: member,
        initialCluster,
        initialClusterToken: token,
        initialAdvertisePeerURLs: target.peerURL,
        dataDir: target.dataDir,
        skipHashCheck: this.skipHashCheck,
      });
    } catch (err) {
      let partial = '';
      if (await exists(target.dataDir)) {
        // A half-written restore would block a retry (restore refuses an existing dir): set it aside too.
        const to = await this.moveAside(target.dataDir, `failed-restore-${ts}`);
        partial = `; the partial restore was moved to ${to}`;
      }
      throw fail('restore', `etcdctl snapshot restore failed: ${reasonOf(err)}${partial}`, err);
    }

    for (const m of others) if (m.name !== member) this.cluster.markRemoved(m.name);
    this.cluster.token = token;
    this.lastRestore = { member, snapshot: snapshot.path, token, movedAside: [...moved] };
    try {
      await this.cluster.startNewMember(
        {
          name: member,
          dataDir: target.dataDir,
          initialCluster,
          initialClusterState: 'existing',
          token,
          peerPort: target.peerPort,
          clientPort: target.clientPort,
          node: target.node,
        },
        { waitHealthy: false },
      );
    } catch (err) {
      throw fail('start', `the restored member would not start: ${errorMessage(err)}`, err);
    }
    try {
      await this.cluster.waitHealthy([member]);
    } catch (err) {
      throw fail('wait-healthy', `the restored member did not become healthy: ${errorMessage(err)}`, err);
    }
  }

  async memberRemove(name: string): Promise<void> {
    const rec = this.cluster.member(name);
    const endpoints = this.answering().filter((e) => e !== rec.clientURL);
    const list = await this.ctl.memberList({ endpoints });
    const m = list.members.find((x) => x.name === name || x.peerURLs.includes(rec.peerURL));
    if (!m) throw new EtcdMemberError(`Cannot remove ${name}: it is not in the member list.`);
    await this.membershipChange(endpoints, () => this.ctl.memberRemove(m.id, { endpoints }));
    // A removed member shuts itself down; make sure, so that its process does not linger.
    if (rec.state === 'running' || rec.state === 'paused') await this.cluster.killMember(name);
    this.cluster.markRemoved(name);
  }

  /**
   * `member add <name> --peer-urls=...`, then start the member with `initial-cluster-state existing` and the
   * member list `member add` printed, and wait until it is healthy. One member at a time keeps quorum.
   */
  async memberAdd(name: string, node?: string): Promise<EtcdMember> {
    const old = this.cluster.memberRecords().find((m) => m.name === name);
    if (old && (old.state === 'running' || old.state === 'paused')) {
      throw new EtcdMemberError(`Cannot add ${name}: a member of that name is ${old.state}; remove it first.`);
    }
    const dataDir = join(this.cluster.root, 'data', name);
    if (await exists(dataDir)) {
      // The data of a removed member would make the new one believe it is the old one: set it aside.
      await this.moveAside(dataDir, `bak-${stamp(this.clock.now())}`);
    }
    const { peerPort, clientPort } = await this.cluster.allocatePorts();
    const peerURL = `http://127.0.0.1:${peerPort}`;
    const endpoints = this.answering();
    const added = await this.membershipChange(endpoints, () => this.ctl.memberAdd(name, [peerURL], { endpoints }));
    try {
      const started = await this.cluster.startNewMember({
        name,
        dataDir,
        initialCluster: added.initialCluster,
        initialClusterState: 'existing',
        peerPort,
        clientPort,
        node: node ?? old?.node ?? name,
      });
      return { id: added.id, name, peerURL: started.peerURL, clientURL: started.clientURL, node: started.node };
    } catch (err) {
      throw new EtcdMemberError(
        `${name} was added to the cluster as member ${added.id} but did not start and become healthy: ${errorMessage(err)}. ` +
          `The cluster counts it towards quorum: start it or run \`etcdctl member remove ${added.id}\`.`,
        { cause: err },
      );
    }
  }

  pointApiserver(members: string[]): Promise<void> {
    // Synchronous here (no apiserver process to restart), async in the interface for targets that have one.
    return new Promise((resolve) => {
      const urls = members.map((n) => this.cluster.member(n).clientURL);
      this.report(`# kube-apiserver --etcd-servers=${urls.join(',')}`);
      this.apiserverEndpoints = urls;
      resolve();
    });
  }

  /** What kube-apiserver's --etcd-servers says: every original member until pointApiserver changes it. */
  clientEndpoints(): string[] {
    this.apiserverEndpoints ??= this.cluster
      .memberRecords()
      .filter((m) => m.state !== 'removed')
      .map((m) => m.clientURL);
    return [...this.apiserverEndpoints];
  }

  async write(key: string, value: string): Promise<WriteResult> {
    try {
      const revision = await this.data.txn([{ put: key, value }], this.writeTimeoutMs);
      return { ok: true, revision };
    } catch (err) {
      if (err instanceof EtcdGatewayError) return { ok: false, error: err.message };
      throw err;
    }
  }

  async read(prefix: string): Promise<Map<string, string>> {
    const r = await this.data.range(prefix, prefixRangeEnd(prefix), {}, this.commandTimeoutMs);
    return new Map(r.kvs.map((kv) => [kv.key, kv.value]));
  }

  /**
   * etcd refuses a membership change with `etcdserver: unhealthy cluster` until every member has been
   * connected for 5 s, which is the case right after a member joined or the cluster started. Nothing was
   * changed then, so retrying is safe.
   */
  private async membershipChange<T>(endpoints: string[], change: () => Promise<T>): Promise<T> {
    const deadline = this.clock.now() + this.memberAddRetryMs;
    await this.waitForLeader(endpoints, deadline);
    for (;;) {
      try {
        return await change();
      } catch (err) {
        if (err instanceof EtcdctlError && err.failure === 'unhealthy-cluster' && this.clock.now() < deadline) {
          await this.clock.sleep(250);
          continue;
        }
        throw err;
      }
    }
  }

  /**
   * etcd 3.4 drops a membership proposal made while there is no leader and lets the client wait out its
   * whole timeout (seen: `member remove` of a just-killed leader hangs 15 s). So first wait until a
   * linearizable read goes through: a leader with quorum is there.
   */
  private async waitForLeader(endpoints: string[], deadline: number): Promise<void> {
    for (;;) {
      try {
        await this.ctl.get('/gameday/quorum-check', {
          endpoints,
          commandTimeoutMs: 1000,
          dialTimeoutMs: this.dialTimeoutMs,
        });
        return;
      } catch (err) {
        if (!(err instanceof EtcdctlError) || this.clock.now() >= deadline) throw err;
        await this.clock.sleep(100);
      }
    }
  }

  /** Client URLs of members whose process runs; `strict` throws when there are none. */
  private answering(strict = true): string[] {
    const live = this.cluster.liveEndpoints();
    if (strict && live.length === 0)
      throw new EtcdMemberError('No etcd member is running: nothing can answer etcdctl.');
    return live;
  }

  private async moveAside(dir: string, suffix: string): Promise<string> {
    let to = `${dir}-${suffix}`;
    for (let i = 2; await exists(to); i++) to = `${dir}-${suffix}-${i}`;
    this.report(`mv ${dir} ${to}`);
    await rename(dir, to);
    this.movedAside.push({ from: dir, to });
    return to;
  }

  private report(line: string): void {
    this.onCommand?.(line);
  }
}

function reasonOf(err: unknown): string {
  return err instanceof EtcdctlError ? err.reason : errorMessage(err);
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/** 20260101T120000123Z: sortable, safe in a path. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:.]/g, '');
}
