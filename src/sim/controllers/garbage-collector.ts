import type { OwnerReference } from '../../kube/objects.js';
import { RESOURCES, resourceByKind } from '../../kube/resources.js';
import type { StoreEvent } from '../store/store.js';
import { BaseController } from './base-controller.js';
import { deleteObject, FOREGROUND_FINALIZER, ORPHAN_FINALIZER } from './delete.js';
import { rfc3339 } from './pods.js';

/** PodGC waits this long before deleting the pods of a node that no longer exists (quarantine). */
export const ORPHANED_POD_QUARANTINE = 40_000;

interface Ref {
  resource: string;
  namespace: string | undefined;
  name: string;
}

const enc = (r: Ref): string => `${r.resource}|${r.namespace ?? ''}|${r.name}`;
function dec(s: string): Ref {
  const [resource = '', ns = '', name = ''] = s.split('|');
  return { resource, namespace: ns || undefined, name };
}

/**
 * The garbage collector: when an owner is deleted, its dependents (objects whose ownerReferences name it)
 * are deleted too: at once in the background, or first (foregroundDeletion finalizer) before the owner goes;
 * the orphan finalizer removes the references instead. Pods are deleted gracefully (the kubelet confirms),
 * unbound pods at once. It also does PodGC's orphan duty: pods bound to a node that was deleted go after a
 * 40 s quarantine.
 */
export class GarbageCollector extends BaseController {
  readonly name = 'garbage-collector';
  protected readonly component = 'kube-controller-manager' as const;
  /** owner uid -> dependents */
  private readonly dependents = new Map<string, Set<string>>();

  protected resyncAll(): void {
    this.dependents.clear();
    const nodes = new Set(this.ctx.store.list('nodes').map((n) => n.metadata.name));
    for (const resource of Object.keys(RESOURCES)) {
      if (resource === 'events') continue;
      for (const o of this.ctx.store.list(resource)) {
        const ref = { resource, namespace: o.metadata.namespace, name: o.metadata.name };
        for (const r of o.metadata.ownerReferences ?? []) this.link(r.uid, ref);
        if (o.metadata.ownerReferences?.length) this.enqueue(`dep:${enc(ref)}`);
        if (o.metadata.deletionTimestamp && o.metadata.finalizers?.length) this.enqueue(`fin:${enc(ref)}`);
        if (resource === 'pods' && o.spec?.nodeName && !nodes.has(o.spec.nodeName as string)) {
          this.enqueue(`podgc:${o.spec.nodeName as string}`, ORPHANED_POD_QUARANTINE);
        }
      }
    }
  }

  private link(uid: string, ref: Ref): void {
    let s = this.dependents.get(uid);
    if (!s) this.dependents.set(uid, (s = new Set()));
    s.add(enc(ref));
  }

  private unlink(uid: string, ref: Ref): void {
    const s = this.dependents.get(uid);
    if (!s) return;
    s.delete(enc(ref));
    if (s.size === 0) this.dependents.delete(uid);
  }

  protected onStoreEvent(e: StoreEvent): void {
    if (e.resource === 'events') return;
    const o = e.object;
    // A status write shares the owner references of the version before it: nothing to link or check.
    if (
      e.type === 'MODIFIED' &&
      e.old?.metadata.ownerReferences === o.metadata.ownerReferences &&
      !o.metadata.deletionTimestamp
    )
      return;
    const ref: Ref = { resource: e.resource, namespace: o.metadata.namespace, name: o.metadata.name };
    const oldRefs = e.old?.metadata.ownerReferences ?? [];
    const newRefs = e.type === 'DELETED' ? [] : (o.metadata.ownerReferences ?? []);
    for (const r of oldRefs) if (!newRefs.some((n) => n.uid === r.uid)) this.unlink(r.uid, ref);
    for (const r of newRefs) this.link(r.uid, ref);
    if (e.type === 'DELETED') {
      if (o.metadata.uid && this.dependents.has(o.metadata.uid)) this.enqueue(`owner:${o.metadata.uid}`);
      // An owner deleting in the foreground waits for this dependent.
      for (const r of oldRefs) {
        const owner = this.ownerRef(r, o.metadata.namespace);
        if (owner) this.enqueue(`fin:${enc(owner)}`);
      }
      if (e.resource === 'nodes') this.enqueue(`podgc:${o.metadata.name}`, ORPHANED_POD_QUARANTINE);
      return;
    }
    if (newRefs.length && (e.type === 'ADDED' || JSON.stringify(oldRefs) !== JSON.stringify(newRefs)))
      this.enqueue(`dep:${enc(ref)}`);
    if (
      o.metadata.deletionTimestamp &&
      o.metadata.finalizers?.some((f) => f === FOREGROUND_FINALIZER || f === ORPHAN_FINALIZER)
    ) {
      this.enqueue(`fin:${enc(ref)}`);
    }
    if (
      e.resource === 'pods' &&
      e.type === 'ADDED' &&
      o.spec?.nodeName &&
      !this.ctx.store.get('nodes', undefined, o.spec.nodeName as string)
    ) {
      this.enqueue(`podgc:${o.spec.nodeName as string}`, ORPHANED_POD_QUARANTINE);
    }
  }

  private ownerRef(r: OwnerReference, dependentNs: string | undefined): Ref | undefined {
    const type = resourceByKind(r.kind);
    if (!type) return undefined;
    return { resource: type.plural, namespace: type.namespaced ? dependentNs : undefined, name: r.name };
  }

  /** Whether the owner a reference names exists (same uid). Unknown kinds are assumed to exist. */
  private ownerExists(r: OwnerReference, dependentNs: string | undefined): boolean {
    const ref = this.ownerRef(r, dependentNs);
    if (!ref) return true;
    return this.ctx.store.get(ref.resource, ref.namespace, ref.name)?.metadata.uid === r.uid;
  }

  protected reconcile(key: string): void {
    const i = key.indexOf(':');
    const kind = key.slice(0, i);
    const arg = key.slice(i + 1);
    if (kind === 'owner') this.ownerGone(arg);
    else if (kind === 'dep') this.checkDependent(dec(arg));
    else if (kind === 'fin') this.finalize(dec(arg));
    else if (kind === 'podgc') this.orphanedPods(arg);
  }

  private ownerGone(uid: string): void {
    for (const d of [...(this.dependents.get(uid) ?? [])]) this.checkDependent(dec(d));
  }

  /** Delete a dependent whose owners are all gone; drop references to the owners that are gone. */
  private checkDependent(ref: Ref): void {
    const o = this.ctx.store.get(ref.resource, ref.namespace, ref.name);
    if (!o) return;
    const refs = o.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const alive = refs.filter((r) => this.ownerExists(r, ref.namespace));
    if (alive.length === refs.length) return;
    if (alive.length === 0) {
      if (!o.metadata.deletionTimestamp) this.deleteDependent(ref, 'Background');
      return;
    }
    this.ctx.store.mutate(ref.resource, ref.namespace, ref.name, (x) => {
      x.metadata.ownerReferences = alive;
    });
  }

  private deleteDependent(ref: Ref, policy: 'Background' | 'Foreground'): void {
    deleteObject(this.ctx.store, ref.resource, ref.namespace, ref.name, this.ctx.clock.now(), {
      propagationPolicy: policy,
    });
  }

  /** An owner being deleted with the foregroundDeletion or orphan finalizer. */
  private finalize(ref: Ref): void {
    const o = this.ctx.store.get(ref.resource, ref.namespace, ref.name);
    if (!o?.metadata.deletionTimestamp || !o.metadata.uid) return;
    const finalizers = o.metadata.finalizers ?? [];
    const uid = o.metadata.uid;
    const deps = [...(this.dependents.get(uid) ?? [])]
      .map(dec)
      .filter((d) => this.ctx.store.get(d.resource, d.namespace, d.name));
    let remaining = finalizers;
    if (finalizers.includes(ORPHAN_FINALIZER)) {
      for (const d of deps) {
        this.ctx.store.mutate(d.resource, d.namespace, d.name, (x) => {
          x.metadata.ownerReferences = (x.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
          if (x.metadata.ownerReferences.length === 0) delete x.metadata.ownerReferences;
        });
      }
      remaining = remaining.filter((f) => f !== ORPHAN_FINALIZER);
    } else if (finalizers.includes(FOREGROUND_FINALIZER)) {
      for (const d of deps) {
        const cur = this.ctx.store.get(d.resource, d.namespace, d.name);
        if (cur && !cur.metadata.deletionTimestamp) this.deleteDependent(d, 'Foreground');
      }
      if (deps.length > 0) return; // wait for them to be gone
      remaining = remaining.filter((f) => f !== FOREGROUND_FINALIZER);
    } else return;
    if (remaining.length === 0 && ref.resource !== 'pods') {
      this.ctx.store.remove(ref.resource, ref.namespace, ref.name);
      return;
    }
    this.ctx.store.mutate(ref.resource, ref.namespace, ref.name, (x) => {
      x.metadata.finalizers = remaining;
    });
    const after = this.ctx.store.get(ref.resource, ref.namespace, ref.name);
    // A pod whose grace period already passed and has nothing left to wait for goes now.
    if (after && ref.resource === 'pods' && remaining.length === 0 && !after.spec?.nodeName) {
      this.ctx.store.remove(ref.resource, ref.namespace, ref.name);
    }
  }

  /** PodGC: pods still bound to a node that is gone are force-deleted. */
  private orphanedPods(node: string): void {
    if (this.ctx.store.get('nodes', undefined, node)) return;
    const now = rfc3339(this.ctx.clock.now());
    for (const p of this.ctx.store.podsOnNode(node)) {
      const marked = this.ctx.store.mutate('pods', p.metadata.namespace, p.metadata.name, (x) => {
        x.status ??= {};
        const conds = ((x.status.conditions ?? []) as { type: string }[]).filter((c) => c.type !== 'DisruptionTarget');
        conds.push({
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'DeletionByPodGC',
          message: 'PodGC: node no longer exists',
          lastTransitionTime: now,
        } as {
          type: string;
        });
        x.status.conditions = conds;
      });
      if (marked) this.ctx.store.remove('pods', p.metadata.namespace, p.metadata.name);
    }
  }
}
