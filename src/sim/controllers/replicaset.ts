import type { KubeObject } from '../../kube/objects.js';
import type { StoreEvent } from '../store/store.js';
import { labelSelectorMatches } from '../store/selectors.js';
import { BaseController, splitKey } from './base-controller.js';
import { deletePod } from './delete.js';
import { claimPods, fullyLabeled, podFromTemplate } from './owned-pods.js';
import { conditionOf } from '../../kube/objects.js';
import { controllerOf, isActive, isAvailable, isReady, msUntilAvailable } from './pods.js';
import { createAdmitted } from './write.js';

/** At most this many pods are created or deleted per sync (controller.BurstReplicas). */
const BURST_REPLICAS = 500;

/**
 * The ReplicaSet controller: keeps `spec.replicas` active pods (not finished, not being deleted, so a
 * Terminating pod is replaced at once), deletes surplus pods least valuable first, and reports status.
 */
export class ReplicaSetController extends BaseController {
  readonly name = 'replicaset-controller';
  protected readonly component = 'kube-controller-manager' as const;

  protected resyncAll(): void {
    for (const rs of this.ctx.store.list('replicasets')) this.enqueue(key(rs));
  }

  protected onStoreEvent(e: StoreEvent): void {
    if (e.resource === 'replicasets') {
      this.enqueue(key(e.object));
      return;
    }
    if (e.resource !== 'pods') return;
    const ref = controllerOf(e.object) ?? (e.old ? controllerOf(e.old) : undefined);
    if (ref) {
      if (ref.kind === 'ReplicaSet') this.enqueue(`${e.object.metadata.namespace}/${ref.name}`);
      return;
    }
    if (e.type === 'DELETED') return;
    // An orphan: whoever selects it may adopt it.
    for (const rs of this.ctx.store.list('replicasets', { namespace: e.object.metadata.namespace })) {
      if (labelSelectorMatches(rs.spec?.selector, e.object.metadata.labels)) this.enqueue(key(rs));
    }
  }

  protected reconcile(k: string): void {
    const [ns, name] = splitKey(k);
    const rs = this.ctx.store.get('replicasets', ns, name);
    if (!rs) return;
    const owned = claimPods(this.ctx, rs, 'ReplicaSet', 'apps/v1');
    const active = owned.filter(isActive);
    if (!rs.metadata.deletionTimestamp) this.manageReplicas(rs, active);
    this.updateStatus(ns, name);
  }

  private manageReplicas(rs: KubeObject, active: KubeObject[]): void {
    const want = (rs.spec?.replicas as number | undefined) ?? 1;
    const diff = active.length - want;
    if (diff < 0) {
      for (let i = 0; i < Math.min(-diff, BURST_REPLICAS); i++) {
        const pod = podFromTemplate(rs, 'ReplicaSet', 'apps/v1', rs.spec?.template);
        pod.metadata.generateName = `${rs.metadata.name}-`;
        const created = createAdmitted(this.ctx, 'pods', pod);
        this.ctx.events.record(
          rs,
          'Normal',
          'SuccessfulCreate',
          `Created pod: ${created.metadata.name}`,
          'replicaset-controller',
        );
      }
    } else if (diff > 0) {
      const victims = [...active].sort(deletionOrder).slice(0, Math.min(diff, BURST_REPLICAS));
      for (const p of victims) {
        deletePod(this.ctx.store, p, this.ctx.clock.now());
        this.ctx.events.record(
          rs,
          'Normal',
          'SuccessfulDelete',
          `Deleted pod: ${p.metadata.name}`,
          'replicaset-controller',
        );
      }
    }
  }

  private updateStatus(ns: string, name: string): void {
    const rs = this.ctx.store.get('replicasets', ns, name);
    if (!rs) return;
    const now = this.ctx.clock.now();
    const minReady = (rs.spec?.minReadySeconds as number | undefined) ?? 0;
    const uid = rs.metadata.uid;
    const active = (uid !== undefined ? this.ctx.store.podsControlledBy(uid) : []).filter(
      (p) => p.metadata.namespace === ns && isActive(p),
    );
    let nextAvailable: number | undefined;
    for (const p of active) {
      const left = msUntilAvailable(p, minReady, now);
      if (left !== undefined) nextAvailable = Math.min(nextAvailable ?? left, left);
    }
    if (nextAvailable !== undefined) this.enqueue(`${ns}/${name}`, nextAvailable);
    const status: Record<string, unknown> = {
      replicas: active.length,
      fullyLabeledReplicas: active.filter((p) => fullyLabeled(p, rs.spec?.template?.metadata?.labels)).length,
      readyReplicas: active.filter(isReady).length,
      availableReplicas: active.filter((p) => isAvailable(p, minReady, now)).length,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    if (rs.status?.conditions) status.conditions = rs.status.conditions;
    if (JSON.stringify(rs.status ?? {}) === JSON.stringify(status)) return;
    this.ctx.store.mutate('replicasets', ns, name, (o) => {
      o.status = status;
    });
  }
}

function key(o: KubeObject): string {
  return `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/** controller.ActivePods: the pod to delete first sorts first. */
function deletionOrder(a: KubeObject, b: KubeObject): number {
  const assigned = (p: KubeObject): number => (p.spec?.nodeName ? 1 : 0);
  if (assigned(a) !== assigned(b)) return assigned(a) - assigned(b);
  const phase = (p: KubeObject): number => PHASE_RANK[(p.status?.phase as string | undefined) ?? 'Pending'] ?? 0;
  if (phase(a) !== phase(b)) return phase(a) - phase(b);
  const ready = (p: KubeObject): number => (isReady(p) ? 1 : 0);
  if (ready(a) !== ready(b)) return ready(a) - ready(b);
  if (isReady(a) && isReady(b)) {
    const since = (p: KubeObject): number => Date.parse(conditionOf(p, 'Ready')?.lastTransitionTime ?? '') || 0;
    if (since(a) !== since(b)) return since(b) - since(a);
  }
  const restarts = (p: KubeObject): number =>
    ((p.status?.containerStatuses ?? []) as { restartCount?: number }[]).reduce(
      (n, c) => Math.max(n, c.restartCount ?? 0),
      0,
    );
  if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
  const created = (p: KubeObject): number => Date.parse(p.metadata.creationTimestamp ?? '') || 0;
  if (created(a) !== created(b)) return created(b) - created(a);
  return a.metadata.name < b.metadata.name ? -1 : 1;
}
