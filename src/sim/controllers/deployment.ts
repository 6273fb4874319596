import type { KubeObject } from '../../kube/objects.js';
import { StoreError, type StoreEvent } from '../store/store.js';
import { labelSelectorMatches } from '../store/selectors.js';
import { BaseController, splitKey } from './base-controller.js';
import {
  byCreation,
  copiedAnnotations,
  DESIRED_REPLICAS,
  equalIgnoreHash,
  getCondition,
  HASH_LABEL,
  isRolling,
  MAX_REPLICAS,
  maxSurge,
  maxUnavailable,
  replicasOf,
  REVISION,
  revisionOf,
  setCondition,
  sumSpec,
  sumStatus,
  type DeploymentCondition,
} from './deployment-util.js';
import { templateHash } from './hash.js';
import { controllerOf, isTerminal, ownerRef, rfc3339 } from './pods.js';
import { createAdmitted } from './write.js';

const COMPONENT = 'deployment-controller';

/** The working state of one sync: what will become the Deployment's status. */
interface Sync {
  d: KubeObject;
  conditions: DeploymentCondition[];
  collisionCount: number | undefined;
}

/**
 * The Deployment controller (pkg/controller/deployment): one ReplicaSet per template revision named
 * `<deployment>-<pod-template-hash>`, RollingUpdate within maxSurge/maxUnavailable, Recreate, proportional
 * scaling, pause, revision history clean-up, and the status fields and conditions `kubectl rollout status`
 * reads.
 */
export class DeploymentController extends BaseController {
  readonly name = 'deployment-controller';
  protected readonly component = 'kube-controller-manager' as const;

  protected resyncAll(): void {
    for (const d of this.ctx.store.list('deployments')) this.enqueue(key(d));
  }

  protected onStoreEvent(e: StoreEvent): void {
    const o = e.object;
    if (e.resource === 'deployments') this.enqueue(key(o));
    else if (e.resource === 'replicasets') {
      const ref = controllerOf(o) ?? (e.old ? controllerOf(e.old) : undefined);
      if (ref?.kind === 'Deployment') this.enqueue(`${o.metadata.namespace}/${ref.name}`);
      else if (!ref && e.type !== 'DELETED') {
        for (const d of this.ctx.store.list('deployments', { namespace: o.metadata.namespace })) {
          if (labelSelectorMatches(d.spec?.selector, o.metadata.labels)) this.enqueue(key(d));
        }
      }
    } else if (e.resource === 'pods' && e.type === 'DELETED') {
      // Recreate waits for every old pod to be gone.
      const ref = controllerOf(o);
      if (ref?.kind !== 'ReplicaSet') return;
      const rs = this.ctx.store.get('replicasets', o.metadata.namespace, ref.name);
      const dRef = rs ? controllerOf(rs) : undefined;
      if (dRef?.kind === 'Deployment') this.enqueue(`${o.metadata.namespace}/${dRef.name}`);
    }
  }

  protected reconcile(k: string): void {
    const [ns, name] = splitKey(k);
    const d = this.ctx.store.get('deployments', ns, name);
    if (!d) return;
    const s: Sync = {
      d,
      conditions: structuredClone((d.status?.conditions ?? []) as DeploymentCondition[]),
      collisionCount: d.status?.collisionCount as number | undefined,
    };
    const rsList = this.claimReplicaSets(d);
    if (d.metadata.deletionTimestamp) {
      this.writeStatus(s, rsList, this.findNew(d, rsList), false);
      return;
    }
    this.pausedConditions(s);
    if (d.spec?.paused) {
      this.syncScale(s, rsList);
      return;
    }
    if (this.isScalingEvent(d, rsList)) {
      this.syncScale(s, rsList);
      return;
    }
    if (isRolling(d)) this.rolloutRolling(s, rsList);
    else this.rolloutRecreate(s, rsList);
  }

  // --- ReplicaSets -------------------------------------------------------------------------------

  private claimReplicaSets(d: KubeObject): KubeObject[] {
    const out: KubeObject[] = [];
    for (const rs of this.ctx.store.list('replicasets', { namespace: d.metadata.namespace })) {
      const ref = controllerOf(rs);
      if (ref) {
        if (ref.uid === d.metadata.uid) out.push(rs);
        continue;
      }
      if (d.metadata.deletionTimestamp || !labelSelectorMatches(d.spec?.selector, rs.metadata.labels)) continue;
      const adopted = this.ctx.store.mutate('replicasets', rs.metadata.namespace, rs.metadata.name, (o) => {
        o.metadata.ownerReferences = [...(o.metadata.ownerReferences ?? []), ownerRef(d, 'Deployment', 'apps/v1')];
      });
      if (adopted) out.push(adopted);
    }
    return out.sort(byCreation);
  }

  private findNew(d: KubeObject, rsList: KubeObject[]): KubeObject | undefined {
    return rsList.find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
  }

  /** getAllReplicaSetsAndSyncRevision: the new ReplicaSet (created when asked) and the old ones. */
  private newAndOld(
    s: Sync,
    rsList: KubeObject[],
    create: boolean,
  ): { newRS: KubeObject | undefined; oldRSs: KubeObject[] } {
    const d = s.d;
    const existing = this.findNew(d, rsList);
    const oldRSs = rsList.filter((rs) => rs !== existing);
    const newRevision = String(Math.max(0, ...oldRSs.map(revisionOf)) + 1);
    const ns = d.metadata.namespace;
    if (existing) {
      let rs = existing;
      const minReady = d.spec?.minReadySeconds as number | undefined;
      const annotations = { ...copiedAnnotations(d), ...rs.metadata.annotations };
      if (revisionOf(rs) < Number(newRevision)) annotations[REVISION] = newRevision;
      if (
        JSON.stringify(annotations) !== JSON.stringify(rs.metadata.annotations ?? {}) ||
        rs.spec?.minReadySeconds !== minReady
      ) {
        rs =
          this.ctx.store.mutate('replicasets', ns, rs.metadata.name, (o) => {
            o.metadata.annotations = annotations;
            if (minReady === undefined) delete o.spec.minReadySeconds;
            else o.spec.minReadySeconds = minReady;
          }) ?? rs;
      }
      this.setRevision(d, rs.metadata.annotations?.[REVISION] ?? newRevision);
      if (!getCondition(s.conditions, 'Progressing')) {
        s.conditions = setCondition(
          s.conditions,
          this.condition('Progressing', 'True', 'FoundNewReplicaSet', `Found new replica set "${rs.metadata.name}"`),
        );
      }
      return { newRS: rs, oldRSs };
    }
    if (!create) return { newRS: undefined, oldRSs };

    const template = structuredClone(d.spec?.template ?? {}) as KubeObject;
    const hash = templateHash(template, s.collisionCount ?? 0);
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec?.selector ?? {}) as { matchLabels?: Record<string, string> };
    selector.matchLabels = { ...selector.matchLabels, [HASH_LABEL]: hash };
    const name = `${d.metadata.name}-${hash}`;
    const replicas = this.newRSReplicas(d, oldRSs, undefined);
    const rs: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name,
        namespace: ns ?? 'default',
        labels: { ...template.metadata.labels },
        annotations: {
          ...copiedAnnotations(d),
          [REVISION]: newRevision,
          [DESIRED_REPLICAS]: String(replicasOf(d)),
          [MAX_REPLICAS]: String(replicasOf(d) + maxSurge(d)),
        },
        ownerReferences: [ownerRef(d, 'Deployment', 'apps/v1')],
      },
      spec: { replicas, selector, template },
    };
    if (d.spec?.minReadySeconds !== undefined) rs.spec.minReadySeconds = d.spec.minReadySeconds;
    let created: KubeObject;
    try {
      created = createAdmitted(this.ctx, 'replicasets', rs);
    } catch (err) {
      if (!(err instanceof StoreError) || err.reason !== 'AlreadyExists') throw err;
      const other = this.ctx.store.get('replicasets', ns, name);
      if (
        other &&
        controllerOf(other)?.uid === d.metadata.uid &&
        equalIgnoreHash(other.spec?.template, d.spec?.template)
      ) {
        return { newRS: other, oldRSs };
      }
      // A hash collision: count it in status so the next hash differs, and retry.
      s.collisionCount = (s.collisionCount ?? 0) + 1;
      this.ctx.store.mutate('deployments', ns, d.metadata.name, (o) => {
        o.status = { ...o.status, collisionCount: s.collisionCount };
      });
      throw err;
    }
    if (replicas > 0) {
      this.ctx.events.record(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${name} from 0 to ${replicas}`,
        COMPONENT,
      );
    }
    this.setRevision(d, newRevision);
    s.conditions = setCondition(
      s.conditions,
      this.condition('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${name}"`),
    );
    return { newRS: created, oldRSs };
  }

  private setRevision(d: KubeObject, revision: string): void {
    if (d.metadata.annotations?.[REVISION] === revision) return;
    this.ctx.store.mutate('deployments', d.metadata.namespace, d.metadata.name, (o) => {
      o.metadata.annotations = { ...o.metadata.annotations, [REVISION]: revision };
    });
  }

  /** NewRSNewReplicas */
  private newRSReplicas(d: KubeObject, allOld: KubeObject[], newRS: KubeObject | undefined): number {
    const desired = replicasOf(d);
    if (!isRolling(d)) return desired;
    const current = sumSpec(allOld) + (newRS ? replicasOf(newRS) : 0);
    const maxTotal = desired + maxSurge(d);
    const cur = newRS ? replicasOf(newRS) : 0;
    if (current >= maxTotal) return cur;
    return cur + Math.min(maxTotal - current, desired - cur);
  }

  /** Scales and records the event; returns the ReplicaSet as stored afterwards. */
  private scale(rs: KubeObject, to: number, d: KubeObject): KubeObject {
    const from = replicasOf(rs);
    const desired = String(replicasOf(d));
    const max = String(replicasOf(d) + maxSurge(d));
    const a = rs.metadata.annotations ?? {};
    if (from === to && a[DESIRED_REPLICAS] === desired && a[MAX_REPLICAS] === max) return rs;
    const out =
      this.ctx.store.mutate('replicasets', rs.metadata.namespace, rs.metadata.name, (o) => {
        o.spec.replicas = to;
        o.metadata.annotations = { ...o.metadata.annotations, [DESIRED_REPLICAS]: desired, [MAX_REPLICAS]: max };
      }) ?? rs;
    if (from !== to) {
      const dir = to > from ? 'up' : 'down';
      this.ctx.events.record(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${dir} replica set ${rs.metadata.name} from ${from} to ${to}`,
        COMPONENT,
      );
    }
    return out;
  }

  private fresh(rs: KubeObject): KubeObject {
    return this.ctx.store.get('replicasets', rs.metadata.namespace, rs.metadata.name) ?? rs;
  }

  // --- strategies ---------------------------------------------------------------------------------

  private rolloutRolling(s: Sync, rsList: KubeObject[]): void {
    const d = s.d;
    const { newRS: created, oldRSs } = this.newAndOld(s, rsList, true);
    let newRS = created!;
    // reconcileNewReplicaSet
    const desired = replicasOf(d);
    const before = replicasOf(newRS);
    if (before > desired) newRS = this.scale(newRS, desired, d);
    else if (before < desired) newRS = this.scale(newRS, this.newRSReplicas(d, oldRSs, newRS), d);
    if (replicasOf(newRS) !== before) {
      this.writeStatus(
        s,
        [...oldRSs, newRS].map((r) => this.fresh(r)),
        newRS,
        true,
      );
      return;
    }
    if (
      this.reconcileOld(
        d,
        oldRSs.map((r) => this.fresh(r)),
        this.fresh(newRS),
      )
    ) {
      this.writeStatus(
        s,
        [...oldRSs, newRS].map((r) => this.fresh(r)),
        newRS,
        true,
      );
      return;
    }
    if (complete(d, d.status ?? {}))
      this.cleanup(
        d,
        oldRSs.map((r) => this.fresh(r)),
      );
    this.writeStatus(
      s,
      [...oldRSs, newRS].map((r) => this.fresh(r)),
      this.fresh(newRS),
      true,
    );
  }

  /** reconcileOldReplicaSets: scale old ReplicaSets down as far as maxUnavailable allows. */
  private reconcileOld(d: KubeObject, oldRSs: KubeObject[], newRS: KubeObject): boolean {
    const old = oldRSs.filter((rs) => replicasOf(rs) > 0).sort(byCreation);
    if (sumSpec(old) === 0) return false;
    const all = [...old, newRS];
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const newUnavailable = replicasOf(newRS) - ((newRS.status?.availableReplicas as number | undefined) ?? 0);
    const maxScaledDown = sumSpec(all) - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    // cleanupUnhealthyReplicas: unavailable old pods go first, they cost no availability.
    let cleaned = 0;
    const afterCleanup: KubeObject[] = [];
    for (const rs of old) {
      let cur = rs;
      const spec = replicasOf(rs);
      const available = (rs.status?.availableReplicas as number | undefined) ?? 0;
      if (cleaned < maxScaledDown && spec > 0 && spec !== available) {
        const n = Math.min(maxScaledDown - cleaned, spec - available);
        cur = this.scale(rs, spec - n, d);
        cleaned += n;
      }
      afterCleanup.push(cur);
    }
    // scaleDownOldReplicaSetsForRollingUpdate
    const availableCount = sumStatus([...afterCleanup, newRS], 'availableReplicas');
    let scaledDown = 0;
    if (availableCount > minAvailable) {
      const total = availableCount - minAvailable;
      for (const rs of afterCleanup) {
        if (scaledDown >= total) break;
        const spec = replicasOf(rs);
        if (spec === 0) continue;
        const n = Math.min(spec, total - scaledDown);
        this.scale(rs, spec - n, d);
        scaledDown += n;
      }
    }
    return cleaned + scaledDown > 0;
  }

  private rolloutRecreate(s: Sync, rsList: KubeObject[]): void {
    const d = s.d;
    let { newRS, oldRSs } = this.newAndOld(s, rsList, false);
    let scaledDown = false;
    for (const rs of oldRSs) {
      if (replicasOf(rs) > 0) {
        this.scale(rs, 0, d);
        scaledDown = true;
      }
    }
    const all = (): KubeObject[] => [...oldRSs, ...(newRS ? [newRS] : [])].map((r) => this.fresh(r));
    if (scaledDown || this.oldPodsRunning(oldRSs.map((r) => this.fresh(r)))) {
      this.writeStatus(s, all(), newRS, true);
      return;
    }
    if (!newRS) ({ newRS, oldRSs } = this.newAndOld(s, this.claimReplicaSets(d), true));
    if (newRS) newRS = this.scale(newRS, replicasOf(d), d);
    if (complete(d, d.status ?? {}))
      this.cleanup(
        d,
        oldRSs.map((r) => this.fresh(r)),
      );
    this.writeStatus(s, all(), newRS, true);
  }

  private oldPodsRunning(oldRSs: KubeObject[]): boolean {
    if (sumStatus(oldRSs, 'replicas') > 0) return true;
    const uids = new Set(oldRSs.map((rs) => rs.metadata.uid));
    return this.ctx.store
      .list('pods', { namespace: oldRSs[0]?.metadata.namespace })
      .some((p) => uids.has(controllerOf(p)?.uid) && !isTerminal(p));
  }

  // --- scaling and pause ------------------------------------------------------------------------

  private isScalingEvent(d: KubeObject, rsList: KubeObject[]): boolean {
    const newRS = this.findNew(d, rsList);
    const active = rsList.filter((rs) => replicasOf(rs) > 0 || rs === newRS);
    return active.some((rs) => {
      const desired = rs.metadata.annotations?.[DESIRED_REPLICAS];
      return desired !== undefined && Number(desired) !== replicasOf(d);
    });
  }

  /** sync(): scale (proportionally when several ReplicaSets are active) without rolling out. */
  private syncScale(s: Sync, rsList: KubeObject[]): void {
    const d = s.d;
    const { newRS, oldRSs } = this.newAndOld(s, rsList, false);
    this.proportionalScale(d, newRS, oldRSs);
    if (d.spec?.paused)
      this.cleanup(
        d,
        oldRSs.map((r) => this.fresh(r)),
      );
    const all = [...oldRSs, ...(newRS ? [newRS] : [])].map((r) => this.fresh(r));
    this.writeStatus(s, all, newRS ? this.fresh(newRS) : undefined, false);
  }

  private proportionalScale(d: KubeObject, newRS: KubeObject | undefined, oldRSs: KubeObject[]): void {
    const desired = replicasOf(d);
    const all = [...oldRSs, ...(newRS ? [newRS] : [])];
    const active = all.filter((rs) => replicasOf(rs) > 0);
    const target =
      active.length === 1
        ? active[0]
        : active.length === 0
          ? (newRS ?? [...oldRSs].sort((a, b) => revisionOf(b) - revisionOf(a))[0])
          : undefined;
    if (target) {
      this.scale(target, desired, d);
      return;
    }
    if (
      newRS &&
      replicasOf(newRS) === desired &&
      Number(newRS.metadata.annotations?.[DESIRED_REPLICAS]) === desired &&
      newRS.status?.availableReplicas === desired
    ) {
      for (const rs of oldRSs) if (replicasOf(rs) > 0) this.scale(rs, 0, d);
      return;
    }
    if (!isRolling(d)) return;
    const allowed = desired > 0 ? desired + maxSurge(d) : 0;
    const toAdd = allowed - sumSpec(active);
    if (toAdd === 0) return;
    const newest = (a: KubeObject, b: KubeObject): number => byCreation(b, a);
    const sorted = [...active].sort((a, b) =>
      toAdd > 0 ? replicasOf(b) - replicasOf(a) || newest(a, b) : replicasOf(a) - replicasOf(b) || -newest(a, b),
    );
    const sizes = new Map(sorted.map((rs) => [rs, replicasOf(rs)]));
    let added = 0;
    for (const rs of sorted) {
      const annotated = Number(rs.metadata.annotations?.[MAX_REPLICAS] ?? d.status?.replicas ?? 0);
      const fraction =
        desired === 0
          ? -replicasOf(rs)
          : annotated > 0
            ? Math.round((replicasOf(rs) * (desired + maxSurge(d))) / annotated) - replicasOf(rs)
            : 0;
      const left = toAdd - added;
      const n = toAdd > 0 ? Math.min(fraction, left) : Math.max(fraction, left);
      sizes.set(rs, replicasOf(rs) + n);
      added += n;
    }
    const first = sorted[0];
    if (first && added !== toAdd) sizes.set(first, Math.max(0, (sizes.get(first) ?? 0) + toAdd - added));
    for (const [rs, size] of sizes) this.scale(rs, Math.max(0, size), d);
  }

  private pausedConditions(s: Sync): void {
    if (!hasProgressDeadline(s.d)) return;
    const cond = getCondition(s.conditions, 'Progressing');
    const paused = !!s.d.spec?.paused;
    if (paused && cond?.reason !== 'DeploymentPaused') {
      s.conditions = replaceCondition(
        s.conditions,
        this.condition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused'),
      );
    } else if (!paused && cond?.reason === 'DeploymentPaused') {
      s.conditions = replaceCondition(
        s.conditions,
        this.condition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed'),
      );
    }
  }

  /** cleanupDeployment: delete the oldest scaled-down ReplicaSets beyond revisionHistoryLimit. */
  private cleanup(d: KubeObject, oldRSs: KubeObject[]): void {
    const limit = d.spec?.revisionHistoryLimit as number | undefined;
    if (limit === undefined) return;
    const cleanable = oldRSs
      .filter((rs) => !rs.metadata.deletionTimestamp)
      .sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    const diff = cleanable.length - limit;
    for (let i = 0; i < diff; i++) {
      const rs = cleanable[i]!;
      if (
        (rs.status?.replicas ?? 0) !== 0 ||
        replicasOf(rs) !== 0 ||
        (rs.metadata.generation ?? 1) > (rs.status?.observedGeneration ?? 0)
      )
        continue;
      this.ctx.store.remove('replicasets', rs.metadata.namespace, rs.metadata.name);
    }
  }

  // --- status -------------------------------------------------------------------------------------

  private condition(
    type: string,
    status: DeploymentCondition['status'],
    reason: string,
    message: string,
  ): DeploymentCondition {
    const now = rfc3339(this.ctx.clock.now());
    return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
  }

  /** calculateStatus + syncRolloutStatus (withProgress) or syncDeploymentStatus. */
  private writeStatus(s: Sync, allRSs: KubeObject[], newRS: KubeObject | undefined, withProgress: boolean): void {
    const d = this.ctx.store.get('deployments', s.d.metadata.namespace, s.d.metadata.name);
    if (!d) return;
    const desired = replicasOf(d);
    const available = sumStatus(allRSs, 'availableReplicas');
    const status: Record<string, unknown> = {
      observedGeneration: d.metadata.generation ?? 1,
      replicas: sumStatus(allRSs, 'replicas'),
      updatedReplicas: newRS ? sumStatus([newRS], 'replicas') : 0,
      readyReplicas: sumStatus(allRSs, 'readyReplicas'),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, sumSpec(allRSs) - available),
    };
    if (s.collisionCount !== undefined) status.collisionCount = s.collisionCount;
    let conds = s.conditions;
    conds =
      available >= desired - maxUnavailable(d)
        ? setCondition(
            conds,
            this.condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'),
          )
        : setCondition(
            conds,
            this.condition(
              'Available',
              'False',
              'MinimumReplicasUnavailable',
              'Deployment does not have minimum availability.',
            ),
          );

    if (withProgress && hasProgressDeadline(d)) {
      const cur = getCondition(conds, 'Progressing');
      const rsName = newRS?.metadata.name ?? '';
      const isComplete = status.replicas === status.updatedReplicas && cur?.reason === 'NewReplicaSetAvailable';
      if (!isComplete) {
        if (complete(d, status)) {
          conds = setCondition(
            conds,
            this.condition(
              'Progressing',
              'True',
              'NewReplicaSetAvailable',
              `ReplicaSet "${rsName}" has successfully progressed.`,
            ),
          );
        } else if (progressing(d.status ?? {}, status)) {
          const c = this.condition(
            'Progressing',
            'True',
            'ReplicaSetUpdated',
            `ReplicaSet "${rsName}" is progressing.`,
          );
          if (cur?.status === 'True') c.lastTransitionTime = cur.lastTransitionTime;
          conds = [...conds.filter((x) => x.type !== 'Progressing'), c];
        } else if (this.timedOut(d, conds)) {
          conds = setCondition(
            conds,
            this.condition(
              'Progressing',
              'False',
              'ProgressDeadlineExceeded',
              `ReplicaSet "${rsName}" has timed out progressing.`,
            ),
          );
        }
      }
    } else if (!hasProgressDeadline(d)) {
      conds = conds.filter((c) => c.type !== 'Progressing');
    }
    // Kubernetes keeps Available before Progressing.
    conds = [...conds].sort((a, b) => order(a.type) - order(b.type));
    status.conditions = conds;
    if (JSON.stringify(d.status ?? {}) !== JSON.stringify(status)) {
      this.ctx.store.mutate('deployments', d.metadata.namespace, d.metadata.name, (o) => {
        o.status = status;
      });
    }
    if (withProgress) this.requeueStuck(d, conds);
  }

  private timedOut(d: KubeObject, conds: DeploymentCondition[]): boolean {
    const c = getCondition(conds, 'Progressing');
    if (!c || c.reason === 'NewReplicaSetAvailable') return false;
    if (c.reason === 'ProgressDeadlineExceeded') return true;
    const from = Date.parse(c.lastUpdateTime);
    return from + (d.spec.progressDeadlineSeconds as number) * 1000 < this.ctx.clock.now();
  }

  /** Come back when the progress deadline would pass, to report ProgressDeadlineExceeded in time. */
  private requeueStuck(d: KubeObject, conds: DeploymentCondition[]): void {
    const c = getCondition(conds, 'Progressing');
    if (!hasProgressDeadline(d) || !c || c.status !== 'True' || c.reason === 'NewReplicaSetAvailable') return;
    const after =
      Date.parse(c.lastUpdateTime) + (d.spec.progressDeadlineSeconds as number) * 1000 - this.ctx.clock.now();
    this.enqueue(key(d), Math.max(after + 1, 1));
  }
}

function key(o: KubeObject): string {
  return `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
}

function hasProgressDeadline(d: KubeObject): boolean {
  const p = d.spec?.progressDeadlineSeconds as number | undefined;
  return p !== undefined && p !== 2147483647;
}

function order(type: string): number {
  return type === 'Available' ? 0 : type === 'Progressing' ? 1 : 2;
}

function replaceCondition(conds: DeploymentCondition[], c: DeploymentCondition): DeploymentCondition[] {
  return [...conds.filter((x) => x.type !== c.type), c];
}

/** DeploymentComplete */
function complete(d: KubeObject, status: Record<string, unknown>): boolean {
  const desired = replicasOf(d);
  return (
    status.updatedReplicas === desired &&
    status.replicas === desired &&
    status.availableReplicas === desired &&
    ((status.observedGeneration as number | undefined) ?? 0) >= (d.metadata.generation ?? 1)
  );
}

/** DeploymentProgressing */
function progressing(old: Record<string, number | undefined>, cur: Record<string, unknown>): boolean {
  const n = (v: unknown): number => (v as number | undefined) ?? 0;
  const oldOld = n(old.replicas) - n(old.updatedReplicas);
  const newOld = n(cur.replicas) - n(cur.updatedReplicas);
  return (
    n(cur.updatedReplicas) > n(old.updatedReplicas) ||
    newOld < oldOld ||
    n(cur.readyReplicas) > n(old.readyReplicas) ||
    n(cur.availableReplicas) > n(old.availableReplicas)
  );
}
