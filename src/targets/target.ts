import type { Clock } from '../engine/clock.js';
import type { Kube } from '../kube/kube.js';

/**
 * The one interface every target implements (sim, kind, lab), so that an experiment runs unchanged on all
 * three. API access goes through `kube()` (client-node); host-level operations go through `nodes()` and
 * etcd operations through `etcd()`. In dry-run mode a target records what it would do instead of doing it.
 */
export interface Target {
  readonly kind: TargetKind;
  readonly clock: Clock;
  /** Cluster names this target can reach, first one the default. */
  clusters(): string[];
  kube(cluster: string): Kube;
  nodes(cluster: string): NodeOps;
  etcd(cluster: string): EtcdOps;
  /** Every action performed (or, in dry-run, planned), in order. */
  readonly actions: ActionLog;
  /**
   * Why this target cannot do `capability` on `cluster`, or undefined when it can. The runner asks before
   * anything changes, for every capability an experiment's faults and steps need, and refuses the drill.
   */
  cannot?(cluster: string, capability: Capability): string | undefined;
  /**
   * What tells this cluster from any other even while its API is down (a served simulator's instance), when
   * the target has it; otherwise the kube-system namespace's UID, read through the API, identifies it.
   */
  clusterUid?(cluster: string): Promise<string | undefined>;
  /**
   * The node gameday itself runs on in `cluster` (a scheduled game day's pod), which no fault may power
   * off, freeze or cut off: the drill would end with its own process. Undefined when it runs elsewhere.
   */
  selfNode?(cluster: string): string | undefined;
  close(): Promise<void>;
}

export type TargetKind = 'sim' | 'kind' | 'lab';

/** A kind of host or etcd operation a fault or recovery step needs from the target. */
export type Capability =
  | 'service'
  | 'power'
  | 'network'
  | 'freeze'
  | 'manifest'
  | 'memory-pressure'
  | 'disk-pressure'
  | 'overload'
  | 'add-node'
  | 'remove-node'
  | 'etcd';

/** One API call, command or simulator operation a target performed or would perform. */
export interface Action {
  at: number;
  cluster: string;
  /** api: a Kubernetes API call; command: a docker/ssh/kubectl/etcdctl command line; sim: a simulator operation. */
  kind: 'api' | 'command' | 'sim';
  text: string;
  dryRun: boolean;
  /**
   * A read-only command or call (docker ps, etcdctl member list) that a target runs even in dry-run mode,
   * because planning the drill needs its answer. Absent means it may change something.
   */
  readOnly?: boolean;
}

export class ActionLog {
  readonly entries: Action[] = [];
  private listeners: ((a: Action) => void)[] = [];
  record(a: Action): void {
    this.entries.push(a);
    for (const l of this.listeners) l(a);
  }
  onRecord(listener: (a: Action) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }
}

export type NodeService = 'kubelet' | 'container-runtime';
export type ServiceAction = 'stop' | 'start' | 'restart';
export type PowerAction = 'off' | 'shutdown' | 'on';

export interface AddressOptions {
  /** The node's address before the fault, as `NodeOps.address` gave it. */
  address?: string | undefined;
}

export type ControlPlaneComponent = 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler' | 'etcd';

/** Host-level operations: what an SRE does with ssh, systemctl, IPMI or docker. */
export interface NodeOps {
  service(node: string, service: NodeService, action: ServiceAction): Promise<void>;
  /**
   * off: the host dies at once (power loss, kernel crash: nothing is shut down in order); shutdown: an
   * orderly shutdown (systemd stops every unit); on: it boots and its services start. `address`: the
   * address the node had before (from the journal), for a target whose nodes can come back on another one.
   */
  power(node: string, action: PowerAction, options?: AddressOptions): Promise<void>;
  /** disconnect: the node cannot reach the control plane (nor it the node); connect heals. */
  network(node: string, action: 'disconnect' | 'connect', options?: AddressOptions): Promise<void>;
  /**
   * The address other nodes reach `node` on now (read-only), for the journal: a node that comes back on
   * another address (a kind node restarted by docker) is put back on this one. Undefined when it has none.
   */
  address?(node: string): Promise<string | undefined>;
  /** pause: the whole host freezes (a hung machine); unpause resumes it. */
  freeze(node: string, action: 'pause' | 'unpause'): Promise<void>;
  /** Move /etc/kubernetes/manifests/<component>.yaml out of the manifest directory, or back. */
  manifest(node: string, component: ControlPlaneComponent, action: 'out' | 'in'): Promise<void>;
  /**
   * Consume node memory or disk outside Kubernetes' accounting (a runaway process, a filling log volume),
   * with one meaning on every target: a Kubernetes quantity ("2Gi") is taken on top of what is in use; a
   * percentage of capacity ("95%") is a level to fill up to; "leave:<quantity>" fills until only that much
   * is available.
   */
  pressure(node: string, resource: 'memory' | 'disk', amount: string): Promise<void>;
  /** Undo `pressure`: the process ends, the log files are truncated. */
  relieve(node: string, resource: 'memory' | 'disk'): Promise<void>;
  /** CPU load that starves the kubelet (load average many times the cores): heartbeats stop getting through. */
  overload(node: string, action: 'start' | 'stop'): Promise<void>;
  /** Join a new node to the cluster (scale out / replacement capacity). Returns its name. */
  addNode(spec: NewNodeSpec): Promise<string>;
  /** Remove a node from the cluster for good (scale in). */
  removeNode(node: string): Promise<void>;
  /** Service state as `systemctl is-active` would say it, for probes and the node shell. */
  serviceState(node: string, service: NodeService): Promise<'active' | 'inactive' | 'unknown'>;
}

export interface NewNodeSpec {
  name?: string;
  role?: 'worker' | 'master';
  /** Kubernetes quantities; default: like the cluster's other workers. */
  cpu?: string;
  memory?: string;
  labels?: Record<string, string>;
}

export interface EtcdMember {
  id: string;
  name: string;
  peerURL: string;
  clientURL: string;
  /** The host or node the member runs on (a node name on sim/kind/lab). */
  node?: string;
}

export interface EtcdEndpointHealth {
  endpoint: string;
  member: string;
  healthy: boolean;
  /** etcdctl's own line: "<ep> is healthy: successfully committed proposal: took = 2.1ms". */
  message: string;
}

export interface EtcdSnapshot {
  path: string;
  revision: number;
  keys: number;
  takenAt: number;
}

export interface RestoreOptions {
  /**
   * Restore a file that did not come from `snapshot save` (a copied member database, which has no hash):
   * `--skip-hash-check`. Default false: the snapshot's integrity hash is checked.
   */
  skipHashCheck?: boolean | undefined;
  /**
   * The membership before the fault (from the journal), for when no member answers `member list`: the
   * restored member keeps its real name and peer URL.
   */
  membership?: readonly EtcdMember[] | undefined;
}

export interface MemberAddOptions {
  /**
   * After the member joined, rewrite the other members' --initial-cluster to the new member list, one member
   * at a time and waiting for each to be healthy again (the runbook's migration, step 1.8).
   */
  updatePeers?: boolean | undefined;
}

export type WriteResult = { ok: true; revision: number } | { ok: false; error: string };

/** etcd member operations, as the runbook performs them with etcdctl and static-pod manifests. */
export interface EtcdOps {
  /** `etcdctl member list`. */
  members(): Promise<EtcdMember[]>;
  /** Members whose process is running (not the same as healthy: a running member may lack quorum). */
  running(): Promise<string[]>;
  /** kill: SIGKILL; stop: graceful; pause: SIGSTOP, a hung member. */
  stopMember(name: string, how: 'kill' | 'stop' | 'pause'): Promise<void>;
  /** Restart a stopped member in place with its data (the manifest moved back), or resume a paused one. */
  startMember(name: string): Promise<void>;
  /** `etcdctl endpoint health --cluster`. */
  health(): Promise<EtcdEndpointHealth[]>;
  snapshotSave(label?: string): Promise<EtcdSnapshot>;
  /**
   * The runbook's single-member restore: stop every remaining member, move data directories aside (never
   * deleted), `snapshot restore` as a new one-member cluster on `member`'s host, start it.
   */
  restoreSingle(member: string, snapshot: EtcdSnapshot, options?: RestoreOptions): Promise<void>;
  /** `member remove <id>`. */
  memberRemove(name: string): Promise<void>;
  /** `member add <name> --peer-urls=...`, then start it with initial-cluster-state=existing. */
  memberAdd(name: string, node?: string, options?: MemberAddOptions): Promise<EtcdMember>;
  /** Point kube-apiserver's --etcd-servers at these members. */
  pointApiserver(members: string[]): Promise<void>;
  /** One write through the cluster (a linearizable put), for the steady writer probe. */
  write(key: string, value: string): Promise<WriteResult>;
  /** Keys under `prefix` with their values, read linearizably. Throws when the cluster cannot answer. */
  read(prefix: string): Promise<Map<string, string>>;
}
