import type { KubeObject } from '../../kube/objects.js';
import type { Store } from '../store/store.js';
import { isTerminal, rfc3339 } from './pods.js';

export interface DeleteOptions {
  gracePeriodSeconds?: number | undefined;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' | undefined;
}

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
export const ORPHAN_FINALIZER = 'orphan';

/**
 * Deletes an object as kube-apiserver does. A pod bound to a node and still running is deleted gracefully:
 * it gets a deletionTimestamp (now + grace period) and the kubelet removes it once its containers stopped.
 * An unbound or finished pod goes at once. Foreground and Orphan propagation leave the object with a
 * finalizer for the garbage collector; an object with finalizers only gets its deletionTimestamp.
 * Returns the object as it is afterwards (undefined when it is gone).
 */
export function deleteObject(
  store: Store,
  resource: string,
  namespace: string | undefined,
  name: string,
  now: number,
  options: DeleteOptions = {},
): KubeObject | undefined {
  const cur = store.get(resource, namespace, name);
  if (!cur) return undefined;
  let grace = 0;
  if (resource === 'pods' && cur.spec?.nodeName && !isTerminal(cur)) {
    grace = options.gracePeriodSeconds ?? (cur.spec?.terminationGracePeriodSeconds as number | undefined) ?? 30;
  }
  const extra =
    options.propagationPolicy === 'Foreground'
      ? FOREGROUND_FINALIZER
      : options.propagationPolicy === 'Orphan'
        ? ORPHAN_FINALIZER
        : undefined;
  const finalizers = [...(cur.metadata.finalizers ?? [])];
  if (extra && !cur.metadata.deletionTimestamp && !finalizers.includes(extra)) finalizers.push(extra);
  if (grace <= 0 && finalizers.length === 0) {
    store.remove(resource, namespace, name);
    return undefined;
  }
  const existing = cur.metadata.deletionTimestamp ? Date.parse(cur.metadata.deletionTimestamp) : undefined;
  const at = now + grace * 1000;
  if (existing !== undefined && existing <= at && finalizers.length === (cur.metadata.finalizers ?? []).length)
    return cur;
  return store.mutate(resource, namespace, name, (o) => {
    o.metadata.finalizers = finalizers;
    if (finalizers.length === 0) delete o.metadata.finalizers;
    if (existing === undefined || at < existing) {
      o.metadata.deletionTimestamp = rfc3339(at);
      o.metadata.deletionGracePeriodSeconds = grace;
    }
  });
}

/** Graceful pod deletion (see deleteObject). */
export function deletePod(
  store: Store,
  pod: KubeObject,
  now: number,
  gracePeriodSeconds?: number,
): KubeObject | undefined {
  return deleteObject(store, 'pods', pod.metadata.namespace, pod.metadata.name, now, { gracePeriodSeconds });
}
