import type { Timer } from '../../engine/clock.js';
import type { KubeObject, Taint, Toleration } from '../../kube/objects.js';
import { conditionOf } from '../../kube/objects.js';
import type { SimContext } from '../context.js';
import { deletePod } from '../controllers/delete.js';
import { toleratesTaint } from '../../kube/objects.js';
import { rfc3339 } from '../controllers/pods.js';
import { StoreError } from '../store/store.js';
import { noExecuteTaints } from './taints.js';

/**
 * The NoExecute taint manager: a pod on a node with NoExecute taints is deleted when it does not tolerate
 * one of them (at once), or when the smallest tolerationSeconds among the tolerations it uses runs out; a
 * toleration without seconds tolerates forever. Deletion is graceful: on an unreachable node the pod stays
 * Terminating until the node returns or someone force-deletes it.
 */
export class TaintManager {
  private readonly scheduled = new Map<string, { uid: string; at: number; timer: Timer }>();

  constructor(
    private readonly ctx: SimContext,
    private readonly active: () => boolean,
  ) {}

  /** Forget every pending eviction (the controller-manager lost leadership; the next leader starts over). */
  reset(): void {
    for (const s of this.scheduled.values()) s.timer.cancel();
    this.scheduled.clear();
  }

  nodeChanged(name: string): void {
    const node = this.ctx.store.get('nodes', undefined, name);
    const taints = noExecuteTaints(node);
    for (const pod of this.ctx.store.podsOnNode(name)) this.handle(pod, taints);
  }

  podChanged(namespace: string, name: string): void {
    const pod = this.ctx.store.get('pods', namespace, name);
    if (!pod) {
      this.cancel(`${namespace}/${name}`);
      return;
    }
    const nodeName = pod.spec?.nodeName as string | undefined;
    const node = nodeName ? this.ctx.store.get('nodes', undefined, nodeName) : undefined;
    this.handle(pod, noExecuteTaints(node));
  }

  private handle(pod: KubeObject, taints: Taint[]): void {
    const key = `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
    const existing = this.scheduled.get(key);
    if (existing && existing.uid !== pod.metadata.uid) this.cancel(key);
    if (!this.active() || pod.metadata.deletionTimestamp || !pod.spec?.nodeName || taints.length === 0) {
      this.cancel(key);
      return;
    }
    const phase = pod.status?.phase as string | undefined;
    if (phase === 'Succeeded' || phase === 'Failed') {
      this.cancel(key);
      return;
    }
    const tolerations = ((pod.spec?.tolerations ?? []) as Toleration[]).filter(
      (t) => !t.effect || t.effect === 'NoExecute',
    );
    const used: Toleration[] = [];
    for (const taint of taints) {
      const matching = tolerations.filter((t) => toleratesTaint(t, taint));
      if (matching.length === 0) {
        this.cancel(key);
        this.evict(pod);
        return;
      }
      used.push(...matching);
    }
    const seconds = used.map((t) => t.tolerationSeconds).filter((s): s is number => typeof s === 'number');
    if (seconds.length === 0) {
      this.cancel(key);
      return;
    }
    const wait = Math.max(0, Math.min(...seconds)) * 1000;
    if (this.scheduled.has(key)) return;
    const now = this.ctx.clock.now();
    if (wait === 0) {
      this.evict(pod);
      return;
    }
    this.schedule(key, pod.metadata.uid ?? '', now + wait);
  }

  private schedule(key: string, uid: string, at: number): void {
    const timer = this.ctx.clock.setTimer(
      at - this.ctx.clock.now(),
      () => {
        this.scheduled.delete(key);
        const [ns, name] = [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)];
        const pod = this.ctx.store.get('pods', ns, name);
        if (!pod || pod.metadata.uid !== uid || pod.metadata.deletionTimestamp || !this.active()) return;
        const node = this.ctx.store.get('nodes', undefined, String(pod.spec?.nodeName));
        if (noExecuteTaints(node).length === 0) return;
        if (!this.evict(pod)) this.schedule(key, uid, this.ctx.clock.now() + this.ctx.params.nodeMonitorPeriod);
      },
      `taint manager ${key}`,
    );
    this.scheduled.set(key, { uid, at, timer });
  }

  private cancel(key: string): void {
    const s = this.scheduled.get(key);
    if (!s) return;
    s.timer.cancel();
    this.scheduled.delete(key);
  }

  /** Delete the pod gracefully, marked as the taint manager's doing. False when the write failed. */
  private evict(pod: KubeObject): boolean {
    if (!this.active()) return false;
    const store = this.ctx.store;
    const now = this.ctx.clock.now();
    const ns = pod.metadata.namespace ?? 'default';
    const nodeName = String(pod.spec?.nodeName);
    const node = store.get('nodes', undefined, nodeName);
    const lost = node !== undefined && conditionOf(node, 'Ready')?.status === 'Unknown';
    try {
      this.ctx.events.record(
        pod,
        'Normal',
        'TaintManagerEviction',
        `Marking for deletion Pod ${ns}/${pod.metadata.name}`,
        'taint-controller',
      );
      store.mutate('pods', ns, pod.metadata.name, (p) => {
        const conds = ((p.status?.conditions ?? []) as Record<string, unknown>[]).filter(
          (c) => c.type !== 'DisruptionTarget',
        );
        conds.push({
          type: 'DisruptionTarget',
          status: 'True',
          reason: 'DeletionByTaintManager',
          message: 'Taint manager: deleting due to NoExecute taint',
          lastProbeTime: null,
          lastTransitionTime: rfc3339(now),
        });
        p.status = { ...p.status, conditions: conds };
        if (lost) {
          p.status.reason = 'NodeLost';
          p.status.message = `Node ${nodeName} which was running pod ${pod.metadata.name} is unresponsive`;
        }
      });
      const cur = store.get('pods', ns, pod.metadata.name);
      if (cur) deletePod(store, cur, now);
      return true;
    } catch (err) {
      if (err instanceof StoreError && err.reason === 'Unavailable') return false;
      if (err instanceof StoreError && err.reason === 'NotFound') return true;
      throw err;
    }
  }
}
