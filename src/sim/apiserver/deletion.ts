import type { KubeObject } from '../../kube/objects.js';
import { RESOURCES, type ResourceName } from '../../kube/resources.js';
import type { ApiContext } from './context.js';
import { timestamp } from './context.js';
import { ApiError } from './status.js';

export interface DeleteOptions {
  gracePeriodSeconds?: number | undefined;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' | undefined;
  preconditions?: { uid?: string; resourceVersion?: string } | undefined;
  dryRun?: boolean;
}

/** Which resources may hold objects a given kind owns, for cascading deletion. */
const DEPENDENTS: Record<string, ResourceName[]> = {
  Deployment: ['replicasets'],
  ReplicaSet: ['pods'],
  StatefulSet: ['pods', 'controllerrevisions'],
  DaemonSet: ['pods', 'controllerrevisions'],
};

/**
 * DELETE as kube-apiserver does it: pods bound to a node are deleted gracefully (deletionTimestamp set, the
 * kubelet finishes the job); objects with finalizers wait for them; everything else goes at once, and
 * its dependents are deleted (Background/Foreground) or orphaned (Orphan) as the garbage collector would.
 * Returns the object as the response shows it.
 */
export function deleteObject(
  ctx: ApiContext,
  resource: ResourceName,
  namespace: string | undefined,
  name: string,
  opts: DeleteOptions,
): KubeObject {
  const { store } = ctx;
  const cur = store.get(resource, namespace, name);
  if (!cur) throw notFoundFor(resource, name);
  const pre = opts.preconditions;
  if (pre?.uid && pre.uid !== cur.metadata.uid) {
    throw new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualified(resource)} "${name}": Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${cur.metadata.uid ?? ''}`,
    );
  }
  if (pre?.resourceVersion && pre.resourceVersion !== cur.metadata.resourceVersion) {
    throw new ApiError(
      409,
      'Conflict',
      `Operation cannot be fulfilled on ${qualified(resource)} "${name}": Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in meta: ${cur.metadata.resourceVersion ?? ''}`,
    );
  }
  if (opts.dryRun) return cur;

  if (resource === 'pods') return deletePod(ctx, cur, opts);
  if ((cur.metadata.finalizers ?? []).length > 0) {
    if (cur.metadata.deletionTimestamp) return cur;
    return store.update(resource, {
      ...cur,
      metadata: { ...cur.metadata, deletionTimestamp: timestamp(ctx.clock.now()), deletionGracePeriodSeconds: 0 },
    });
  }
  if (resource === 'namespaces') return deleteNamespace(ctx, cur);
  const gone = store.remove(resource, namespace, name);
  cascade(ctx, gone, opts.propagationPolicy ?? 'Background');
  return gone;
}

function deletePod(ctx: ApiContext, pod: KubeObject, opts: DeleteOptions): KubeObject {
  const { store } = ctx;
  const phase = pod.status?.phase as string | undefined;
  const bound = Boolean(pod.spec?.nodeName);
  let grace = opts.gracePeriodSeconds ?? (pod.spec?.terminationGracePeriodSeconds as number | undefined) ?? 30;
  // A pod no kubelet runs, or one that already finished, has nothing to wait for.
  if (!bound || phase === 'Succeeded' || phase === 'Failed') grace = 0;
  const hasFinalizers = (pod.metadata.finalizers ?? []).length > 0;
  if (grace <= 0 && !hasFinalizers) {
    return store.remove('pods', pod.metadata.namespace, pod.metadata.name);
  }
  if (pod.metadata.deletionTimestamp) return pod;
  const updated = store.update('pods', {
    ...pod,
    metadata: {
      ...pod.metadata,
      deletionTimestamp: timestamp(ctx.clock.now() + Math.max(0, grace) * 1000),
      deletionGracePeriodSeconds: Math.max(0, grace),
    },
  });
  ctx.hooks.podDeleting?.(updated);
  return updated;
}

/**
 * The namespace turns Terminating and everything in it is deleted; it disappears once its last pod is gone
 * (see `finishNamespaces`), as the namespace controller does.
 */
function deleteNamespace(ctx: ApiContext, ns: KubeObject): KubeObject {
  const { store } = ctx;
  const name = ns.metadata.name;
  let current = ns;
  if (!ns.metadata.deletionTimestamp) {
    current = store.update('namespaces', {
      ...ns,
      metadata: { ...ns.metadata, deletionTimestamp: timestamp(ctx.clock.now()), deletionGracePeriodSeconds: 0 },
      status: { ...(ns.status ?? {}), phase: 'Terminating' },
    });
  }
  for (const r of Object.keys(RESOURCES) as ResourceName[]) {
    if (!RESOURCES[r].namespaced) continue;
    for (const o of store.list(r, { namespace: name })) {
      if (o.metadata.deletionTimestamp) continue;
      if (r === 'pods') deletePod(ctx, o, {});
      else if (store.get(r, name, o.metadata.name)) store.remove(r, name, o.metadata.name);
    }
  }
  return finishNamespace(ctx, name) ?? current;
}

/** Remove a Terminating namespace once it holds no pods. Returns the removed namespace, if it was. */
export function finishNamespace(ctx: ApiContext, name: string): KubeObject | undefined {
  const ns = ctx.store.get('namespaces', undefined, name);
  if (!ns?.metadata.deletionTimestamp || (ns.metadata.finalizers ?? []).length > 0) return undefined;
  if (ctx.store.list('pods', { namespace: name }).length > 0) return undefined;
  return ctx.store.remove('namespaces', undefined, name);
}

function cascade(ctx: ApiContext, owner: KubeObject, policy: 'Background' | 'Foreground' | 'Orphan'): void {
  const uid = owner.metadata.uid;
  const kinds = owner.kind ? DEPENDENTS[owner.kind] : undefined;
  if (!uid || !kinds) return;
  for (const r of kinds) {
    for (const dep of ctx.store.list(r, { namespace: owner.metadata.namespace })) {
      const refs = dep.metadata.ownerReferences ?? [];
      if (!refs.some((ref) => ref.uid === uid)) continue;
      if (policy === 'Orphan') {
        const rest = refs.filter((ref) => ref.uid !== uid);
        const meta = { ...dep.metadata };
        if (rest.length > 0) meta.ownerReferences = rest;
        else delete meta.ownerReferences;
        ctx.store.update(r, { ...dep, metadata: meta });
      } else if (ctx.store.get(r, dep.metadata.namespace, dep.metadata.name)) {
        deleteObject(ctx, r, dep.metadata.namespace, dep.metadata.name, { propagationPolicy: policy });
      }
    }
  }
}

function qualified(resource: ResourceName): string {
  const g = RESOURCES[resource].group;
  return g ? `${resource}.${g}` : resource;
}

export function notFoundFor(resource: ResourceName, name: string): ApiError {
  const g = RESOURCES[resource].group;
  return new ApiError(404, 'NotFound', `${qualified(resource)} "${name}" not found`, {
    name,
    ...(g ? { group: g } : {}),
    kind: resource,
  });
}
