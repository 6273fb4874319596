import type { FaultItem } from '../experiment/types.js';
import type { FaultPlan, PluginContext } from '../kit/plugin.js';
import type { Kube } from '../kube/kube.js';
import type { KubeObject } from '../kube/objects.js';
import type { ResourceName } from '../kube/resources.js';
import type { EtcdOps } from '../targets/target.js';
import { Journal, type HostCall, type JournalChange, type JournalFault, type JournalObject } from './journal.js';
import type { AnyFault } from './plugins.js';
import { recordable } from './recordable.js';

/** A fault resolved into exactly what it will change, before anything changes. */
export interface PlannedFault {
  /** Its position in the experiment's `faults`, and its key in the journal. */
  index: number;
  item: FaultItem;
  fault: AnyFault;
  ctx: PluginContext;
  params: Record<string, unknown>;
  plan: FaultPlan;
}

/**
 * Objects the drill may write but that are not state to put back: pods come and go with their controllers
 * (a fault's own pods are deleted by its revert), events and leases are records, and a namespace gameday
 * creates for its own objects stays.
 */
const NOT_RECORDED: ReadonlySet<ResourceName> = new Set<ResourceName>([
  'pods',
  'events',
  'leases',
  'namespaces',
  'endpoints',
  'replicasets',
]);

/**
 * Every change the drill makes, in order, backed by the journal so that a crashed run can be undone from
 * disk, and rolled back exactly: what was touched, newest first.
 *
 * - Faults undo themselves: each is journalled (`add`) with its plan before it starts, counts from the
 *   moment its injection starts (`mark(p, 'injecting')`: it may be half-applied) and is reverted by its own
 *   `revert`. Setup items that prepare a drill can be journalled the same way.
 * - Recovery steps do not: whatever they do goes through the drill's target (drill-target.ts), which
 *   records here, before the first write to each object, the object as it was (`recordWrite`), and each
 *   host-level change with the call that undoes it (`beginChange`/`endChange`). The rollback undoes those
 *   changes and puts every recorded object back as it was before the drill (reconcile.ts).
 */
export class Ledger {
  private readonly planned: PlannedFault[] = [];

  constructor(
    readonly journal: Journal,
    faults: readonly PlannedFault[] = [],
  ) {
    for (const p of faults) this.add(p);
  }

  get faults(): readonly PlannedFault[] {
    return this.planned;
  }

  /** Journal a planned fault before anything of it happens. */
  add(p: PlannedFault): void {
    this.planned.push(p);
    if (!this.journal.data.faults.some((f) => f.index === p.index)) {
      this.journal.addFault({
        index: p.index,
        type: p.fault.name,
        cluster: p.ctx.cluster,
        params: p.params,
        plan: p.plan,
      });
    }
  }

  status(p: PlannedFault): JournalFault['status'] | undefined {
    return this.journal.data.faults.find((f) => f.index === p.index)?.status;
  }

  mark(p: PlannedFault, status: JournalFault['status'], error?: string): void {
    this.journal.mark(p.index, status, error);
  }

  /** The faults that may have changed something: every fault whose injection started. */
  touched(): PlannedFault[] {
    return this.planned.filter((p) => this.status(p) !== 'planned');
  }

  /**
   * Before a write by `by` to an object: the first time the drill writes to it, read it and journal it as
   * it is (absent: null), so that the rollback can put it back; every writer is noted.
   */
  async recordWrite(
    kube: Kube,
    resource: ResourceName,
    namespace: string | undefined,
    name: string | undefined,
    by: string,
  ): Promise<void> {
    if (name === undefined || NOT_RECORDED.has(resource)) return;
    const rec = await this.record(kube, resource, namespace, name);
    this.journal.touchObject(rec, by);
  }

  /** Record an object's state now if the journal does not have it yet (reads only). */
  async record(
    kube: Kube,
    resource: ResourceName,
    namespace: string | undefined,
    name: string,
  ): Promise<JournalObject> {
    const ref = { cluster: kube.cluster, resource, ...(namespace !== undefined ? { namespace } : {}), name };
    const had = this.journal.findObject(ref);
    if (had) return had;
    return this.recordSeen(kube.cluster, resource, namespace, name, await kube.get(resource, name, namespace));
  }

  /** Whether an object is recorded already. */
  has(cluster: string, resource: ResourceName, namespace: string | undefined, name: string): boolean {
    return (
      this.journal.findObject({ cluster, resource, ...(namespace !== undefined ? { namespace } : {}), name }) !==
      undefined
    );
  }

  /** Record an object as it was just read (`undefined`: absent), unless it is recorded already. */
  recordSeen(
    cluster: string,
    resource: ResourceName,
    namespace: string | undefined,
    name: string,
    now: KubeObject | undefined,
  ): JournalObject {
    const ref = { cluster, resource, ...(namespace !== undefined ? { namespace } : {}), name };
    return (
      this.journal.findObject(ref) ??
      this.journal.recordObject({ ...ref, before: now ? recordable(resource, now) : null, by: [] })
    );
  }

  /** An object the drill created that was not there before (an added node): it is removed on rollback. */
  recordCreated(cluster: string, resource: ResourceName, name: string, by: string): void {
    const rec = this.journal.recordObject({ cluster, resource, name, before: null, by: [] });
    this.journal.touchObject(rec, by);
  }

  /** etcd membership as it is before the drill's first change to it. */
  async recordMembership(cluster: string, etcd: EtcdOps): Promise<void> {
    if (this.journal.data.etcd?.[cluster]) return;
    this.journal.recordMembership(cluster, await etcd.members());
  }

  /** A host-level change is about to be made: journalled first, with what undoes it. */
  beginChange(cluster: string, call: HostCall, by: string): JournalChange {
    const { key, undo } = inverse(call);
    return this.journal.addChange({ by, cluster, call, key, ...(undo ? { undo } : {}) });
  }

  endChange(change: JournalChange): void {
    this.journal.markChange(change, 'done');
  }

  finish(ok: boolean): void {
    this.journal.finish(ok ? 'rolled-back' : 'rollback-incomplete');
  }
}

/**
 * What undoes a host-level call, and the key of the thing it acts on: of several calls on one key only the
 * newest decides (a kubelet stopped, then started again, needs nothing).
 */
export function inverse(call: HostCall): { key: string; undo?: HostCall } {
  const [a0, a1, a2] = call.args as [unknown, unknown, unknown];
  const node = String(a0);
  const up = (op: string, args: unknown[]): HostCall => ({ on: call.on, op, args });
  if (call.on === 'etcd') {
    if (call.op === 'stopMember') return { key: `member/${node}`, undo: up('startMember', [node]) };
    return { key: `member/${node}` };
  }
  switch (call.op) {
    case 'service':
      return {
        key: `${node}/service/${String(a1)}`,
        ...(a2 === 'stop' ? { undo: up('service', [node, a1, 'start']) } : {}),
      };
    case 'power':
      return { key: `${node}/power`, ...(a1 === 'off' ? { undo: up('power', [node, 'on']) } : {}) };
    case 'network':
      return { key: `${node}/network`, ...(a1 === 'disconnect' ? { undo: up('network', [node, 'connect']) } : {}) };
    case 'freeze':
      return { key: `${node}/freeze`, ...(a1 === 'pause' ? { undo: up('freeze', [node, 'unpause']) } : {}) };
    case 'manifest':
      return {
        key: `${node}/manifest/${String(a1)}`,
        ...(a2 === 'out' ? { undo: up('manifest', [node, a1, 'in']) } : {}),
      };
    case 'pressure':
      return { key: `${node}/pressure/${String(a1)}`, undo: up('relieve', [node, a1]) };
    case 'relieve':
      return { key: `${node}/pressure/${String(a1)}` };
    case 'overload':
      return { key: `${node}/overload`, ...(a1 === 'start' ? { undo: up('overload', [node, 'stop']) } : {}) };
    default:
      return { key: `${node}/${call.op}` };
  }
}
