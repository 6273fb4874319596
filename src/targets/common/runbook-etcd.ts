import { InfrastructureError, InvalidInputError, MissingDependencyError } from '../../errors.js';
import type {
  ControlPlaneComponent,
  EtcdEndpointHealth,
  EtcdMember,
  EtcdOps,
  EtcdSnapshot,
  MemberAddOptions,
  RestoreOptions,
  WriteResult,
} from '../target.js';
import type { EtcdHost } from './etcd-host.js';
import { CommandFailedError } from './errors.js';
import type { EtcdTools } from './etcd-tools.js';
import { newHostCertificates } from './etcd-certificates.js';
import { joinExisting, manifestFlag, setFlag } from './etcd-manifest.js';
import { quoteWord } from './shell.js';
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

/** The control-plane components that act on what etcd holds: stopped for a restore, started after it. */
const ON_ETCD: readonly ControlPlaneComponent[] = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];

/**
 * The etcd procedures of the runbook (snapshot first; member restart by moving the manifest; member
 * remove/add for a lost host; single-member restore from a snapshot; re-pointing kube-apiserver), carried
 * out with etcdctl/etcdutl and file moves through an EtcdHost, in the order etcd's disaster-recovery guide
 * and Kubernetes' "Operating etcd clusters" give. Data directories are moved aside, never deleted.
 */
export class RunbookEtcdOps implements EtcdOps {
  private readonly stoppedHow = new Map<string, 'kill' | 'stop' | 'pause'>();
  private toolsFound: EtcdTools | undefined;

  constructor(private readonly host: EtcdHost) {}

  private get runner() {
    return this.host.runner;
  }

  private nodeOf(name: string, nodes: readonly string[], membership?: readonly EtcdMember[]): string {
    const known = membership?.find((m) => m.name === name)?.node;
    if (known) return known;
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

  /**
   * The etcd tools this cluster needs, checked where they must run before the first etcd command of a
   * drill: a missing etcdctl, or a missing etcdutl on etcd 3.5 and later, fails here, before any change.
   */
  async tools(): Promise<EtcdTools> {
    if (this.toolsFound) return this.toolsFound;
    const found = await this.host.tools();
    if (!found) throw new InfrastructureError('Cannot tell which etcd version runs: no etcd host could be asked.');
    this.toolsFound = found;
    return found;
  }

  async members(): Promise<EtcdMember[]> {
    await this.tools();
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
    } else if (await this.parked(node, 'etcd')) {
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
      if (err instanceof MissingDependencyError) throw err;
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
    const tools = await this.tools();
    const takenAt = this.runner.clock.now();
    const file = `gameday-${(label ?? 'snapshot').replace(/[^A-Za-z0-9_.-]/g, '-')}-${stamp(takenAt)}.db`;
    const { node, etcdctlPath } = await this.host.snapshotTarget(file);
    await this.host.etcdctl(['snapshot', 'save', etcdctlPath]);
    // Status is read from the file just written, so it is not read-only in dry-run: there is no file. On
    // etcd 3.5+ it is etcdutl's: 3.6's etcdctl prints its help for `snapshot status` and exits 0.
    const status = await this.host.snapshotStatus(node, etcdctlPath, tools);
    const parsed = parseSnapshotStatus(status.stdout);
    if (status.ran && !parsed) {
      throw new InfrastructureError(
        `\`${status.text}\` did not say the snapshot's revision and key count:\n${status.stdout.trim().split('\n').slice(0, 5).join('\n')}`,
      );
    }
    const path = await this.host.keepSnapshot(node, etcdctlPath, file);
    return { path, revision: parsed?.revision ?? 0, keys: parsed?.keys ?? 0, takenAt };
  }

  /**
   * Kubernetes' and etcd's disaster-recovery order: stop every kube-apiserver (and the controller-manager
   * and scheduler, which act on what it serves), stop every member, move the data directory aside, restore
   * the snapshot as a one-member cluster under the member's real name and peer URL, start it, point every
   * kube-apiserver at it and start them, then the controller-managers and schedulers: restarted, they hold
   * nothing from before the restore.
   */
  async restoreSingle(member: string, snapshot: EtcdSnapshot, options: RestoreOptions = {}): Promise<void> {
    const tools = await this.tools();
    const nodes = await this.host.etcdNodes();
    const node = this.nodeOf(member, nodes, options.membership);
    const when = stamp(this.runner.clock.now());
    const manifest = await this.readManifest(node, 'etcd');
    const address = await this.host.nodeAddress(node);
    const known = options.membership?.find((m) => m.name === member);
    const peer =
      known?.peerURL ||
      (manifest && manifestFlag(manifest.text, 'initial-advertise-peer-urls')) ||
      `https://${address}:2380`;
    const client =
      known?.clientURL ||
      (manifest && manifestFlag(manifest.text, 'advertise-client-urls')) ||
      `https://${address}:2379`;
    // 0. Nothing may write to etcd while it is replaced.
    const apiservers = await this.host.apiserverNodes();
    const stopped: [string, ControlPlaneComponent][] = [];
    for (const n of apiservers) {
      for (const c of ON_ETCD) {
        if (await this.exists(n, this.host.manifestPaths(c).active)) {
          await this.host.manifest(n, c, 'out');
          stopped.push([n, c]);
        }
      }
    }
    // 1. Stop every member (a frozen one is thawed first, or it could not be stopped).
    for (const n of nodes) {
      const name = this.host.memberNameOf(n);
      if (this.stoppedHow.get(name) === 'pause') await this.host.resumeMember(n);
      if (!(await this.parked(n, 'etcd'))) await this.host.manifest(n, 'etcd', 'out');
      this.stoppedHow.set(name, 'stop');
    }
    await this.waitUntil(nodes, false);
    // 2. Move the member's data directory aside (kept for forensics, never deleted).
    const aside = `${this.host.dataDir}-bak-${when}`;
    if (await this.exists(node, this.host.dataDir)) await this.host.onNode(node, ['mv', this.host.dataDir, aside]);
    // 3. Restore as a new one-member cluster. Its data directory then overrides the manifest's
    //    --initial-cluster flags, so the manifest goes back unchanged.
    const onNode = await this.host.placeSnapshot(snapshot, node);
    await this.host.restore(
      node,
      [
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
        ...(options.skipHashCheck === true ? ['--skip-hash-check'] : []),
      ],
      tools,
    );
    await this.host.manifest(node, 'etcd', 'in');
    this.stoppedHow.delete(member);
    await this.waitUntil([node], true);
    // 4. Every kube-apiserver on the restored member (the runbook's 2.5 / 3.8), started again.
    await this.editApiservers([client], when);
    for (const c of ON_ETCD)
      for (const [n, stoppedC] of stopped) if (stoppedC === c) await this.host.manifest(n, c, 'in');
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
      if (!(await this.parked(node, 'etcd'))) await this.host.manifest(node, 'etcd', 'out');
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

  /**
   * kubeadm's join: `member add --learner` (etcd 3.4+), start the member with the new member list and
   * initial-cluster-state=existing, `member promote` once it caught up with the leader. A host that never
   * ran a member first gets the etcd CA, its own peer and server certificates and a manifest made from a
   * survivor's (the runbook's 1.4). With `updatePeers`, the other members' --initial-cluster follows.
   */
  async memberAdd(name: string, node?: string, options: MemberAddOptions = {}): Promise<EtcdMember> {
    const tools = await this.tools();
    const nodes = await this.host.etcdNodes();
    const on = node ?? this.nodeOf(name, nodes);
    const addr = await this.host.nodeAddress(on);
    const peerURL = `https://${addr}:2380`;
    const clientURL = `https://${addr}:2379`;
    const before = await this.members();
    if (before.some((m) => m.name === name)) {
      throw new InvalidInputError(`etcd already has a member "${name}"; remove it first (member remove).`);
    }
    const when = stamp(this.runner.clock.now());
    // Everything the new host needs comes first: when it fails, the cluster has not changed.
    if (!(await this.readManifest(on, 'etcd'))) await this.prepareNewHost(on, addr, before, when);
    const r = await this.membershipChange([
      'member',
      'add',
      name,
      `--peer-urls=${peerURL}`,
      ...(tools.learners ? ['--learner'] : []),
    ]);
    const added = parseMemberAdd(r.stdout);
    if (tools.learners && !added.id && !this.runner.dryRun) {
      // A learner nobody promotes never votes: the cluster would stay one member short, and unhealthy.
      throw new InfrastructureError(
        `etcd member ${name} was added as a learner, but its ID could not be read from \`member add\` (${r.stdout.trim().split('\n')[0] ?? ''}): promote it with \`etcdctl member promote <id>\`.`,
      );
    }
    const initialCluster =
      added.initialCluster ??
      [...before.filter((m) => m.name && m.peerURL).map((m) => `${m.name}=${m.peerURL}`), `${name}=${peerURL}`].join(
        ',',
      );
    // The new member starts empty and joins the existing cluster (runbook 1.4-1.6).
    if (!(await this.parked(on, 'etcd'))) await this.host.manifest(on, 'etcd', 'out');
    if (await this.exists(on, this.host.dataDir)) {
      await this.host.onNode(on, ['mv', this.host.dataDir, `${this.host.dataDir}-bak-${when}`]);
    }
    const { parked } = this.host.manifestPaths('etcd');
    await this.host.onNode(on, ['sed', '-i', ...setFlag('name', name), ...joinExisting(initialCluster), parked]);
    await this.host.manifest(on, 'etcd', 'in');
    this.stoppedHow.delete(name);
    if (tools.learners && added.id) await this.promote(added.id, name);
    if (options.updatePeers === true) await this.updatePeers(name, initialCluster);
    return { id: added.id ?? '', name, peerURL, clientURL, node: on };
  }

  async pointApiserver(members: string[]): Promise<void> {
    if (members.length === 0) throw new InvalidInputError('pointApiserver needs at least one etcd member.');
    const list = await this.members().catch(() => [] as EtcdMember[]);
    const nodes = await this.host.etcdNodes();
    const urls: string[] = [];
    for (const name of members) {
      const listed = list.find((m) => m.name === name)?.clientURL;
      urls.push(listed || `https://${await this.host.nodeAddress(this.nodeOf(name, nodes))}:2379`);
    }
    await this.editApiservers(urls, stamp(this.runner.clock.now()));
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

  /**
   * kube-apiserver's --etcd-servers on every apiserver node, in its manifest wherever it is (in the manifest
   * directory the kubelet restarts the pod on the change; a parked one takes it when it goes back). A copy
   * of each is kept outside the manifest directory: a second manifest there would start a second pod.
   */
  private async editApiservers(urls: readonly string[], when: string): Promise<void> {
    const { active, parked } = this.host.manifestPaths('kube-apiserver');
    for (const n of await this.host.apiserverNodes()) {
      const file = (await this.exists(n, active)) ? active : (await this.exists(n, parked)) ? parked : undefined;
      if (!file) throw new InfrastructureError(`${n} has no kube-apiserver manifest (${active} or ${parked}).`);
      await this.host.onNode(n, ['cp', file, `${parked}.gameday-${when}`]);
      await this.host.onNode(n, ['sed', '-i', ...setFlag('etcd-servers', urls.join(',')), file]);
    }
  }

  /**
   * A host that never ran this cluster's etcd (the runbook's migration to a new node): the etcd CA from a
   * survivor, peer and server certificates for the host's address issued with it (kubeadm's SANs), and a
   * survivor's manifest with the survivor's address replaced by the host's, parked until `member add`.
   */
  private async prepareNewHost(on: string, addr: string, before: readonly EtcdMember[], when: string): Promise<void> {
    const donor = before.map((m) => m.node ?? this.host.nodeOfMember(m)).find((n) => n !== undefined && n !== on);
    if (!donor) throw new InfrastructureError(`No etcd member's host to copy the etcd CA and manifest from for ${on}.`);
    const pki = this.host.pkiDir;
    await this.host.onNode(on, ['mkdir', '-p', pki, this.host.manifestPaths('etcd').active.replace(/\/[^/]+$/, '')]);
    for (const f of ['ca.crt', 'ca.key']) {
      if (await this.exists(on, `${pki}/${f}`)) continue;
      const content = await this.readFile(donor, `${pki}/${f}`);
      if (content === undefined) throw new InfrastructureError(`Cannot read ${pki}/${f} on ${donor}.`);
      await this.writeFile(on, `${pki}/${f}`, content);
    }
    await this.host.onNode(on, ['sh', '-c', newHostCertificates(pki, addr, when)]);
    const manifest = await this.readManifest(donor, 'etcd');
    if (!manifest) throw new InfrastructureError(`${donor} has no etcd manifest to copy for ${on}.`);
    const donorAddr = await this.host.nodeAddress(donor);
    await this.writeFile(on, this.host.manifestPaths('etcd').parked, manifest.text.split(donorAddr).join(addr));
  }

  /** `member promote` until the learner caught up with the leader ("...is in sync with leader" until then). */
  private async promote(id: string, name: string): Promise<void> {
    if (this.runner.dryRun) return;
    const clock = this.runner.clock;
    const deadline = clock.now() + MEMBER_WAIT_MS;
    for (;;) {
      const r = await this.host.etcdctl(['member', 'promote', id], { allowFailure: true });
      if (r.exitCode === 0) return;
      if (clock.now() >= deadline) {
        throw new InfrastructureError(
          `etcd learner ${name} (${id}) could not be promoted within ${MEMBER_WAIT_MS / 1000} s: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''}`,
        );
      }
      await clock.sleep(1000);
    }
  }

  /**
   * The runbook's 1.8: every other member's manifest gets the new --initial-cluster and
   * initial-cluster-state=existing, one member at a time (its manifest moved out, edited, moved back), each
   * healthy again before the next, so that quorum is never lost.
   */
  private async updatePeers(added: string, initialCluster: string): Promise<void> {
    const { parked } = this.host.manifestPaths('etcd');
    for (const m of await this.members()) {
      const node = m.node ?? this.host.nodeOfMember(m);
      if (m.name === added || !node) continue;
      const manifest = await this.readManifest(node, 'etcd');
      if (
        manifest &&
        manifestFlag(manifest.text, 'initial-cluster') === initialCluster &&
        manifestFlag(manifest.text, 'initial-cluster-state') === 'existing'
      )
        continue;
      if (manifest?.where !== 'parked') await this.host.manifest(node, 'etcd', 'out');
      await this.waitUntil([node], false);
      await this.host.onNode(node, ['sed', '-i', ...joinExisting(initialCluster), parked]);
      await this.host.manifest(node, 'etcd', 'in');
      await this.waitUntil([node], true);
      await this.waitHealthy(`${m.name} restarted with the new --initial-cluster`);
    }
  }

  private async readManifest(
    node: string,
    component: ControlPlaneComponent,
  ): Promise<{ text: string; where: 'active' | 'parked' } | undefined> {
    const { active, parked } = this.host.manifestPaths(component);
    const a = await this.readFile(node, active);
    if (a !== undefined) return { text: a, where: 'active' };
    const p = await this.readFile(node, parked);
    return p !== undefined ? { text: p, where: 'parked' } : undefined;
  }

  private async readFile(node: string, path: string): Promise<string | undefined> {
    const r = await this.host.onNode(node, ['cat', path], { readOnly: true, allowFailure: true });
    return r.exitCode === 0 ? r.stdout : undefined;
  }

  /** Through standard input, base64: the file's bytes never pass through a command line. */
  private async writeFile(node: string, path: string, content: string): Promise<void> {
    await this.host.onNode(node, ['sh', '-c', `umask 077 && base64 -d > ${quoteWord(path)}`], {
      input: Buffer.from(content).toString('base64'),
    });
  }

  private async parked(node: string, component: ControlPlaneComponent): Promise<boolean> {
    const { active } = this.host.manifestPaths(component);
    return !(await this.exists(node, active));
  }

  private async exists(node: string, path: string): Promise<boolean> {
    const r = await this.host.onNode(node, ['test', '-e', path], { readOnly: true, allowFailure: true });
    return r.exitCode === 0;
  }

  private async waitHealthy(what: string): Promise<void> {
    if (this.runner.dryRun) return;
    const clock = this.runner.clock;
    const deadline = clock.now() + MEMBER_WAIT_MS;
    for (;;) {
      const health = await this.health();
      if (health.length > 0 && health.every((h) => h.healthy)) return;
      if (clock.now() >= deadline) {
        throw new InfrastructureError(
          `etcd not healthy ${MEMBER_WAIT_MS / 1000} s after ${what}: ${health
            .filter((h) => !h.healthy)
            .map((h) => h.message)
            .join('; ')}`,
        );
      }
      await clock.sleep(1000);
    }
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
