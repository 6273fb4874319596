import type { KubeObject } from '../../kube/objects.js';
import type { StoreEvent } from '../store/store.js';
import { labelSelectorMatches } from '../store/selectors.js';
import { BaseController, splitKey } from './base-controller.js';
import { deletePod } from './delete.js';
import { templateHash } from './hash.js';
import { claimPods, podFromTemplate } from './owned-pods.js';
import {
  controllerOf,
  isAvailable,
  isRunningAndReady,
  isTerminal,
  isTerminating,
  msUntilAvailable,
  ownerRef,
} from './pods.js';
import { createAdmitted } from './write.js';

export const REVISION_LABEL = 'controller-revision-hash';
const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

/**
 * The StatefulSet controller: pods `<set>-0..N-1` with stable names; OrderedReady creates them one at a
 * time, each once the previous is Running and Ready, deletes surplus ones in reverse, and never replaces a
 * pod while an object of the same name still exists (a pod stuck Terminating on a lost node blocks its
 * replacement until it is gone or force-deleted). RollingUpdate replaces pods from the highest ordinal
 * down to the partition. Revisions are ControllerRevisions named `<set>-<hash>`.
 */
export class StatefulSetController extends BaseController {
  readonly name = 'statefulset-controller';
  protected readonly component = 'kube-controller-manager' as const;

  protected resyncAll(): void {
    for (const s of this.ctx.store.list('statefulsets')) this.enqueue(key(s));
  }

  protected onStoreEvent(e: StoreEvent): void {
    if (e.resource === 'statefulsets') {
      this.enqueue(key(e.object));
      return;
    }
    if (e.resource !== 'pods') return;
    const ref = controllerOf(e.object) ?? (e.old ? controllerOf(e.old) : undefined);
    if (ref) {
      if (ref.kind === 'StatefulSet') this.enqueue(`${e.object.metadata.namespace}/${ref.name}`);
      return;
    }
    if (e.type === 'DELETED') return;
    for (const s of this.ctx.store.list('statefulsets', { namespace: e.object.metadata.namespace })) {
      if (labelSelectorMatches(s.spec?.selector, e.object.metadata.labels)) this.enqueue(key(s));
    }
  }

  protected reconcile(k: string): void {
    const [ns, name] = splitKey(k);
    const set = this.ctx.store.get('statefulsets', ns, name);
    if (!set) return;
    const pods = claimPods(this.ctx, set, 'StatefulSet', 'apps/v1').filter((p) => ordinal(set, p) !== undefined);
    const { current, update } = this.revisions(set);
    if (!set.metadata.deletionTimestamp) this.updatePods(set, pods, current, update);
    this.updateStatus(set, current, update);
  }

  /** The current and update revisions, creating the update revision's ControllerRevision when missing. */
  private revisions(set: KubeObject): { current: Revision; update: Revision } {
    const ns = set.metadata.namespace;
    const hash = templateHash(set.spec?.template);
    const updateName = `${set.metadata.name}-${hash}`;
    const owned = this.ctx.store
      .list('controllerrevisions', { namespace: ns })
      .filter((r) => controllerOf(r)?.uid === set.metadata.uid);
    let updateRev = owned.find((r) => r.metadata.name === updateName);
    if (!updateRev) {
      updateRev = createAdmitted(this.ctx, 'controllerrevisions', {
        apiVersion: 'apps/v1',
        kind: 'ControllerRevision',
        metadata: {
          name: updateName,
          namespace: ns ?? 'default',
          labels: { ...set.spec?.selector?.matchLabels, [REVISION_LABEL]: hash },
          ownerReferences: [ownerRef(set, 'StatefulSet', 'apps/v1')],
        },
        data: { spec: { template: structuredClone(set.spec?.template ?? {}) } },
        revision: Math.max(0, ...owned.map((r) => (r.revision as number | undefined) ?? 0)) + 1,
      });
      owned.push(updateRev);
    }
    const currentName = (set.status?.currentRevision as string | undefined) ?? updateName;
    const currentRev = owned.find((r) => r.metadata.name === currentName) ?? updateRev;
    this.trimHistory(set, owned, new Set([currentRev.metadata.name, updateRev.metadata.name]));
    return { current: toRevision(currentRev), update: toRevision(updateRev) };
  }

  private trimHistory(set: KubeObject, owned: KubeObject[], live: Set<string>): void {
    const limit = (set.spec?.revisionHistoryLimit as number | undefined) ?? 10;
    const inUse = new Set(live);
    for (const p of this.ctx.store.list('pods', { namespace: set.metadata.namespace })) {
      if (controllerOf(p)?.uid === set.metadata.uid)
        inUse.add(`${set.metadata.name}-${p.metadata.labels?.[REVISION_LABEL] ?? ''}`);
    }
    const old = owned
      .filter((r) => !inUse.has(r.metadata.name))
      .sort((a, b) => ((a.revision as number) ?? 0) - ((b.revision as number) ?? 0));
    for (const r of old.slice(0, Math.max(0, old.length - limit))) {
      this.ctx.store.remove('controllerrevisions', r.metadata.namespace, r.metadata.name);
    }
  }

  private updatePods(set: KubeObject, pods: KubeObject[], current: Revision, update: Revision): void {
    const want = (set.spec?.replicas as number | undefined) ?? 1;
    const monotonic = (set.spec?.podManagementPolicy ?? 'OrderedReady') !== 'Parallel';
    const replicas: (KubeObject | undefined)[] = new Array<KubeObject | undefined>(want).fill(undefined);
    const condemned: KubeObject[] = [];
    for (const p of pods) {
      const ord = ordinal(set, p)!;
      if (ord < want) replicas[ord] = p;
      else condemned.push(p);
    }
    condemned.sort((a, b) => ordinal(set, b)! - ordinal(set, a)!);
    const firstUnhealthy = [...replicas, ...condemned].find((p) => p && !isHealthy(p));
    const partition = (set.spec?.updateStrategy?.rollingUpdate?.partition as number | undefined) ?? 0;
    const rolling = (set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';

    for (let i = 0; i < want; i++) {
      let pod = replicas[i];
      if (pod && isTerminal(pod) && !isTerminating(pod)) {
        // A failed pod is deleted and recreated (terminal pods go at once).
        pod = deletePod(this.ctx.store, pod, this.ctx.clock.now());
        this.event(
          set,
          'SuccessfulDelete',
          `delete Pod ${podName(set, i)} in StatefulSet ${set.metadata.name} successful`,
        );
        replicas[i] = pod;
      }
      if (!pod) {
        const rev = rolling && i < partition ? current : update;
        replicas[i] = this.createPod(set, i, rev);
        if (monotonic) return;
        continue;
      }
      if (isTerminating(pod)) {
        if (monotonic) return;
        continue;
      }
      if (!isRunningAndReady(pod) && monotonic) return;
    }
    for (const pod of condemned) {
      if (isTerminating(pod)) {
        if (monotonic) return;
        continue;
      }
      if (!isRunningAndReady(pod) && monotonic && pod !== firstUnhealthy) return;
      deletePod(this.ctx.store, pod, this.ctx.clock.now());
      this.event(
        set,
        'SuccessfulDelete',
        `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`,
      );
      if (monotonic) return;
    }
    if (!rolling) return;
    for (let target = want - 1; target >= partition; target--) {
      const pod = replicas[target];
      if (!pod) continue;
      if (pod.metadata.labels?.[REVISION_LABEL] !== update.hash && !isTerminating(pod)) {
        deletePod(this.ctx.store, pod, this.ctx.clock.now());
        this.event(
          set,
          'SuccessfulDelete',
          `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`,
        );
        return;
      }
      if (!isHealthy(pod)) return;
    }
  }

  private createPod(set: KubeObject, ord: number, rev: Revision): KubeObject {
    const name = podName(set, ord);
    const pod = podFromTemplate(set, 'StatefulSet', 'apps/v1', rev.template);
    pod.metadata.name = name;
    pod.metadata.labels = {
      ...pod.metadata.labels,
      [REVISION_LABEL]: rev.hash,
      [POD_NAME_LABEL]: name,
      [POD_INDEX_LABEL]: String(ord),
    };
    pod.spec.hostname = name;
    if (set.spec?.serviceName) pod.spec.subdomain = set.spec.serviceName;
    const created = createAdmitted(this.ctx, 'pods', pod);
    this.event(set, 'SuccessfulCreate', `create Pod ${name} in StatefulSet ${set.metadata.name} successful`);
    return created;
  }

  private event(set: KubeObject, reason: string, message: string): void {
    this.ctx.events.record(set, 'Normal', reason, message, 'statefulset-controller');
  }

  private updateStatus(set: KubeObject, current: Revision, update: Revision): void {
    const ns = set.metadata.namespace;
    const now = this.ctx.clock.now();
    const minReady = (set.spec?.minReadySeconds as number | undefined) ?? 0;
    const pods = this.ctx.store
      .list('pods', { namespace: ns })
      .filter((p) => controllerOf(p)?.uid === set.metadata.uid);
    const status = {
      observedGeneration: set.metadata.generation ?? 1,
      replicas: 0,
      readyReplicas: 0,
      currentReplicas: 0,
      updatedReplicas: 0,
      availableReplicas: 0,
      currentRevision: current.name,
      updateRevision: update.name,
      collisionCount: 0,
    };
    let next: number | undefined;
    for (const p of pods) {
      status.replicas++;
      if (isRunningAndReady(p)) {
        status.readyReplicas++;
        if (isAvailable(p, minReady, now)) status.availableReplicas++;
        const left = msUntilAvailable(p, minReady, now);
        if (left !== undefined) next = Math.min(next ?? left, left);
      }
      if (!isTerminating(p)) {
        const h = p.metadata.labels?.[REVISION_LABEL];
        if (h === current.hash) status.currentReplicas++;
        if (h === update.hash) status.updatedReplicas++;
      }
    }
    const rolling = (set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
    if (rolling && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas) {
      status.currentReplicas = status.updatedReplicas;
      status.currentRevision = status.updateRevision;
    }
    if (next !== undefined) this.enqueue(key(set), next);
    const conditions = set.status?.conditions as unknown;
    const out: Record<string, unknown> = conditions ? { ...status, conditions } : status;
    if (JSON.stringify(set.status ?? {}) === JSON.stringify(out)) return;
    this.ctx.store.mutate('statefulsets', ns, set.metadata.name, (o) => {
      o.status = out;
    });
  }
}

interface Revision {
  name: string;
  hash: string;
  template: KubeObject | undefined;
}

function toRevision(cr: KubeObject): Revision {
  const data = cr.data as { spec?: { template?: KubeObject } } | undefined;
  return { name: cr.metadata.name, hash: cr.metadata.labels?.[REVISION_LABEL] ?? '', template: data?.spec?.template };
}

function key(o: KubeObject): string {
  return `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
}

function podName(set: KubeObject, ord: number): string {
  return `${set.metadata.name}-${ord}`;
}

/** The ordinal in `<set>-<n>`, or undefined for a pod that is not one of the set's. */
function ordinal(set: KubeObject, pod: KubeObject): number | undefined {
  const prefix = `${set.metadata.name}-`;
  const name = pod.metadata.name;
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

function isHealthy(p: KubeObject): boolean {
  return isRunningAndReady(p) && !isTerminating(p);
}
