import type { KubeObject } from '../../kube/objects.js';
import type { SimContext } from '../context.js';
import { labelSelectorMatches } from '../store/selectors.js';
import { copyJson } from '../store/store.js';
import { controllerOf, ownerRef } from './pods.js';

/**
 * The pods a controller owns (controllerRef to it), after adopting matching orphans and releasing owned pods
 * that no longer match its selector, as ControllerRefManager.ClaimPods does. Only its own pods and the
 * namespace's orphans are looked at (from the store's indexes): pods of other controllers are never claimed.
 */
export function claimPods(ctx: SimContext, owner: KubeObject, kind: string, apiVersion: string): KubeObject[] {
  const uid = owner.metadata.uid;
  const ns = owner.metadata.namespace;
  const selector = owner.spec?.selector as Parameters<typeof labelSelectorMatches>[0];
  const out: KubeObject[] = [];
  const candidates = [
    ...(uid !== undefined ? ctx.store.podsControlledBy(uid) : []),
    ...(ns !== undefined ? ctx.store.orphanPodsIn(ns) : ctx.store.list('pods').filter((p) => !controllerOf(p))),
  ];
  for (const p of candidates) {
    if (ns !== undefined && p.metadata.namespace !== ns) continue;
    const ref = controllerOf(p);
    const matches = labelSelectorMatches(selector, p.metadata.labels);
    if (ref) {
      if (ref.uid !== uid) continue;
      if (matches || owner.metadata.deletionTimestamp) {
        out.push(p);
        continue;
      }
      ctx.store.mutate('pods', p.metadata.namespace, p.metadata.name, (o) => {
        o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
      });
      continue;
    }
    if (!matches || owner.metadata.deletionTimestamp || p.metadata.deletionTimestamp) continue;
    const adopted = ctx.store.mutate('pods', p.metadata.namespace, p.metadata.name, (o) => {
      o.metadata.ownerReferences = [...(o.metadata.ownerReferences ?? []), ownerRef(owner, kind, apiVersion)];
    });
    if (adopted) out.push(adopted);
  }
  return out;
}

/** Whether every label of the template is on the pod (ReplicaSet fullyLabeledReplicas). */
export function fullyLabeled(pod: KubeObject, templateLabels: Record<string, string> | undefined): boolean {
  const labels = pod.metadata.labels ?? {};
  return Object.entries(templateLabels ?? {}).every(([k, v]) => labels[k] === v);
}

/** A pod built from a workload's template, as the controllers' pod control makes them. */
export function podFromTemplate(
  owner: KubeObject,
  kind: string,
  apiVersion: string,
  template: KubeObject | undefined,
): KubeObject {
  const meta = (template?.metadata ?? {}) as Partial<KubeObject['metadata']>;
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: '',
      namespace: owner.metadata.namespace ?? 'default',
      labels: { ...meta.labels },
      ownerReferences: [ownerRef(owner, kind, apiVersion)],
    },
    spec: copyJson(template?.spec ?? {}),
  };
  if (meta.annotations && Object.keys(meta.annotations).length) pod.metadata.annotations = { ...meta.annotations };
  if (meta.finalizers?.length) pod.metadata.finalizers = [...meta.finalizers];
  return pod;
}
