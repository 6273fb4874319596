import type { Timer } from '../../engine/clock.js';
import { InfrastructureError, InvalidInputError } from '../../errors.js';
import type { EtcdEndpointHealth, EtcdMember, EtcdOps, EtcdSnapshot, WriteResult } from '../../targets/target.js';
import type { SimContext } from '../context.js';
import type { ControlPlaneHosts } from '../kubelet/hosts.js';
import type { ContainerOverride } from '../kubelet/pod-runtime.js';
import { hex } from '../kubelet/pod-runtime.js';
import type { StoreState } from '../store/store.js';

/** What SimEtcd needs of the hosts besides the control-plane view: static-pod manifests and process overrides. */
export interface EtcdHosts extends ControlPlaneHosts {
  has(node: string): boolean;
  setManifest(node: string, component: 'etcd', present: boolean): void;
  setOverride(node: string, component: 'etcd', override: ContainerOverride | undefined): void;
}

type Proc = 'running' | 'killed' | 'stopped' | 'paused';

interface Member {
  id: string;
  name: string;
  node: string;
  proc: Proc;
  /** A member that just started or joined catches up until then. */
  readyAt: number;
}

export interface SimEtcdOptions {
  /** Nodes running members; default: every master. */
  members?: string[];
  /** URL scheme of peer and client URLs (kubeadm clusters use https). */
  scheme?: 'http' | 'https';
}

export const REQUEST_TIMED_OUT = 'etcdserver: request timed out';

/**
 * A Raft cluster of etcd members on the masters, as far as drills can see it: a member counts when its
 * process runs (its static pod, not killed/stopped/paused) on a host that is up and connected; with a
 * majority counted, a leader is elected after the election timeout and writes go through; without, every
 * write to the Store fails with `etcdserver: request timed out`. Snapshots copy the Store; a single-member
 * restore replaces its content.
 */
export class SimEtcd implements EtcdOps {
  private list: Member[] = [];
  private clusterId: string;
  private leader: string | undefined;
  private election: Timer | undefined;
  private readonly kv = new Map<string, string>();
  private kvRevision = 0;
  private readonly snapshots = new Map<string, { state: StoreState; kv: Map<string, string>; info: EtcdSnapshot }>();
  private apiserverEndpoints: string[];
  private readonly scheme: string;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly ctx: SimContext,
    private readonly hosts: EtcdHosts,
    opts: SimEtcdOptions = {},
  ) {
    this.scheme = opts.scheme ?? 'http';
    const nodes = opts.members ?? hosts.masterNodes();
    if (nodes.length === 0) {
      throw new InvalidInputError(
        `Cluster "${ctx.cluster}" has no masters to run etcd members on: list etcdMembers in the topology.`,
      );
    }
    for (const n of nodes) {
      if (!hosts.has(n))
        throw new InvalidInputError(`etcd member node "${n}" is not a node of cluster "${ctx.cluster}".`);
    }
    for (const m of hosts.masterNodes()) if (!nodes.includes(m)) hosts.setManifest(m, 'etcd', false);
    for (const n of nodes) hosts.setManifest(n, 'etcd', true);
    const now = ctx.clock.now();
    this.list = nodes.map((n) => ({ id: this.newId(), name: n, node: n, proc: 'running', readyAt: now }));
    this.clusterId = this.newId();
    this.apiserverEndpoints = this.list.map((m) => this.clientURL(m));
    // The cluster existed before the simulation: it starts with a leader.
    this.leader = ctx.random.pick(this.list.filter((m) => this.alive(m)))?.id;
    ctx.store.availability = () => this.unavailable();
    this.unsubscribe = hosts.onHostChange(() => ctx.queue.add('etcd/recheck', () => this.recheck()));
    this.recheck();
  }

  close(): void {
    this.unsubscribe();
    this.election?.cancel();
  }

  // ---- Raft, as far as it shows -----------------------------------------------------------------------

  private alive(m: Member): boolean {
    return (
      m.proc === 'running' &&
      this.ctx.clock.now() >= m.readyAt &&
      this.hosts.componentRunning(m.node, 'etcd') &&
      this.hosts.hostReachable(m.node)
    );
  }

  private quorum(): boolean {
    const alive = this.list.filter((m) => this.alive(m)).length;
    return alive > this.list.length / 2;
  }

  /** Re-evaluate quorum and leadership after anything changed. */
  recheck(): void {
    const leader = this.list.find((m) => m.id === this.leader);
    if (this.leader && (!leader || !this.alive(leader) || !this.quorum())) this.leader = undefined;
    if (this.leader || !this.quorum()) {
      if (!this.quorum()) {
        this.election?.cancel();
        this.election = undefined;
      }
      this.scheduleCatchUp();
      return;
    }
    if (this.election) return;
    this.election = this.ctx.clock.setTimer(
      this.ctx.params.etcdElectionTimeout,
      () => {
        this.election = undefined;
        if (!this.leader && this.quorum())
          this.leader = this.ctx.random.pick(this.list.filter((m) => this.alive(m)))?.id;
        this.recheck();
      },
      'etcd election',
    );
  }

  /** Members catching up count once they caught up: look again then. */
  private scheduleCatchUp(): void {
    const now = this.ctx.clock.now();
    const next = this.list.map((m) => m.readyAt).filter((t) => t > now);
    if (next.length > 0) this.ctx.clock.setTimer(Math.min(...next) - now, () => this.recheck(), 'etcd member catch-up');
  }

  /** Why a write fails now, or undefined: the Store's availability hook. */
  unavailable(): string | undefined {
    if (!this.leader) return REQUEST_TIMED_OUT;
    const reachable = this.list.some((m) => this.apiserverEndpoints.includes(this.clientURL(m)) && this.alive(m));
    return reachable ? undefined : REQUEST_TIMED_OUT;
  }

  /** The leader member's name (undefined without quorum). */
  leaderName(): string | undefined {
    return this.list.find((m) => m.id === this.leader)?.name;
  }

  // ---- EtcdOps ----------------------------------------------------------------------------------------

  async members(): Promise<EtcdMember[]> {
    return this.list.map((m) => this.describe(m));
  }

  async running(): Promise<string[]> {
    return this.list
      .filter((m) => m.proc === 'running' && this.hosts.componentRunning(m.node, 'etcd'))
      .map((m) => m.name);
  }

  async stopMember(name: string, how: 'kill' | 'stop' | 'pause'): Promise<void> {
    const m = this.member(name);
    m.proc = how === 'kill' ? 'killed' : how === 'stop' ? 'stopped' : 'paused';
    this.hosts.setOverride(m.node, 'etcd', overrideFor(m.proc));
    this.recheck();
  }

  async startMember(name: string): Promise<void> {
    const m = this.member(name);
    if (m.proc !== 'running') {
      m.proc = 'running';
      m.readyAt = this.ctx.clock.now() + this.ctx.params.etcdElectionTimeout;
    }
    this.hosts.setOverride(m.node, 'etcd', undefined);
    this.hosts.setManifest(m.node, 'etcd', true);
    this.recheck();
  }

  async health(): Promise<EtcdEndpointHealth[]> {
    return this.list.map((m) => {
      const endpoint = this.clientURL(m);
      const healthy = this.alive(m) && this.leader !== undefined;
      const took = (1 + this.ctx.random.next() * 3).toFixed(6);
      return {
        endpoint,
        member: m.name,
        healthy,
        message: healthy
          ? `${endpoint} is healthy: successfully committed proposal: took = ${took}ms`
          : `${endpoint} is unhealthy: failed to commit proposal: context deadline exceeded`,
      };
    });
  }

  async snapshotSave(label?: string): Promise<EtcdSnapshot> {
    // `snapshot save` streams one member's backend: it needs a running member, not quorum.
    if (
      !this.list.some(
        (m) => m.proc === 'running' && this.hosts.componentRunning(m.node, 'etcd') && this.hosts.hostReachable(m.node),
      )
    ) {
      throw new InfrastructureError(
        'etcdctl snapshot save failed: context deadline exceeded (no etcd member is running).',
      );
    }
    const now = this.ctx.clock.now();
    const state = this.ctx.store.exportState();
    const keys = Object.values(state.objects).reduce((n, items) => n + items.length, 0) + this.kv.size;
    const stamp = new Date(now)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}Z$/, 'Z');
    const path = `/var/lib/etcd-backup/${label ?? 'snapshot'}-${stamp}.db`;
    // Its revision covers everything it holds: the objects and the keys written through write().
    const info: EtcdSnapshot = { path, revision: Math.max(state.revision, this.kvRevision), keys, takenAt: now };
    this.snapshots.set(path, { state, kv: new Map(this.kv), info });
    return { ...info };
  }

  async restoreSingle(member: string, snapshot: EtcdSnapshot): Promise<void> {
    const data = this.snapshots.get(snapshot.path);
    if (!data) throw new InvalidInputError(`No snapshot at ${snapshot.path}: take one with snapshotSave first.`);
    const target = this.list.find((m) => m.name === member || m.node === member || m.id === member);
    const node = target?.node ?? (this.hosts.has(member) ? member : undefined);
    if (!node)
      throw new InvalidInputError(
        `Cannot restore onto "${member}": it is neither an etcd member nor a node of cluster "${this.ctx.cluster}".`,
      );
    // Stop every other member and move its data directory (and manifest) aside.
    for (const m of this.list) {
      if (m.node === node) continue;
      m.proc = 'stopped';
      this.hosts.setOverride(m.node, 'etcd', undefined);
      this.hosts.setManifest(m.node, 'etcd', false);
    }
    const now = this.ctx.clock.now();
    const restored: Member = { id: this.newId(), name: target?.name ?? node, node, proc: 'running', readyAt: now };
    this.list = [restored];
    this.clusterId = this.newId();
    this.leader = undefined;
    this.election?.cancel();
    this.election = undefined;
    this.hosts.setOverride(node, 'etcd', undefined);
    this.hosts.setManifest(node, 'etcd', true);
    this.ctx.store.importState(data.state);
    this.kv.clear();
    for (const [k, v] of data.kv) this.kv.set(k, v);
    this.recheck();
  }

  async memberRemove(name: string): Promise<void> {
    const m = this.member(name);
    this.requireQuorum(`member remove ${m.id}`);
    this.list = this.list.filter((x) => x !== m);
    // A removed member shuts itself down: "the member has been permanently removed from the cluster".
    m.proc = 'stopped';
    this.hosts.setOverride(m.node, 'etcd', { kind: 'down', exitCode: 1, reason: 'Error' });
    if (this.leader === m.id) this.leader = undefined;
    this.recheck();
  }

  async memberAdd(name: string, node?: string): Promise<EtcdMember> {
    const host = node ?? name;
    if (!this.hosts.has(host)) {
      throw new InvalidInputError(
        `Cannot add etcd member "${name}": "${host}" is not a node of cluster "${this.ctx.cluster}".`,
      );
    }
    this.requireQuorum(`member add ${name}`);
    if (this.list.some((m) => m.node === host)) {
      throw new InfrastructureError(`etcdctl member add ${name} failed: etcdserver: Peer URLs already exists.`);
    }
    const m: Member = {
      id: this.newId(),
      name,
      node: host,
      proc: 'running',
      readyAt: this.ctx.clock.now() + this.ctx.params.etcdElectionTimeout,
    };
    this.list.push(m);
    this.hosts.setOverride(host, 'etcd', undefined);
    this.hosts.setManifest(host, 'etcd', true);
    this.recheck();
    return this.describe(m);
  }

  async pointApiserver(members: string[]): Promise<void> {
    this.apiserverEndpoints = members.map((n) => {
      const m = this.list.find((x) => x.name === n || x.node === n || x.id === n);
      if (m) return this.clientURL(m);
      if (this.hosts.has(n)) return `${this.scheme}://${this.hosts.internalIP(n)}:2379`;
      throw new InvalidInputError(`Cannot point kube-apiserver at "${n}": no such etcd member or node.`);
    });
  }

  async write(key: string, value: string): Promise<WriteResult> {
    const why = this.leader ? undefined : REQUEST_TIMED_OUT;
    if (why) return { ok: false, error: why };
    this.kv.set(key, value);
    this.kvRevision = Math.max(this.kvRevision, this.ctx.store.resourceVersion) + 1;
    return { ok: true, revision: this.kvRevision };
  }

  async read(prefix: string): Promise<Map<string, string>> {
    if (!this.leader) throw new InfrastructureError(REQUEST_TIMED_OUT);
    const out = new Map<string, string>();
    for (const [k, v] of this.kv) if (k.startsWith(prefix)) out.set(k, v);
    return out;
  }

  // ---- helpers ----------------------------------------------------------------------------------------

  private requireQuorum(what: string): void {
    if (!this.leader) throw new InfrastructureError(`etcdctl ${what} failed: ${REQUEST_TIMED_OUT}`);
  }

  private member(name: string): Member {
    const m = this.list.find((x) => x.name === name || x.node === name || x.id === name);
    if (!m) {
      throw new InvalidInputError(
        `No etcd member "${name}" in cluster "${this.ctx.cluster}". Members: ${this.list.map((x) => x.name).join(', ') || '(none)'}.`,
      );
    }
    return m;
  }

  private clientURL(m: Member): string {
    return `${this.scheme}://${this.hosts.internalIP(m.node)}:2379`;
  }

  private describe(m: Member): EtcdMember {
    return {
      id: m.id,
      name: m.name,
      peerURL: `${this.scheme}://${this.hosts.internalIP(m.node)}:2380`,
      clientURL: this.clientURL(m),
      node: m.node,
    };
  }

  private newId(): string {
    let id = hex(this.ctx.random, 16);
    while (id.startsWith('0')) id = hex(this.ctx.random, 16);
    return id;
  }

  /** The cluster ID `member add` and `member remove` print. */
  get id(): string {
    return this.clusterId;
  }
}

function overrideFor(proc: Proc): ContainerOverride | undefined {
  switch (proc) {
    case 'killed':
      return { kind: 'down', exitCode: 137, reason: 'Error' };
    case 'stopped':
      return { kind: 'down', exitCode: 0, reason: 'Completed' };
    case 'paused':
      return { kind: 'hung' };
    case 'running':
      return undefined;
  }
}
