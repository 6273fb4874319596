import type { KubeObject } from '../../kube/objects.js';
import type { Store, StoreEvent } from '../store/store.js';
import { labelSelectorMatches } from '../store/selectors.js';
import { BaseController, splitKey } from './base-controller.js';
import { scaledValue } from './int-or-percent.js';
import { controllerOf, isReady, isTerminal, rfc3339 } from './pods.js';

/** An eviction recorded in status.disruptedPods is forgotten after this long if the pod was not deleted. */
export const DISRUPTED_POD_TIMEOUT = 120_000;

export const PDB_REFUSAL = "Cannot evict pod as it would violate the pod's disruption budget.";

export type EvictionDecision =
  | { allowed: true; pdb?: string }
  | {
      allowed: false;
      code: 404 | 429 | 500;
      reason: 'NotFound' | 'TooManyRequests' | 'InternalError';
      message: string;
      causes: { reason: string; message: string }[];
    };

function selects(pdb: KubeObject, pod: KubeObject): boolean {
  const sel = pdb.spec?.selector as Parameters<typeof labelSelectorMatches>[0];
  // An empty selector selects every pod of the namespace in policy/v1.
  return sel !== undefined && labelSelectorMatches(sel, pod.metadata.labels);
}

/** The scale each pod's controller asks for, summed per controller (getExpectedScale). */
function expectedScale(store: Store, pods: KubeObject[]): number {
  const scales = new Map<string, number>();
  let loose = 0;
  for (const p of pods) {
    const ref = controllerOf(p);
    const ns = p.metadata.namespace;
    if (!ref) {
      loose++;
      continue;
    }
    if (ref.kind === 'ReplicaSet') {
      const rs = store.get('replicasets', ns, ref.name);
      const dRef = rs ? controllerOf(rs) : undefined;
      const d = dRef?.kind === 'Deployment' ? store.get('deployments', ns, dRef.name) : undefined;
      if (d) scales.set(d.metadata.uid ?? dRef!.uid, (d.spec?.replicas as number | undefined) ?? 1);
      else if (rs) scales.set(rs.metadata.uid ?? ref.uid, (rs.spec?.replicas as number | undefined) ?? 1);
      continue;
    }
    if (ref.kind === 'StatefulSet') {
      const s = store.get('statefulsets', ns, ref.name);
      if (s) scales.set(s.metadata.uid ?? ref.uid, (s.spec?.replicas as number | undefined) ?? 1);
      continue;
    }
    loose++; // DaemonSets and others have no scale: each pod counts once
  }
  return [...scales.values()].reduce((a, b) => a + b, 0) + loose;
}

/** The status the disruption controller computes for a PDB at `now`, and when to look again. */
export function computePdbStatus(
  store: Store,
  pdb: KubeObject,
  now: number,
): { status: Record<string, unknown>; recheckAt?: number } {
  const pods = store.list('pods', { namespace: pdb.metadata.namespace }).filter((p) => selects(pdb, p));
  const spec = pdb.spec ?? {};
  let expected: number;
  let desired: number;
  if (spec.maxUnavailable !== undefined) {
    expected = expectedScale(store, pods);
    desired = Math.max(0, expected - scaledValue(spec.maxUnavailable as number | string, expected, true, 0));
  } else if (typeof spec.minAvailable === 'number') {
    expected = pods.length;
    desired = spec.minAvailable;
  } else if (typeof spec.minAvailable === 'string') {
    expected = expectedScale(store, pods);
    desired = scaledValue(spec.minAvailable, expected, true, 0);
  } else {
    expected = pods.length;
    desired = 0;
  }
  const disrupted: Record<string, string> = {};
  let recheckAt: number | undefined;
  const byName = new Map(pods.map((p) => [p.metadata.name, p]));
  for (const [name, at] of Object.entries((pdb.status?.disruptedPods ?? {}) as Record<string, string>)) {
    const p = byName.get(name);
    if (!p || p.metadata.deletionTimestamp) continue;
    const expires = Date.parse(at) + DISRUPTED_POD_TIMEOUT;
    if (expires <= now) continue;
    disrupted[name] = at;
    recheckAt = Math.min(recheckAt ?? expires, expires);
  }
  const healthy = pods.filter(
    (p) => !p.metadata.deletionTimestamp && !isTerminal(p) && !(p.metadata.name in disrupted) && isReady(p),
  ).length;
  const allowed = expected > 0 ? Math.max(0, healthy - desired) : 0;
  const prev = ((pdb.status?.conditions ?? []) as { type: string; status: string; lastTransitionTime?: string }[]).find(
    (c) => c.type === 'DisruptionAllowed',
  );
  const condStatus = allowed > 0 ? 'True' : 'False';
  const status: Record<string, unknown> = {
    observedGeneration: pdb.metadata.generation ?? 1,
    ...(Object.keys(disrupted).length ? { disruptedPods: disrupted } : {}),
    disruptionsAllowed: allowed,
    currentHealthy: healthy,
    desiredHealthy: desired,
    expectedPods: expected,
    conditions: [
      {
        type: 'DisruptionAllowed',
        status: condStatus,
        reason: allowed > 0 ? 'SufficientPods' : 'InsufficientPods',
        message: '',
        observedGeneration: pdb.metadata.generation ?? 1,
        lastTransitionTime:
          prev && prev.status === condStatus && prev.lastTransitionTime ? prev.lastTransitionTime : rfc3339(now),
      },
    ],
  };
  return recheckAt === undefined ? { status } : { status, recheckAt };
}

/**
 * The eviction subresource's PDB check (pkg/registry/core/pod/storage/eviction.go), for the apiserver's
 * eviction hook. On a refusal it says what `kubectl drain` prints; on allow it consumes one disruption
 * (status.disruptedPods) and marks the pod with the DisruptionTarget condition: the caller then deletes the
 * pod gracefully. Store errors (no etcd quorum) propagate.
 */
export function evaluateEviction(
  store: Store,
  namespace: string,
  podName: string,
  now = store.clock.now(),
): EvictionDecision {
  const pod = store.get('pods', namespace, podName);
  if (!pod)
    return { allowed: false, code: 404, reason: 'NotFound', message: `pods "${podName}" not found`, causes: [] };
  const phase = pod.status?.phase as string | undefined;
  // Finished, pending or already terminating pods disrupt nothing.
  if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp) {
    markDisruptionTarget(store, pod, now);
    return { allowed: true };
  }
  const pdbs = store.list('poddisruptionbudgets', { namespace }).filter((b) => selects(b, pod));
  if (pdbs.length > 1) {
    return {
      allowed: false,
      code: 500,
      reason: 'InternalError',
      message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.',
      causes: [],
    };
  }
  const pdb = pdbs[0];
  if (!pdb) {
    markDisruptionTarget(store, pod, now);
    return { allowed: true };
  }
  const s = (pdb.status ?? {}) as {
    observedGeneration?: number;
    disruptionsAllowed?: number;
    currentHealthy?: number;
    desiredHealthy?: number;
    disruptedPods?: Record<string, string>;
  };
  const refuse = (cause: string): EvictionDecision => ({
    allowed: false,
    code: 429,
    reason: 'TooManyRequests',
    message: PDB_REFUSAL,
    causes: [{ reason: 'DisruptionBudget', message: cause }],
  });
  if ((s.observedGeneration ?? 0) < (pdb.metadata.generation ?? 1)) {
    return refuse(`The disruption budget ${pdb.metadata.name} is still being processed by the server.`);
  }
  const current = s.currentHealthy ?? 0;
  const desired = s.desiredHealthy ?? 0;
  if (!isReady(pod)) {
    const policy = (pdb.spec?.unhealthyPodEvictionPolicy as string | undefined) ?? 'IfHealthyBudget';
    if (policy === 'AlwaysAllow' || (current >= desired && desired > 0)) {
      markDisruptionTarget(store, pod, now);
      return { allowed: true, pdb: pdb.metadata.name };
    }
  }
  const allowed = s.disruptionsAllowed ?? 0;
  if (allowed <= 0) {
    return refuse(
      `The disruption budget ${pdb.metadata.name} needs ${desired} healthy pods and has ${current} currently`,
    );
  }
  store.mutate('poddisruptionbudgets', namespace, pdb.metadata.name, (b) => {
    const st = (b.status ??= {});
    st.disruptionsAllowed = allowed - 1;
    st.disruptedPods = { ...st.disruptedPods, [podName]: rfc3339(now) };
    if (allowed - 1 === 0) {
      st.conditions = ((st.conditions ?? []) as { type: string }[]).map((c) =>
        c.type === 'DisruptionAllowed'
          ? { ...c, status: 'False', reason: 'InsufficientPods', lastTransitionTime: rfc3339(now) }
          : c,
      );
    }
  });
  markDisruptionTarget(store, pod, now);
  return { allowed: true, pdb: pdb.metadata.name };
}

function markDisruptionTarget(store: Store, pod: KubeObject, now: number): void {
  if (isTerminal(pod) || pod.metadata.deletionTimestamp) return;
  store.mutate('pods', pod.metadata.namespace, pod.metadata.name, (p) => {
    p.status ??= {};
    const conds = ((p.status.conditions ?? []) as { type: string }[]).filter((c) => c.type !== 'DisruptionTarget');
    conds.push({
      type: 'DisruptionTarget',
      status: 'True',
      reason: 'EvictionByEvictionAPI',
      message: 'Eviction API: evicting',
      lastTransitionTime: rfc3339(now),
    } as {
      type: string;
    });
    p.status.conditions = conds;
  });
}

/** The disruption controller: keeps every PodDisruptionBudget's status current. */
export class DisruptionController extends BaseController {
  readonly name = 'disruption-controller';
  protected readonly component = 'kube-controller-manager' as const;

  protected resyncAll(): void {
    for (const b of this.ctx.store.list('poddisruptionbudgets')) this.enqueue(key(b));
  }

  protected onStoreEvent(e: StoreEvent): void {
    const ns = e.object.metadata.namespace;
    if (e.resource === 'poddisruptionbudgets') {
      this.enqueue(key(e.object));
    } else if (e.resource === 'pods') {
      for (const b of this.ctx.store.list('poddisruptionbudgets', { namespace: ns })) {
        if (selects(b, e.object) || (e.old && selects(b, e.old))) this.enqueue(key(b));
      }
    } else if (e.resource === 'deployments' || e.resource === 'replicasets' || e.resource === 'statefulsets') {
      if (e.old?.spec?.replicas === e.object.spec?.replicas && e.type === 'MODIFIED') return;
      for (const b of this.ctx.store.list('poddisruptionbudgets', { namespace: ns })) this.enqueue(key(b));
    }
  }

  protected reconcile(k: string): void {
    const [ns, name] = splitKey(k);
    const pdb = this.ctx.store.get('poddisruptionbudgets', ns, name);
    if (!pdb) return;
    const now = this.ctx.clock.now();
    const { status, recheckAt } = computePdbStatus(this.ctx.store, pdb, now);
    if (recheckAt !== undefined) this.enqueue(k, recheckAt - now);
    if (JSON.stringify(pdb.status ?? {}) === JSON.stringify(status)) return;
    this.ctx.store.mutate('poddisruptionbudgets', ns, name, (o) => {
      o.status = status;
    });
  }
}

function key(o: KubeObject): string {
  return `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
}
