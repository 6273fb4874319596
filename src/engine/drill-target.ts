import { AbortedError } from '../errors.js';
import type { Kube } from '../kube/kube.js';
import type { KubeObject } from '../kube/objects.js';
import type { ResourceName } from '../kube/resources.js';
import type { EtcdOps, NodeOps, Target } from '../targets/target.js';
import { callWords, type HostCall } from './journal.js';
import type { Ledger } from './ledger.js';

/** Who acts through a drill target: faults (and setup) undo themselves; steps are undone by the ledger. */
export interface DrillActor {
  role: 'fault' | 'step';
  /** In the journal, who wrote, e.g. "/recovery/steps/2 (stop-service)". */
  label(): string;
  /** The ledger of the drill, once the journal is written (none before: nothing may change then). */
  ledger(): Ledger | undefined;
  /** Why nothing may change any more (the drill was stopped), or undefined. */
  stopped(): string | undefined;
  /** A change under way: the rollback waits for it to end before undoing what it did. */
  track<T>(change: Promise<T>, what: string): Promise<T>;
}

/**
 * The target as a drill's faults and steps see it: every change goes through here, so that
 *  - once the drill is stopped (a signal, an abort condition, its end) no fault or step changes anything
 *    more, even one still running because it was stuck in a wait that cannot be interrupted;
 *  - before the drill first writes to an object, the ledger records it as it was, and a host-level change
 *    a step makes is journalled with what undoes it.
 * Reads pass through untouched. Probes and the rollback use the target itself.
 */
export class DrillTarget implements Target {
  private readonly kubes = new Map<string, Kube>();
  private readonly nodeOps = new Map<string, NodeOps>();
  private readonly etcdOps = new Map<string, EtcdOps>();

  constructor(
    private readonly inner: Target,
    private readonly actor: DrillActor,
  ) {}

  get kind(): Target['kind'] {
    return this.inner.kind;
  }
  get clock(): Target['clock'] {
    return this.inner.clock;
  }
  get actions(): Target['actions'] {
    return this.inner.actions;
  }
  clusters(): string[] {
    return this.inner.clusters();
  }
  /** The target itself is closed by whoever made it. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  private gate(what: string): void {
    const why = this.actor.stopped();
    if (why !== undefined) throw new AbortedError(`${why} Not done: ${what}.`);
  }

  kube(cluster: string): Kube {
    let k = this.kubes.get(cluster);
    if (!k) {
      k = this.wrapKube(this.inner.kube(cluster));
      this.kubes.set(cluster, k);
    }
    return k;
  }

  nodes(cluster: string): NodeOps {
    let n = this.nodeOps.get(cluster);
    if (!n) {
      n = this.wrapNodes(cluster, this.inner.nodes(cluster));
      this.nodeOps.set(cluster, n);
    }
    return n;
  }

  etcd(cluster: string): EtcdOps {
    let e = this.etcdOps.get(cluster);
    if (!e) {
      e = this.wrapEtcd(cluster, this.inner.etcd(cluster));
      this.etcdOps.set(cluster, e);
    }
    return e;
  }

  private async beforeWrite(
    kube: Kube,
    verb: string,
    resource: ResourceName,
    namespace: string | undefined,
    name: string | undefined,
  ): Promise<void> {
    const what = `${verb} ${resource} ${namespace ? `${namespace}/` : ''}${name ?? ''}`;
    this.gate(what);
    const ledger = this.actor.ledger();
    if (!ledger || kube.dryRun) return;
    await ledger.recordWrite(kube, resource, namespace, name, this.actor.label());
    this.gate(what);
  }

  private wrapKube(k: Kube): Kube {
    const before = (verb: string, r: ResourceName, ns: string | undefined, name: string | undefined) =>
      this.beforeWrite(k, verb, r, ns, name);
    const t = <T>(p: Promise<T>, what: string): Promise<T> => this.actor.track(p, what);
    const meta = (o: KubeObject): [string | undefined, string | undefined] => [o.metadata.namespace, o.metadata.name];
    return {
      get cluster() {
        return k.cluster;
      },
      get config() {
        return k.config;
      },
      get dryRun() {
        return k.dryRun;
      },
      list: (r, o) => k.list(r, o),
      get: (r, n, ns) => k.get(r, n, ns),
      informer: (r, o) => k.informer(r, o),
      raw: (p) => k.raw(p),
      close: () => undefined,
      create: async (r, obj) => (await before('create', r, ...meta(obj)), t(k.create(r, obj), `create ${r}`)),
      replace: async (r, obj) => (await before('replace', r, ...meta(obj)), t(k.replace(r, obj), `replace ${r}`)),
      patch: async (r, name, body, o) => (
        await before('patch', r, o.namespace, name),
        t(k.patch(r, name, body, o), `patch ${r} ${name}`)
      ),
      delete: async (r, name, o) => (
        await before('delete', r, o?.namespace, name),
        t(k.delete(r, name, o), `delete ${r} ${name}`)
      ),
      scale: async (r, ns, name, n) => (
        await before('scale', r, ns, name),
        t(k.scale(r, ns, name, n), `scale ${r} ${name}`)
      ),
      // Evicting a pod changes no state to put back (its controller makes another): only the gate holds.
      evict: async (ns, name) => (this.gate(`evict pod ${ns}/${name}`), t(k.evict(ns, name), `evict ${ns}/${name}`)),
    };
  }

  /**
   * A host-level call: the node (or etcd membership) is recorded as it was, and a step's call is journalled
   * with what undoes it before it is made; it stays "doing" if it throws (it may be half-done).
   */
  private async host<T>(cluster: string, call: HostCall, node: string | undefined, run: () => Promise<T>): Promise<T> {
    const what = callWords(call);
    this.gate(what);
    const ledger = this.actor.ledger();
    const kube = this.inner.kube(cluster);
    const tracked = (): Promise<T> => this.actor.track(run(), what);
    if (!ledger || kube.dryRun) return tracked();
    if (node !== undefined) await this.recordNode(ledger, kube, node);
    if (call.on === 'etcd' && MEMBERSHIP.has(call.op)) await ledger.recordMembership(cluster, this.inner.etcd(cluster));
    this.gate(what);
    if (this.actor.role !== 'step' || !CHANGES.has(call.op)) return tracked();
    const change = ledger.beginChange(cluster, call, this.actor.label());
    const out = await tracked();
    ledger.endChange(change);
    return out;
  }

  /**
   * The node as it is before the drill's first host call on it. Host operations must not depend on the API
   * (a power-on while the apiserver is down): a node it cannot show within NODE_READ_MS is left unrecorded,
   * so not compared after the rollback, and the call goes ahead. Nodes the faults hit were recorded before
   * the first fault.
   */
  private async recordNode(ledger: Ledger, kube: Kube, node: string): Promise<void> {
    if (ledger.has(kube.cluster, 'nodes', undefined, node)) return;
    const stop = new AbortController();
    const read = await Promise.race([
      kube.get('nodes', node).then(
        (now) => ({ now }),
        () => undefined,
      ),
      this.inner.clock.sleep(NODE_READ_MS, stop.signal).then(
        () => undefined,
        () => undefined,
      ),
    ]);
    stop.abort();
    if (read) ledger.recordSeen(kube.cluster, 'nodes', undefined, node, read.now);
  }

  private wrapNodes(cluster: string, n: NodeOps): NodeOps {
    const call =
      (op: keyof NodeOps) =>
      (...args: unknown[]): HostCall => ({ on: 'nodes', op, args });
    return {
      service: (node, s, a) => this.host(cluster, call('service')(node, s, a), node, () => n.service(node, s, a)),
      power: (node, a) => this.host(cluster, call('power')(node, a), node, () => n.power(node, a)),
      network: (node, a) => this.host(cluster, call('network')(node, a), node, () => n.network(node, a)),
      freeze: (node, a) => this.host(cluster, call('freeze')(node, a), node, () => n.freeze(node, a)),
      manifest: (node, c, a) => this.host(cluster, call('manifest')(node, c, a), node, () => n.manifest(node, c, a)),
      pressure: (node, r, amt) =>
        this.host(cluster, call('pressure')(node, r, amt), node, () => n.pressure(node, r, amt)),
      relieve: (node, r) => this.host(cluster, call('relieve')(node, r), node, () => n.relieve(node, r)),
      overload: (node, a) => this.host(cluster, call('overload')(node, a), node, () => n.overload(node, a)),
      removeNode: (node) => this.host(cluster, call('removeNode')(node), node, () => n.removeNode(node)),
      addNode: async (spec) => {
        const name = await this.host(cluster, call('addNode')(spec), spec.name, () => n.addNode(spec));
        const ledger = this.actor.ledger();
        // A node the drill added was not there before it: the rollback removes it.
        if (ledger && !this.inner.kube(cluster).dryRun)
          ledger.recordCreated(cluster, 'nodes', name, this.actor.label());
        return name;
      },
      serviceState: (node, s) => n.serviceState(node, s),
    };
  }

  private wrapEtcd(cluster: string, e: EtcdOps): EtcdOps {
    const call = (op: keyof EtcdOps, ...args: unknown[]): HostCall => ({ on: 'etcd', op, args });
    return {
      members: () => e.members(),
      running: () => e.running(),
      health: () => e.health(),
      snapshotSave: (label) => e.snapshotSave(label),
      write: (k, v) => e.write(k, v),
      read: (p) => e.read(p),
      stopMember: (m, how) => this.host(cluster, call('stopMember', m, how), undefined, () => e.stopMember(m, how)),
      startMember: (m) => this.host(cluster, call('startMember', m), undefined, () => e.startMember(m)),
      restoreSingle: (m, s) =>
        this.host(cluster, call('restoreSingle', m, s.path), undefined, () => e.restoreSingle(m, s)),
      memberRemove: (m) => this.host(cluster, call('memberRemove', m), undefined, () => e.memberRemove(m)),
      memberAdd: (m, node) => this.host(cluster, call('memberAdd', m, node), undefined, () => e.memberAdd(m, node)),
      pointApiserver: (ms) => this.host(cluster, call('pointApiserver', ms), undefined, () => e.pointApiserver(ms)),
    };
  }
}

/** How long a host call waits to read its node from the API before going ahead without the record. */
export const NODE_READ_MS = 5_000;

/** Calls that change etcd membership: the members before them are recorded, for the rollback's check. */
const MEMBERSHIP = new Set(['restoreSingle', 'memberRemove', 'memberAdd']);
/** Host-level calls a step's change is journalled for (with an undo where one exists). */
const CHANGES = new Set([
  'service',
  'power',
  'network',
  'freeze',
  'manifest',
  'pressure',
  'relieve',
  'overload',
  'stopMember',
  'startMember',
]);
