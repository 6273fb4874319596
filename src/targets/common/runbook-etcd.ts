import { InfrastructureError, InvalidInputError } from '../../errors.js';
import type { EtcdEndpointHealth, EtcdMember, EtcdOps, EtcdSnapshot, WriteResult } from '../target.js';
import type { EtcdHost } from './etcd-host.js';
import { CommandFailedError } from './errors.js';
import {
  parseEndpointHealth,
  parseGetJson,
  parseMemberAdd,
  parseMemberList,
  parsePutRevision,
  parseSnapshotStatus,
} from './etcdctl-output.js';

/** Keys the steady writer and the loss check use live under this prefix, away from Kubernetes' /registry. */
export const GAMEDAY_PREFIX = '/gameday/';

/** How long the procedures wait for a member to stop or start before giving up. */
const MEMBER_WAIT_MS = 120_000;
/** How long a membership change etcd refuses as "unhealthy cluster" is tried again. */
const MEMBERSHIP_RETRY_MS = 30_000;

export function gamedayKey(key: string): string {
  return key.startsWith(GAMEDAY_PREFIX) ? key : GAMEDAY_PREFIX + key.replace(/^\/+/, '');
}

/** 20260101T000000Z: sortable, and safe in file names and etcd cluster tokens. */
export function stamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/**
 * The etcd procedures of the runbook (snapshot first; member restart by moving the manifest; member
 * remove/add for a lost host; single-member restore from a snapshot; re-pointing kube-apiserver), carried
 * out with etcdctl and file moves through an EtcdHost. Data directories are moved aside, never deleted.
 */
export class RunbookEtcdOps implements EtcdOps {
  private readonly stoppedHow = new Map<string, 'kill' | 'stop' | 'pause'>();

  constructor(private readonly host: EtcdHost) {}

  private get runner() {
    return this.host.runner;
  }

  private nodeOf(name: string, nodes: readonly string[]): string {
    const byName = nodes.find((n) => this.host.memberNameOf(n) === name) ?? (nodes.includes(name) ? name : undefined);
    if (!byName) {
      throw new InvalidInputError(
        `No etcd member "${name}" here; the members are ${nodes.map((n) => this.host.memberNameOf(n)).join(', ')}.`,
      );
    }
    return byName;
  }

  /**
   * etcd refuses a membership change with `etcdserver: unhealthy cluster` until every member has been
   * connected for 5 s (its strict reconfiguration check), as right after the previous member joined: the
   * runbook's operator waits and runs it again. Nothing was changed by the refusal, so retrying is safe.
   */
  private async membershipChange(args: string[]): ReturnType<EtcdHost['etcdctl']> {
    const deadline = this.runner.clock.now() + MEMBERSHIP_RETRY_MS;
    for (;;) {
      try {
        return await this.host.etcdctl(args);
      } catch (err) {
        const refused = err instanceof CommandFailedError && /unhealthy cluster/.test(err.stderr);
        if (!refused || this.runner.clock.now() >= deadline) throw err;
        await this.runner.clock.sleep(1000);
      }
    }
  }

  async members(): Promise<EtcdMember[]> {
    const r = await this.host.etcdctl(['member', 'list'], { readOnly: true });
    return parseMemberList(r.stdout).map((m) => {
      const node = this.host.nodeOfMember(m);
      return node ? { ...m, node } : m;
    });
  }

  async running(): Promise<string[]> {
    const out: string[] = [];
    for (const node of await this.host.etcdNodes()) {
      if (await this.host.isRunning(node)) out.push(this.host.memberNameOf(node));
    }
    return out;
  }

  async stopMember(name: string, how: 'kill' | 'stop' | 'pause'): Promise<void> {
    const node = this.nodeOf(name, await this.host.etcdNodes());
    if (how === 'pause') {
      await this.host.pauseMember(node);
    } else {
      // Manifest first, so that the kubelet does not start the member again after the kill.
      await this.host.manifest(node, 'etcd', 'out');
      if (how === 'kill') await this.host.killMember(node);
    }
    this.stoppedHow.set(name, how);
  }

  async startMember(name: string): Promise<void> {
    const node = this.nodeOf(name, await this.host.etcdNodes());
    const how = this.stoppedHow.get(name);
    if (how === 'pause') {
      await this.host.resumeMember(node);
    } else if (await this.manifestParked(node)) {
      await this.host.manifest(node, 'etcd', 'in');
    } else if (how === undefined) {
      // Stopped by another process (a rollback after a crash): it may be frozen rather than moved out.
      await this.host.resumeMember(node).catch(() => undefined);
    }
    this.stoppedHow.delete(name);
  }

  async health(): Promise<EtcdEndpointHealth[]> {
    let members: EtcdMember[];
    try {
      members = await this.members();
    } catch (err) {
      // Nothing answers `member list`: every member is down (or none can be reached).
      const nodes = await this.host.etcdNodes();
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      return Promise.all(
        nodes.map(async (node) => {
          const endpoint = `https://${await this.host.nodeAddress(node)}:2379`;
          return {
            endpoint,
            member: this.host.memberNameOf(node),
            healthy: false,
            message: `${endpoint} is unhealthy: no member answered (${reason})`,
          };
        }),
      );
    }
    const r = await this.host.etcdctl(['endpoint', 'health', '--cluster'], { readOnly: true, allowFailure: true });
    return parseEndpointHealth(`${r.stdout}\n${r.stderr}`, members);
  }

  async snapshotSave(label?: string): Promise<EtcdSnapshot> {
    const takenAt = this.runner.clock.now();
    const file = `gameday-${(label ?? 'snapshot').replace(/[^A-Za-z0-9_.-]/g, '-')}-${stamp(takenAt)}.db`;
    const { node, etcdctlPath } = await this.host.snapshotTarget(file);
    await this.host.etcdctl(['snapshot', 'save', etcdctlPath]);
    // Status is read from the file just written, so it is not read-only in dry-run: there is no file.
    const status = await this.host.etcdctl(['snapshot', 'status', etcdctlPath, '-w', 'json']);
    const parsed = parseSnapshotStatus(status.stdout);
    const path = await this.host.keepSnapshot(node, etcdctlPath, file);
    return { path, revision: parsed?.revision ?? 0, keys: parsed?.keys ?? 0, takenAt };
  }

  async restoreSingle(member: string, snapshot: EtcdSnapshot): Promise<void> {
    const nodes = await this.host.etcdNodes();
    const node = this.nodeOf(member, nodes);
    const when = stamp(this.runner.clock.now());
    // 1. Stop every member (a frozen one is thawed first, or it could not be stopped).
    for (const n of nodes) {
      const name = this.host.memberNameOf(n);
      if (this.stoppedHow.get(name) === 'pause') await this.host.resumeMember(n);
      if (!(await this.manifestParked(n))) await this.host.manifest(n, 'etcd', 'out');
      this.stoppedHow.set(name, 'stop');
    }
    await this.waitUntil(nodes, false);
    // 2. Move the member's data directory aside (kept for forensics, never deleted).
    const aside = `${this.host.dataDir}-bak-${when}`;
    if (await this.exists(node, this.host.dataDir)) await this.host.onNode(node, ['mv', this.host.dataDir, aside]);
    // 3. Restore as a new one-member cluster. Its data directory then overrides the manifest's
    //    --initial-cluster flags, so the manifest goes back unchanged.
    const onNode = await this.host.placeSnapshot(snapshot, node);
    const peer = `https://${await this.host.nodeAddress(node)}:2380`;
    await this.host.restore(node, [
      'snapshot',
      'restore',
      onNode,
      '--name',
      member,
      '--initial-advertise-peer-urls',
      peer,
      '--initial-cluster',
      `${member}=${peer}`,
      '--initial-cluster-token',
      `gameday-restore-${when}`.toLowerCase(),
      '--data-dir',
      this.host.dataDir,
      '--skip-hash-check',
    ]);
    await this.host.manifest(node, 'etcd', 'in');
    this.stoppedHow.delete(member);
    await this.waitUntil([node], true);
  }

  async memberRemove(name: string): Promise<void> {
    const members = await this.members();
    const m = members.find((x) => x.name === name);
    if (!m)
      throw new InvalidInputError(
        `No etcd member "${name}" in \`member list\` (${members.map((x) => x.name).join(', ')}).`,
      );
    await this.membershipChange(['member', 'remove', m.id]);
    // The removed member's host may be gone for good: tidy it only when it answers. Its data directory
    // goes aside so that the node can join again later as a new member.
    const node = m.node ?? this.host.nodeOfMember(m);
    if (!node) return;
    try {
      if (!(await this.manifestParked(node))) await this.host.manifest(node, 'etcd', 'out');
      if (await this.exists(node, this.host.dataDir)) {
        await this.host.onNode(node, [
          'mv',
          this.host.dataDir,
          `${this.host.dataDir}-removed-${stamp(this.runner.clock.now())}`,
        ]);
      }
      this.stoppedHow.set(name, 'stop');
    } catch {
      // Unreachable host: removing the member from the cluster was the part that mattered.
    }
  }

  async memberAdd(name: string, node?: string): Promise<EtcdMember> {
    const nodes = await this.host.etcdNodes();
    const on = node ?? this.nodeOf(name, nodes);
    const addr = await this.host.nodeAddress(on);
    const peerURL = `https://${addr}:2380`;
    const clientURL = `https://${addr}:2379`;
    const before = await this.members();
    if (before.some((m) => m.name === name)) {
      throw new InvalidInputError(`etcd already has a member "${name}"; remove it first (member remove).`);
    }
    const r = await this.membershipChange(['member', 'add', name, `--peer-urls=${peerURL}`]);
    const added = parseMemberAdd(r.stdout);
    const initialCluster =
      added.initialCluster ??
      [...before.filter((m) => m.name && m.peerURL).map((m) => `${m.name}=${m.peerURL}`), `${name}=${peerURL}`].join(
        ',',
      );
    // The new member starts empty and joins the existing cluster (runbook 1.4-1.6).
    if (!(await this.manifestParked(on))) await this.host.manifest(on, 'etcd', 'out');
    if (await this.exists(on, this.host.dataDir)) {
      await this.host.onNode(on, [
        'mv',
        this.host.dataDir,
        `${this.host.dataDir}-bak-${stamp(this.runner.clock.now())}`,
      ]);
    }
    const { parked } = this.host.manifestPaths('etcd');
    await this.host.onNode(on, [
      'sed',
      '-i',
      '-e',
      `s#--name=.*#--name=${name}#`,
      '-e',
      `s#--initial-cluster=.*#--initial-cluster=${initialCluster}#`,
      '-e',
      '/--initial-cluster-state=/d',
      '-e',
      's#^\\(\\s*\\)- --initial-cluster=.*#&\\n\\1- --initial-cluster-state=existing#',
      parked,
    ]);
    await this.host.manifest(on, 'etcd', 'in');
    this.stoppedHow.delete(name);
    return { id: added.id ?? '', name, peerURL, clientURL, node: on };
  }

  async pointApiserver(members: string[]): Promise<void> {
    if (members.length === 0) throw new InvalidInputError('pointApiserver needs at least one etcd member.');
    const nodes = await this.host.etcdNodes();
    const urls: string[] = [];
    for (const name of members) urls.push(`https://${await this.host.nodeAddress(this.nodeOf(name, nodes))}:2379`);
    const { active } = this.host.manifestPaths('kube-apiserver');
    const when = stamp(this.runner.clock.now());
    for (const n of await this.host.apiserverNodes()) {
      // The copy goes outside the manifest directory: a second manifest there would start a second pod.
      await this.host.onNode(n, ['cp', active, `${this.host.manifestPaths('kube-apiserver').parked}.gameday-${when}`]);
      await this.host.onNode(n, ['sed', '-i', `s#--etcd-servers=.*#--etcd-servers=${urls.join(',')}#`, active]);
    }
  }

  async write(key: string, value: string): Promise<WriteResult> {
    const r = await this.host
      .etcdctl(['put', gamedayKey(key), value, '-w', 'json'], { allowFailure: true })
      .catch((err: unknown) => ({
        exitCode: 1,
        stdout: '',
        stderr: err instanceof Error ? err.message : String(err),
        ran: true,
      }));
    if (!r.ran) return { ok: true, revision: 0 };
    if (r.exitCode !== 0) {
      return { ok: false, error: r.stderr.trim().split('\n').pop() ?? `etcdctl put exited with ${r.exitCode}` };
    }
    return { ok: true, revision: parsePutRevision(r.stdout) ?? 0 };
  }

  async read(prefix: string): Promise<Map<string, string>> {
    const r = await this.host.etcdctl(['get', '--prefix', gamedayKey(prefix), '-w', 'json'], { readOnly: true });
    // Keys come back as the caller wrote them: the steady writer uses full keys (/gameday/writer/...), and
    // its loss check compares them with what it wrote.
    const full = prefix.startsWith(GAMEDAY_PREFIX);
    const out = new Map<string, string>();
    for (const [k, v] of parseGetJson(r.stdout))
      out.set(!full && k.startsWith(GAMEDAY_PREFIX) ? k.slice(GAMEDAY_PREFIX.length) : k, v);
    return out;
  }

  private async manifestParked(node: string): Promise<boolean> {
    const { active } = this.host.manifestPaths('etcd');
    return !(await this.exists(node, active));
  }

  private async exists(node: string, path: string): Promise<boolean> {
    const r = await this.host.onNode(node, ['test', '-e', path], { readOnly: true, allowFailure: true });
    return r.exitCode === 0;
  }

  /** Wait (on the target's clock) until the members on `nodes` are all running, or all stopped. */
  private async waitUntil(nodes: readonly string[], running: boolean): Promise<void> {
    if (this.runner.dryRun) return;
    const clock = this.runner.clock;
    const deadline = clock.now() + MEMBER_WAIT_MS;
    for (;;) {
      const states = await Promise.all(nodes.map((n) => this.host.isRunning(n)));
      if (states.every((s) => s === running)) return;
      if (clock.now() >= deadline) {
        throw new InfrastructureError(
          `etcd on ${nodes.filter((_, i) => states[i] !== running).join(', ')} did not ${running ? 'start' : 'stop'} within ${MEMBER_WAIT_MS / 1000} s.`,
        );
      }
      await clock.sleep(1000);
    }
  }
}
