import type { Timer } from '../../engine/clock.js';
import type { Condition, KubeObject, Taint } from '../../kube/objects.js';
import { conditionOf } from '../../kube/objects.js';
import type { Controller, SimContext } from '../context.js';
import { rfc3339 } from '../controllers/pods.js';
import { StoreError } from '../store/store.js';
import { TaintManager } from './taint-manager.js';
import {
  CONDITION_TAINTS,
  DISK_PRESSURE,
  MEMORY_PRESSURE,
  NETWORK_UNAVAILABLE,
  NOT_READY,
  PID_PRESSURE,
  UNREACHABLE,
  UNSCHEDULABLE,
  taintsOf,
} from './taints.js';
import { TokenBucket, zoneOf, zoneRate, zoneState, type ZoneState } from './zones.js';

interface NodeHealth {
  /** When the controller last saw the node's Lease or Ready heartbeat move (its own clock, as upstream). */
  probeTimestamp: number;
  heartbeat: string | undefined;
  renew: string | undefined;
  lastReady: string | undefined;
}

const MONITORED = ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'];

/**
 * kube-controller-manager's node-lifecycle controller: marks nodes not heard from within the grace period
 * Unknown, their pods not Ready, taints nodes from their conditions (NoSchedule at once, NoExecute through
 * the per-zone rate limiter) and runs the NoExecute taint manager. Only while the controller-manager leads.
 */
export class NodeLifecycleController implements Controller {
  readonly name = 'node-lifecycle';
  private ctx: SimContext | undefined;
  private timer: Timer | undefined;
  private readonly health = new Map<string, NodeHealth>();
  private readonly zoneQueues = new Map<string, string[]>();
  private readonly limiters = new Map<string, TokenBucket>();
  private readonly zoneStates = new Map<string, ZoneState>();
  private allDisrupted = false;
  private queueTimer: Timer | undefined;
  private taints: TaintManager | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  private wasActive = false;

  start(ctx: SimContext): void {
    this.ctx = ctx;
    const taints = new TaintManager(ctx, () => this.active());
    this.taints = taints;
    this.unsubscribe.push(
      ctx.store.onChange((e) => {
        if (!this.active()) return;
        if (e.resource === 'nodes') {
          const before = JSON.stringify((e.old?.spec?.taints ?? []) as Taint[]);
          const after = JSON.stringify((e.object.spec?.taints ?? []) as Taint[]);
          if (e.type === 'MODIFIED' && before === after) return;
          ctx.queue.add(`taint-manager/node/${e.object.metadata.name}`, () =>
            taints.nodeChanged(e.object.metadata.name),
          );
        } else if (e.resource === 'pods') {
          const ns = e.object.metadata.namespace ?? 'default';
          const name = e.object.metadata.name;
          // Status writes share the spec with the version before: tolerations and binding are as they were.
          if (
            e.type === 'MODIFIED' &&
            e.old !== undefined &&
            e.old.spec === e.object.spec &&
            e.old.metadata.deletionTimestamp === e.object.metadata.deletionTimestamp
          )
            return;
          if (
            e.type === 'MODIFIED' &&
            e.old?.spec?.nodeName === e.object.spec?.nodeName &&
            !!e.old?.metadata.deletionTimestamp === !!e.object.metadata.deletionTimestamp &&
            JSON.stringify(e.old?.spec?.tolerations) === JSON.stringify(e.object.spec?.tolerations)
          )
            return;
          ctx.queue.add(`taint-manager/pod/${ns}/${name}`, () => taints.podChanged(ns, name));
        }
      }),
      ctx.controlPlane.onChange((c) => {
        if (c === 'kube-controller-manager' || c === 'kube-apiserver')
          ctx.queue.add('node-lifecycle/leadership', () => this.leadershipChanged());
      }),
    );
    this.wasActive = this.active();
    const tick = (): void => {
      this.timer = ctx.clock.setTimer(ctx.params.nodeMonitorPeriod, tick, 'node-lifecycle monitor');
      this.monitor();
    };
    this.timer = ctx.clock.setTimer(ctx.params.nodeMonitorPeriod * ctx.random.next(), tick, 'node-lifecycle monitor');
  }

  stop(): void {
    this.timer?.cancel();
    this.queueTimer?.cancel();
    for (const u of this.unsubscribe) u();
    this.taints?.reset();
  }

  private active(): boolean {
    return this.ctx?.controlPlane.active('kube-controller-manager') ?? false;
  }

  /** A new leader starts from scratch, as a restarted kube-controller-manager does. */
  private leadershipChanged(): void {
    const now = this.active();
    if (now === this.wasActive) return;
    this.wasActive = now;
    this.health.clear();
    this.zoneQueues.clear();
    this.limiters.clear();
    this.zoneStates.clear();
    this.allDisrupted = false;
    this.taints?.reset();
    if (now && this.ctx) {
      const ctx = this.ctx;
      for (const n of ctx.store.list('nodes'))
        ctx.queue.add(`taint-manager/node/${n.metadata.name}`, () => this.taints?.nodeChanged(n.metadata.name));
    }
  }

  private monitor(): void {
    const ctx = this.ctx;
    if (!ctx) return;
    if (!this.active()) {
      if (this.wasActive) this.leadershipChanged();
      return;
    }
    if (!this.wasActive) this.leadershipChanged();
    const now = ctx.clock.now();
    const nodes = ctx.store.list('nodes');
    const seen = new Set<string>();
    for (const node of nodes) {
      seen.add(node.metadata.name);
      this.checkHealth(node, now);
    }
    for (const name of [...this.health.keys()]) if (!seen.has(name)) this.health.delete(name);

    const current = ctx.store.list('nodes');
    this.updateZones(current, now);
    for (const node of current) {
      this.noScheduleTaints(node);
      this.noExecuteTaints(node, now);
    }
    this.processQueues(now);
  }

  /** monitorNodeHealth for one node. */
  private checkHealth(node: KubeObject, now: number): void {
    const ctx = this.ctx!;
    const name = node.metadata.name;
    const ready = conditionOf(node, 'Ready');
    const lease = ctx.store.get('leases', 'kube-node-lease', name);
    const renew = lease?.spec?.renewTime as string | undefined;
    let h = this.health.get(name);
    if (!h) {
      h = { probeTimestamp: now, heartbeat: ready?.lastHeartbeatTime, renew, lastReady: ready?.status };
      this.health.set(name, h);
    } else if (h.heartbeat !== ready?.lastHeartbeatTime || h.renew !== renew) {
      h.probeTimestamp = now;
      h.heartbeat = ready?.lastHeartbeatTime;
      h.renew = renew;
    }
    const grace = ready ? ctx.params.nodeMonitorGracePeriod : ctx.params.nodeStartupGracePeriod;
    let status = ready?.status;
    if (now - h.probeTimestamp >= grace) {
      const needs = MONITORED.some((t) => conditionOf(node, t)?.status !== 'Unknown');
      if (needs) {
        const written = this.write(() =>
          ctx.store.mutate('nodes', undefined, name, (n) => {
            n.status = {
              ...n.status,
              conditions: unknownConditions((n.status?.conditions ?? []) as Condition[], n, now),
            };
          }),
        );
        if (written) status = 'Unknown';
        else return;
      } else status = 'Unknown';
    }
    if (status !== 'True' && h.lastReady === 'True') {
      const cur = ctx.store.get('nodes', undefined, name) ?? node;
      ctx.events.record(cur, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`, 'node-controller');
      this.markPodsNotReady(name, now);
    }
    h.lastReady = status;
  }

  private markPodsNotReady(node: string, now: number): void {
    const ctx = this.ctx!;
    for (const pod of ctx.store.podsOnNode(node)) {
      const ready = conditionOf(pod, 'Ready');
      if (ready?.status !== 'True') continue;
      const ok = this.write(() =>
        ctx.store.mutate('pods', pod.metadata.namespace, pod.metadata.name, (p) => {
          p.status.conditions = ((p.status?.conditions ?? []) as Condition[]).map((c) =>
            c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: rfc3339(now) } : c,
          );
        }),
      );
      if (ok) ctx.events.record(pod, 'Warning', 'NodeNotReady', 'Node is not ready', 'node-controller');
    }
  }

  /** NoSchedule taints follow the conditions at once (TaintNodesByCondition). */
  private noScheduleTaints(node: KubeObject): void {
    const want = new Set<string>();
    const ready = conditionOf(node, 'Ready')?.status;
    if (ready === 'False') want.add(NOT_READY);
    if (ready === 'Unknown') want.add(UNREACHABLE);
    if (conditionOf(node, 'MemoryPressure')?.status === 'True') want.add(MEMORY_PRESSURE);
    if (conditionOf(node, 'DiskPressure')?.status === 'True') want.add(DISK_PRESSURE);
    if (conditionOf(node, 'PIDPressure')?.status === 'True') want.add(PID_PRESSURE);
    if (conditionOf(node, 'NetworkUnavailable')?.status === 'True') want.add(NETWORK_UNAVAILABLE);
    if (node.spec?.unschedulable === true) want.add(UNSCHEDULABLE);
    const taints = taintsOf(node);
    const keep = taints.filter(
      (t) => t.effect !== 'NoSchedule' || !CONDITION_TAINTS.includes(t.key) || want.has(t.key),
    );
    const have = new Set(keep.filter((t) => t.effect === 'NoSchedule').map((t) => t.key));
    const add = [...want].filter((k) => !have.has(k)).map((key): Taint => ({ key, effect: 'NoSchedule' }));
    if (add.length === 0 && keep.length === taints.length) return;
    this.setTaints(node.metadata.name, [...keep, ...add]);
  }

  /** NoExecute taints: removed at once when Ready, swapped at once between not-ready and unreachable, added through the zone's rate limiter. */
  private noExecuteTaints(node: KubeObject, now: number): void {
    const name = node.metadata.name;
    const ready = conditionOf(node, 'Ready')?.status;
    const taints = taintsOf(node);
    const has = (k: string): boolean => taints.some((t) => t.key === k && t.effect === 'NoExecute');
    if (ready === 'True' || ready === undefined || this.allDisrupted) {
      this.dequeue(name);
      if (has(NOT_READY) || has(UNREACHABLE)) {
        this.setTaints(
          name,
          taints.filter((t) => !(t.effect === 'NoExecute' && (t.key === NOT_READY || t.key === UNREACHABLE))),
        );
      }
      return;
    }
    const want = ready === 'False' ? NOT_READY : UNREACHABLE;
    const other = want === NOT_READY ? UNREACHABLE : NOT_READY;
    if (has(want) && !has(other)) return;
    if (has(other)) {
      this.setTaints(name, [
        ...taints.filter((t) => !(t.effect === 'NoExecute' && t.key === other)),
        { key: want, effect: 'NoExecute', timeAdded: rfc3339(now) },
      ]);
      return;
    }
    const zone = zoneOf(node);
    const q = this.zoneQueues.get(zone) ?? [];
    if (!q.includes(name)) q.push(name);
    this.zoneQueues.set(zone, q);
  }

  private dequeue(name: string): void {
    for (const q of this.zoneQueues.values()) {
      const i = q.indexOf(name);
      if (i >= 0) q.splice(i, 1);
    }
  }

  private updateZones(nodes: KubeObject[], now: number): void {
    const ctx = this.ctx!;
    const counts = new Map<string, { ready: number; notReady: number }>();
    for (const n of nodes) {
      const z = zoneOf(n);
      const c = counts.get(z) ?? { ready: 0, notReady: 0 };
      if (conditionOf(n, 'Ready')?.status === 'True') c.ready++;
      else c.notReady++;
      counts.set(z, c);
    }
    const states = new Map<string, ZoneState>();
    for (const [z, c] of counts) states.set(z, zoneState(c.ready, c.notReady, ctx.params));
    const all = states.size > 0 && [...states.values()].every((s) => s === 'FullDisruption');
    if (this.allDisrupted && !all) {
      // Leaving master disruption mode: every node gets a fresh grace period.
      for (const h of this.health.values()) h.probeTimestamp = now;
    }
    this.allDisrupted = all;
    for (const [z, s] of states) {
      this.zoneStates.set(z, s);
      const rate = zoneRate(s, nodes.length, ctx.params);
      const limiter = this.limiters.get(z);
      if (limiter) limiter.setRate(rate, now);
      else this.limiters.set(z, new TokenBucket(rate, now));
    }
  }

  private processQueues(now: number): void {
    const ctx = this.ctx!;
    this.queueTimer?.cancel();
    this.queueTimer = undefined;
    if (this.allDisrupted || !this.active()) return;
    let wait: number | undefined;
    for (const [zone, q] of this.zoneQueues) {
      const limiter = this.limiters.get(zone);
      if (!limiter) continue;
      while (q.length > 0 && limiter.tryAccept(now)) {
        const name = q.shift()!;
        const node = ctx.store.get('nodes', undefined, name);
        const ready = node ? conditionOf(node, 'Ready')?.status : undefined;
        if (!node || ready === 'True' || ready === undefined) continue;
        const key = ready === 'False' ? NOT_READY : UNREACHABLE;
        const taints = taintsOf(node).filter(
          (t) => !(t.effect === 'NoExecute' && (t.key === NOT_READY || t.key === UNREACHABLE)),
        );
        if (!this.setTaints(name, [...taints, { key, effect: 'NoExecute', timeAdded: rfc3339(now) }])) q.unshift(name);
      }
      if (q.length > 0) {
        const ms = limiter.msUntilToken(now);
        if (ms !== undefined) wait = wait === undefined ? ms : Math.min(wait, ms);
      }
    }
    if (wait !== undefined) {
      this.queueTimer = ctx.clock.setTimer(
        Math.max(1, wait),
        () => this.processQueues(ctx.clock.now()),
        'node-lifecycle eviction queue',
      );
    }
  }

  private setTaints(name: string, taints: Taint[]): boolean {
    const ctx = this.ctx!;
    return this.write(() =>
      ctx.store.mutate('nodes', undefined, name, (n) => {
        n.spec = { ...n.spec, taints };
        if (taints.length === 0) delete n.spec.taints;
      }),
    );
  }

  private write(fn: () => unknown): boolean {
    try {
      fn();
      return true;
    } catch (err) {
      if (err instanceof StoreError && (err.reason === 'Unavailable' || err.reason === 'NotFound')) return false;
      throw err;
    }
  }

  /** For tests and probes: the zone states the controller computed last. */
  zones(): Map<string, ZoneState> {
    return new Map(this.zoneStates);
  }
}

function unknownConditions(current: Condition[], node: KubeObject, now: number): Condition[] {
  const iso = rfc3339(now);
  const out = current.map((c) => {
    if (!MONITORED.includes(c.type) || c.status === 'Unknown') return c;
    return {
      ...c,
      status: 'Unknown' as const,
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
      lastTransitionTime: iso,
    };
  });
  for (const type of MONITORED) {
    if (out.some((c) => c.type === type)) continue;
    out.push({
      type,
      status: 'Unknown',
      reason: 'NodeStatusNeverUpdated',
      message: 'Kubelet never posted node status.',
      lastHeartbeatTime: node.metadata.creationTimestamp ?? iso,
      lastTransitionTime: iso,
    });
  }
  return out;
}
