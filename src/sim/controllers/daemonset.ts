import type { KubeObject, Toleration } from '../../kube/objects.js';
import type { StoreEvent } from '../store/store.js';
import { BaseController, splitKey } from './base-controller.js';
import { deletePod } from './delete.js';
import { templateHash } from './hash.js';
import { scaledValue } from './int-or-percent.js';
import { claimPods, podFromTemplate } from './owned-pods.js';
import { tolerates } from '../../kube/objects.js';
import { controllerOf, isAvailable, isReady, isTerminating, msUntilAvailable } from './pods.js';
import { effectiveTaints, nodeAffinityMatches } from './scheduling-filters.js';
import { createAdmitted } from './write.js';

const REVISION_LABEL = 'controller-revision-hash';

/** The tolerations the DaemonSet controller adds to every daemon pod (util.AddOrUpdateDaemonPodTolerations). */
export function daemonTolerations(hostNetwork: boolean): Toleration[] {
  const t: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (hostNetwork) t.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  return t;
}

function withDaemonTolerations(template: KubeObject | undefined): Toleration[] {
  const own = (template?.spec?.tolerations ?? []) as Toleration[];
  const extra = daemonTolerations(!!template?.spec?.hostNetwork).filter(
    (d) => !own.some((t) => t.key === d.key && t.effect === d.effect),
  );
  return [...own, ...extra];
}

/** nodeShouldRunDaemonPod: shouldRun (a pod belongs there) and shouldContinueRunning (an existing one may stay). */
export function shouldRunOn(ds: KubeObject, node: KubeObject): { run: boolean; keep: boolean } {
  const template = ds.spec?.template as KubeObject | undefined;
  const probe: KubeObject = {
    metadata: { name: '' },
    spec: { ...template?.spec, tolerations: withDaemonTolerations(template) },
  };
  if (template?.spec?.nodeName && template.spec.nodeName !== node.metadata.name) return { run: false, keep: false };
  if (!nodeAffinityMatches(probe, node)) return { run: false, keep: false };
  const taints = effectiveTaints(node);
  const tols = probe.spec.tolerations as Toleration[];
  const run = taints.every((t) => (t.effect !== 'NoSchedule' && t.effect !== 'NoExecute') || tolerates(tols, t));
  const keep = taints.every((t) => t.effect !== 'NoExecute' || tolerates(tols, t));
  return { run, keep };
}

/** The node a daemon pod is for: where it runs, or the node its affinity pins it to while it is pending. */
function targetNode(pod: KubeObject): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName as string;
  const terms = (pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ??
    []) as {
    matchFields?: { key: string; operator: string; values?: string[] }[];
  }[];
  for (const t of terms) {
    const f = t.matchFields?.find((m) => m.key === 'metadata.name' && m.operator === 'In' && m.values?.length === 1);
    if (f) return f.values![0];
  }
  return undefined;
}

/**
 * The DaemonSet controller: one pod per eligible node, pinned there by node affinity and placed by the
 * scheduler (as since Kubernetes 1.12), tolerating the node.kubernetes.io/* taints as the controller adds
 * them; failed or deleted daemon pods are recreated on their node; RollingUpdate within maxUnavailable.
 */
export class DaemonSetController extends BaseController {
  readonly name = 'daemonset-controller';
  protected readonly component = 'kube-controller-manager' as const;
  private readonly nodeSignatures = new Map<string, string>();

  protected resyncAll(): void {
    this.nodeSignatures.clear();
    for (const n of this.ctx.store.list('nodes')) this.nodeSignatures.set(n.metadata.name, signature(n));
    this.enqueueAll();
  }

  private enqueueAll(): void {
    for (const ds of this.ctx.store.list('daemonsets')) this.enqueue(key(ds));
  }

  protected onStoreEvent(e: StoreEvent): void {
    if (e.resource === 'daemonsets') this.enqueue(key(e.object));
    else if (e.resource === 'pods') {
      const ref = controllerOf(e.object) ?? (e.old ? controllerOf(e.old) : undefined);
      if (ref?.kind === 'DaemonSet') this.enqueue(`${e.object.metadata.namespace}/${ref.name}`);
    } else if (e.resource === 'nodes') {
      const name = e.object.metadata.name;
      if (e.type === 'DELETED') {
        this.nodeSignatures.delete(name);
        this.enqueueAll();
        return;
      }
      const sig = signature(e.object);
      if (this.nodeSignatures.get(name) === sig) return;
      this.nodeSignatures.set(name, sig);
      this.enqueueAll();
    }
  }

  protected reconcile(k: string): void {
    const [ns, name] = splitKey(k);
    const ds = this.ctx.store.get('daemonsets', ns, name);
    if (!ds) return;
    const hash = templateHash(ds.spec?.template);
    const nodes = this.ctx.store.list('nodes');
    const pods = claimPods(this.ctx, ds, 'DaemonSet', 'apps/v1');
    const byNode = new Map<string, KubeObject[]>();
    for (const p of pods) {
      const n = targetNode(p);
      if (n) byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }
    if (!ds.metadata.deletionTimestamp) {
      this.manage(ds, nodes, byNode, hash);
      this.rollingUpdate(ds, nodes, hash);
    }
    this.updateStatus(ds, nodes, hash);
  }

  private manage(ds: KubeObject, nodes: KubeObject[], byNode: Map<string, KubeObject[]>, hash: string): void {
    const now = this.ctx.clock.now();
    for (const node of nodes) {
      const { run, keep } = shouldRunOn(ds, node);
      const here = (byNode.get(node.metadata.name) ?? []).filter((p) => !isTerminating(p));
      if (!keep) {
        for (const p of here) this.delete(ds, p, now);
        continue;
      }
      const running: KubeObject[] = [];
      for (const p of here) {
        if (p.status?.phase === 'Failed') this.delete(ds, p, now);
        else running.push(p);
      }
      if (running.length === 0 && run) this.create(ds, node.metadata.name, hash);
      else if (running.length > 1) {
        const sorted = [...running].sort((a, b) =>
          (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''),
        );
        for (const p of sorted.slice(1)) this.delete(ds, p, now);
      }
    }
  }

  private rollingUpdate(ds: KubeObject, nodes: KubeObject[], hash: string): void {
    if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return;
    const now = this.ctx.clock.now();
    const minReady = (ds.spec?.minReadySeconds as number | undefined) ?? 0;
    const pods = this.ctx.store
      .list('pods', { namespace: ds.metadata.namespace })
      .filter((p) => controllerOf(p)?.uid === ds.metadata.uid);
    const desired = nodes.filter((n) => shouldRunOn(ds, n).run);
    const maxUnavailable = Math.max(
      1,
      scaledValue(
        ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable as number | string | undefined,
        desired.length,
        true,
        1,
      ),
    );
    let unavailable = 0;
    const old: KubeObject[] = [];
    for (const n of desired) {
      const p = pods.find((x) => targetNode(x) === n.metadata.name && !isTerminating(x));
      if (!p || !isAvailable(p, minReady, now)) unavailable++;
      if (p && p.metadata.labels?.[REVISION_LABEL] !== hash) old.push(p);
    }
    for (const p of old) {
      if (!isAvailable(p, minReady, now)) this.delete(ds, p, now);
      else if (unavailable < maxUnavailable) {
        this.delete(ds, p, now);
        unavailable++;
      }
    }
  }

  private create(ds: KubeObject, nodeName: string, hash: string): void {
    const pod = podFromTemplate(ds, 'DaemonSet', 'apps/v1', ds.spec?.template);
    pod.metadata.generateName = `${ds.metadata.name}-`;
    pod.metadata.labels = {
      ...pod.metadata.labels,
      [REVISION_LABEL]: hash,
      'pod-template-generation': String(ds.metadata.generation ?? 1),
    };
    pod.spec.tolerations = withDaemonTolerations(ds.spec?.template);
    const field = { key: 'metadata.name', operator: 'In', values: [nodeName] };
    const affinity = (pod.spec.affinity ??= {});
    const na = (affinity.nodeAffinity ??= {});
    const existing = (na.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) as Record<
      string,
      unknown
    >[];
    na.requiredDuringSchedulingIgnoredDuringExecution = {
      nodeSelectorTerms: existing.length
        ? existing.map((t) => ({ ...t, matchFields: [field] }))
        : [{ matchFields: [field] }],
    };
    const created = createAdmitted(this.ctx, 'pods', pod);
    this.ctx.events.record(
      ds,
      'Normal',
      'SuccessfulCreate',
      `Created pod: ${created.metadata.name}`,
      'daemonset-controller',
    );
  }

  private delete(ds: KubeObject, pod: KubeObject, now: number): void {
    deletePod(this.ctx.store, pod, now);
    this.ctx.events.record(
      ds,
      'Normal',
      'SuccessfulDelete',
      `Deleted pod: ${pod.metadata.name}`,
      'daemonset-controller',
    );
  }

  private updateStatus(ds: KubeObject, nodes: KubeObject[], hash: string): void {
    const cur = this.ctx.store.get('daemonsets', ds.metadata.namespace, ds.metadata.name);
    if (!cur) return;
    const now = this.ctx.clock.now();
    const minReady = (ds.spec?.minReadySeconds as number | undefined) ?? 0;
    const pods = this.ctx.store
      .list('pods', { namespace: ds.metadata.namespace })
      .filter((p) => controllerOf(p)?.uid === ds.metadata.uid && !isTerminating(p));
    const s = {
      currentNumberScheduled: 0,
      numberMisscheduled: 0,
      desiredNumberScheduled: 0,
      numberReady: 0,
      observedGeneration: cur.metadata.generation ?? 1,
      updatedNumberScheduled: 0,
      numberAvailable: 0,
      numberUnavailable: 0,
    };
    let next: number | undefined;
    for (const n of nodes) {
      const { run } = shouldRunOn(ds, n);
      const p = pods
        .filter((x) => targetNode(x) === n.metadata.name)
        .sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''))[0];
      if (run) {
        s.desiredNumberScheduled++;
        if (!p) continue;
        s.currentNumberScheduled++;
        if (isReady(p)) {
          s.numberReady++;
          if (isAvailable(p, minReady, now)) s.numberAvailable++;
          const left = msUntilAvailable(p, minReady, now);
          if (left !== undefined) next = Math.min(next ?? left, left);
        }
        if (p.metadata.labels?.[REVISION_LABEL] === hash) s.updatedNumberScheduled++;
      } else if (p?.spec?.nodeName) s.numberMisscheduled++;
    }
    s.numberUnavailable = s.desiredNumberScheduled - s.numberAvailable;
    if (next !== undefined) this.enqueue(key(ds), next);
    if (JSON.stringify(cur.status ?? {}) === JSON.stringify(s)) return;
    this.ctx.store.mutate('daemonsets', cur.metadata.namespace, cur.metadata.name, (o) => {
      o.status = s;
    });
  }
}

function key(o: KubeObject): string {
  return `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
}

function signature(node: KubeObject): string {
  return JSON.stringify([node.metadata.labels, effectiveTaints(node)]);
}
