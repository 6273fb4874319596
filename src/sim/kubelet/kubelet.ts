import type { Timer } from '../../engine/clock.js';
import type { Condition, KubeObject } from '../../kube/objects.js';
import type { ControlPlaneComponent } from '../../targets/target.js';
import type { SimContext } from '../context.js';
import { rfc3339 } from '../controllers/pods.js';
import { sameJson, StoreError } from '../store/store.js';
import { isCniPod } from './cni.js';
import {
  evictionMessage,
  podDiskUsage,
  podMemoryUsage,
  rankForDiskEviction,
  rankForMemoryEviction,
} from './eviction.js';
import { STATIC_COMPONENTS, type HostState } from './host.js';
import { capacityOf, desiredConditions, mergeConditions, nodeObject, threshold } from './node-object.js';
import { PodRuntime, type ContainerOverride, type RuntimeEnv } from './pod-runtime.js';
import { isMirrorPod, mirrorPod, staticPod } from './static-pods.js';

export interface KubeletHooks {
  /** Static pod containers or the host's reachability changed (control plane and etcd follow). */
  hostChanged(): void;
  override(node: string, container: string): ContainerOverride | undefined;
  /** The platform's registry has the image. */
  inRegistry(image: string): boolean;
}

/** Whether a store write failed because etcd has no quorum (the kubelet retries on its next period). */
function unavailable(err: unknown): boolean {
  return err instanceof StoreError && (err.reason === 'Unavailable' || err.reason === 'Conflict');
}

/**
 * The kubelet of one simulated host: registers the Node, renews its Lease, posts node status, runs the
 * pods bound to it and the static pods of its manifest directory, evicts under memory pressure.
 */
export class Kubelet {
  private readonly pods = new Map<string, PodRuntime>();
  private readonly statics = new Map<ControlPlaneComponent, PodRuntime>();
  private readonly timers = new Map<string, Timer>();
  private readonly tickers: Timer[] = [];
  private readonly dirty = new Set<string>();
  /** The pod versions this kubelet's last status write made, until their change comes back to it. */
  private readonly ownStatusWrites = new Map<string, KubeObject>();
  /** Manifests the kubelet has noticed (inotify lags the file move a little). */
  private readonly known = new Set<ControlPlaneComponent>();
  private manifestTimer: Timer | undefined;
  private lastStatusPost = Number.NEGATIVE_INFINITY;
  private ipSeq = 0;
  private memoryPressureSeenAt: number | undefined;
  private diskPressureSeenAt: number | undefined;
  private staticSignature = '';
  private stopped = false;
  /** While the topology is seeded, static pods come up already running (the cluster existed before). */
  seeding = false;
  private readonly env: RuntimeEnv;

  constructor(
    private readonly ctx: SimContext,
    readonly host: HostState,
    private readonly hooks: KubeletHooks,
  ) {
    for (const m of host.manifests) this.known.add(m);
    this.env = {
      params: ctx.params,
      random: ctx.random,
      hostIP: host.ip,
      now: () => ctx.clock.now(),
      processesRun: () => host.alive,
      runtimeUp: () => this.runtimeUp,
      kubeletActive: () => this.kubeletActive,
      imageCached: (image) => host.images.has(image),
      cacheImage: (image) => host.images.add(image),
      registryReachable: () => host.registryReachable && host.network === 'connected',
      imageInRegistry: (image) => hooks.inRegistry(image),
      cniReady: () => this.cniReady(),
      allocatePodIP: () => `10.244.${host.index % 256}.${(this.ipSeq++ % 253) + 2}`,
      lookup: (resource, namespace, name) => ctx.store.get(resource, namespace, name),
      event: (pod, type, reason, message) => {
        if (this.apiReachable) ctx.events.record(pod, type, reason, message, 'kubelet', host.name);
      },
      override: (_pod, container) => hooks.override(host.name, container),
    };
  }

  get name(): string {
    return this.host.name;
  }

  get runtimeUp(): boolean {
    return this.host.alive && this.host.runtime === 'running';
  }

  get kubeletActive(): boolean {
    return this.host.alive && this.host.kubelet === 'running' && this.ctx.clock.now() >= this.host.kubeletInitialisedAt;
  }

  /** Heartbeats and status updates get through to the apiserver. */
  get apiReachable(): boolean {
    return (
      this.kubeletActive &&
      this.host.network === 'connected' &&
      !this.host.overloaded &&
      this.ctx.controlPlane.active('kube-apiserver')
    );
  }

  /** Start the periodic loops, each at a random phase so that nodes do not all tick at once. */
  start(): void {
    const p = this.ctx.params;
    this.every('lease', p.leaseRenewInterval, 0, () => this.renewLease());
    this.every('status', p.nodeStatusUpdateFrequency, 0.04, () => this.postStatus(false));
    this.every('housekeeping', p.evictionMonitoringPeriod, 0, () => this.housekeeping());
  }

  /** The host is removed for good. */
  shutdown(): void {
    this.stopped = true;
    for (const t of this.tickers) t.cancel();
    for (const t of this.timers.values()) t.cancel();
    this.manifestTimer?.cancel();
    this.timers.clear();
  }

  private every(label: string, period: number, jitter: number, fn: () => void): void {
    const r = this.ctx.random;
    const schedule = (delay: number): void => {
      const t = this.ctx.clock.setTimer(
        delay,
        () => {
          if (this.stopped) return;
          fn();
          schedule(quantize(period * (1 + jitter * r.next())));
        },
        `kubelet ${this.name} ${label}`,
      );
      this.tickers[idx] = t;
    };
    const idx = this.tickers.length;
    this.tickers.push({ cancel: () => undefined });
    schedule(quantize(period * r.next()));
  }

  // ---- host transitions -------------------------------------------------------------------------------

  /** Power loss, or the container runtime stopping: every container dies. */
  containersDied(exitCode: number, reason: string): void {
    for (const rt of [...this.pods.values(), ...this.statics.values()]) rt.killAll(exitCode, reason);
    for (const key of this.pods.keys()) this.dirty.add(key);
    this.checkStatics();
  }

  /** The host came back (boot, unfreeze) or a service started: look at everything again. */
  kick(): void {
    if (this.stopped || !this.host.alive) {
      this.checkStatics();
      return;
    }
    if (this.kubeletActive) {
      this.notice();
      if (this.apiReachable) {
        this.register();
        this.renewLease();
        this.postStatus(true);
        this.relist();
      }
    }
    for (const key of [...this.pods.keys()]) this.syncPod(key);
    for (const c of [...this.statics.keys()]) this.syncStatic(c);
    this.syncStatics();
    this.checkStatics();
  }

  /** A manifest moved in or out: inotify tells the kubelet a moment later. */
  manifestsChanged(): void {
    this.manifestTimer?.cancel();
    this.manifestTimer = this.ctx.clock.setTimer(
      this.ctx.params.staticPodInotifyDelay,
      () => {
        this.manifestTimer = undefined;
        if (!this.kubeletActive || this.stopped) return;
        this.notice();
        this.syncStatics();
      },
      `kubelet ${this.name} inotify`,
    );
  }

  private notice(): void {
    this.known.clear();
    for (const m of this.host.manifests) this.known.add(m);
  }

  // ---- API pods ---------------------------------------------------------------------------------------

  /** A pod bound to this node changed in the API (only seen while the kubelet can reach the apiserver). */
  podChanged(namespace: string, name: string): void {
    if (!this.apiReachable || this.stopped) return;
    const key = `${namespace}/${name}`;
    const pod = this.ctx.store.get('pods', namespace, name);
    const comp = namespace === 'kube-system' ? STATIC_COMPONENTS.find((c) => `${c}-${this.name}` === name) : undefined;
    if (comp && (!pod || isMirrorPod(pod))) {
      this.ensureMirror(comp);
      return;
    }
    // The kubelet's own status write coming back: as the real kubelet's pod config source ignores
    // status-only updates, it changes nothing to sync (it synced just before writing).
    const own = this.ownStatusWrites.get(key);
    this.ownStatusWrites.delete(key);
    const rt = this.pods.get(key);
    if (rt && pod !== undefined && pod === own && rt.uid === pod.metadata.uid) {
      rt.update(pod);
      return;
    }
    this.adopt(key, pod);
    this.syncPod(key);
  }

  /** ConfigMaps or Secrets in `namespace` changed: retry pods waiting for them. */
  configChanged(namespace: string): void {
    if (!this.apiReachable) return;
    for (const [key, rt] of this.pods) {
      if (rt.blocked && (rt.pod.metadata.namespace ?? 'default') === namespace) this.syncPod(key);
    }
  }

  private relist(): void {
    const seen = new Set<string>();
    for (const pod of this.ctx.store.podsOnNode(this.name)) {
      if (isMirrorPod(pod)) continue;
      const key = `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
      seen.add(key);
      this.adopt(key, pod);
    }
    for (const key of [...this.pods.keys()]) if (!seen.has(key)) this.adopt(key, undefined);
    for (const c of STATIC_COMPONENTS) this.ensureMirror(c);
  }

  /** Follow the API's version of a pod: start, update, or drop (force-deleted / rebound elsewhere). */
  private adopt(key: string, pod: KubeObject | undefined): void {
    const rt = this.pods.get(key);
    if (!pod || pod.spec?.nodeName !== this.name || (rt && rt.uid !== pod.metadata.uid)) {
      if (rt) {
        rt.killAll(137, 'Error');
        this.pods.delete(key);
        this.timers.get(key)?.cancel();
        this.timers.delete(key);
        this.dirty.delete(key);
      }
      if (!pod || pod.spec?.nodeName !== this.name) return;
    }
    const existing = this.pods.get(key);
    if (existing) {
      existing.update(pod);
      return;
    }
    const phase = pod.status?.phase as string | undefined;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    this.pods.set(key, new PodRuntime(pod, this.env));
  }

  private syncPod(key: string): void {
    if (this.stopped) return;
    const rt = this.pods.get(key);
    if (!rt) {
      this.finishDeletedWithoutRuntime(key);
      return;
    }
    const wasCniReady = isCniPod(rt.pod) ? rt.ready() : undefined;
    const ts = rt.pod.metadata.deletionTimestamp;
    if (ts && this.runtimeUp && this.kubeletActive) {
      const grace =
        rt.pod.metadata.deletionGracePeriodSeconds ??
        (rt.pod.spec?.terminationGracePeriodSeconds as number | undefined) ??
        30;
      rt.beginTermination(grace);
    }
    const next = rt.sync();
    this.dirty.add(key);
    this.schedule(key, next, () => this.syncPod(key));
    this.flush(key);
    if (rt.terminating && rt.stopped() && next === undefined) this.finishTermination(key, rt);
    if (wasCniReady !== undefined && rt.ready() !== wasCniReady) {
      for (const [k, other] of this.pods)
        if (other.blocked === 'sandbox') this.schedule(k, this.ctx.clock.now(), () => this.syncPod(k));
    }
  }

  /** A deleted pod the kubelet never ran (e.g. bound while the node was away): nothing to stop. */
  private finishDeletedWithoutRuntime(key: string): void {
    if (!this.apiReachable) return;
    const [ns, name] = splitKey(key);
    const pod = this.ctx.store.get('pods', ns, name);
    if (pod?.metadata.deletionTimestamp && pod.spec?.nodeName === this.name && !pod.metadata.finalizers?.length) {
      this.tryWrite(() => this.ctx.store.remove('pods', ns, name));
    }
  }

  /** Containers stopped: post the final status and remove the pod object (the kubelet's grace-0 delete). */
  private finishTermination(key: string, rt: PodRuntime): void {
    if (!this.apiReachable) return;
    const [ns, name] = splitKey(key);
    const cur = this.ctx.store.get('pods', ns, name);
    if (!cur || cur.metadata.uid !== rt.uid) {
      this.pods.delete(key);
      return;
    }
    if (cur.metadata.finalizers?.length) return;
    if (this.tryWrite(() => this.ctx.store.remove('pods', ns, name))) {
      this.pods.delete(key);
      this.dirty.delete(key);
      this.timers.get(key)?.cancel();
      this.timers.delete(key);
    }
  }

  private flush(key: string): void {
    if (!this.dirty.has(key) || !this.apiReachable) return;
    const rt = this.pods.get(key);
    if (!rt) {
      this.dirty.delete(key);
      return;
    }
    const [ns, name] = splitKey(key);
    const cur = this.ctx.store.get('pods', ns, name);
    if (!cur || cur.metadata.uid !== rt.uid) {
      this.dirty.delete(key);
      return;
    }
    const status = rt.status(cur.status as Record<string, unknown> | undefined);
    if (sameJson(cur.status, status)) {
      this.dirty.delete(key);
      return;
    }
    // Only the status changes: the new version shares the rest of the pod with the current one.
    let written: KubeObject | undefined;
    if (this.tryWrite(() => (written = this.ctx.store.transform('pods', ns, name, (p) => ({ ...p, status }))))) {
      this.dirty.delete(key);
      if (written) this.ownStatusWrites.set(key, written);
    }
  }

  private schedule(key: string, at: number | undefined, fn: () => void): void {
    this.timers.get(key)?.cancel();
    this.timers.delete(key);
    if (at === undefined) return;
    this.timers.set(
      key,
      this.ctx.clock.setTimer(
        at - this.ctx.clock.now(),
        () => {
          this.timers.delete(key);
          fn();
        },
        `kubelet ${this.name} ${key}`,
      ),
    );
  }

  private cniReady(): boolean {
    let found = false;
    for (const rt of this.pods.values()) {
      if (!isCniPod(rt.pod) || rt.pod.metadata.deletionTimestamp) continue;
      found = true;
      if (rt.ready()) return true;
    }
    return !found;
  }

  // ---- static pods ------------------------------------------------------------------------------------

  private syncStatics(): void {
    if (!this.kubeletActive || this.stopped) return;
    for (const comp of STATIC_COMPONENTS) {
      const present = this.known.has(comp);
      const rt = this.statics.get(comp);
      if (present && !rt) {
        const pod = staticPod(comp, this.name, this.host.ip, this.ctx.params.kubeletVersion);
        this.host.images.add(String(pod.spec.containers[0].image));
        const rt = new PodRuntime(pod, this.env);
        rt.warm = this.seeding;
        this.statics.set(comp, rt);
        this.syncStatic(comp);
      } else if (!present && rt) {
        rt.killAll(0, 'Completed');
        this.statics.delete(comp);
        this.schedule(`static/${comp}`, undefined, () => undefined);
        this.ensureMirror(comp);
      }
    }
    this.checkStatics();
  }

  private syncStatic(comp: ControlPlaneComponent): void {
    const rt = this.statics.get(comp);
    if (!rt || this.stopped) return;
    const next = rt.sync();
    this.schedule(`static/${comp}`, next, () => this.syncStatic(comp));
    this.ensureMirror(comp);
    this.checkStatics();
  }

  /** Keep the mirror pod of a static pod in the API, with its status; delete it when the manifest is gone. */
  private ensureMirror(comp: ControlPlaneComponent): void {
    if (!this.apiReachable) return;
    const store = this.ctx.store;
    const name = `${comp}-${this.name}`;
    const rt = this.statics.get(comp);
    let cur = store.get('pods', 'kube-system', name);
    if (!rt) {
      if (cur && isMirrorPod(cur)) this.tryWrite(() => store.remove('pods', 'kube-system', name));
      return;
    }
    if (cur && (cur.metadata.deletionTimestamp || !isMirrorPod(cur))) {
      if (!this.tryWrite(() => store.remove('pods', 'kube-system', name))) return;
      cur = undefined;
    }
    if (!cur) {
      const node = store.get('nodes', undefined, this.name);
      const created = this.tryWrite(() => store.create('pods', mirrorPod(rt.pod, node?.metadata.uid)));
      if (!created) return;
      cur = store.get('pods', 'kube-system', name);
      if (!cur) return;
    }
    const status = rt.status(cur.status as Record<string, unknown> | undefined);
    if (!sameJson(cur.status, status)) {
      this.tryWrite(() => store.transform('pods', 'kube-system', name, (p) => ({ ...p, status })));
    }
  }

  /** Whether a control-plane component's container runs here (and, with `ready`, serves). */
  staticRunning(comp: ControlPlaneComponent, ready = false): boolean {
    const rt = this.statics.get(comp);
    if (!rt || !this.runtimeUp) return false;
    return ready ? rt.ready() : rt.running(comp);
  }

  private checkStatics(): void {
    const sig = STATIC_COMPONENTS.map((c) => `${c}:${this.staticRunning(c)}:${this.staticRunning(c, true)}`).join(',');
    if (sig === this.staticSignature) return;
    this.staticSignature = sig;
    this.hooks.hostChanged();
  }

  /** Re-evaluate a static pod after its process was changed from outside (etcd member stopped/started). */
  staticOverrideChanged(comp: ControlPlaneComponent): void {
    this.syncStatic(comp);
  }

  // ---- node: registration, lease, status, eviction ----------------------------------------------------

  private register(): void {
    if (this.host.agentBound) return;
    const store = this.ctx.store;
    if (store.get('nodes', undefined, this.name)) return;
    const now = this.ctx.clock.now();
    const node = nodeObject(this.host, this.ctx.params);
    node.status.conditions = mergeConditions(
      [],
      desiredConditions(this.health(now), now, this.ctx.params),
      rfc3339(now),
    ).conditions;
    if (this.tryWrite(() => store.create('nodes', node))) {
      this.lastStatusPost = now;
      this.ctx.events.record(
        store.get('nodes', undefined, this.name) ?? node,
        'Normal',
        'Starting',
        'Starting kubelet.',
        'kubelet',
        this.name,
      );
      if (this.host.joining) {
        this.ctx.clock.setTimer(
          this.ctx.params.nodeStatusUpdateFrequency,
          () => {
            this.host.joining = false;
            this.postStatus(false);
          },
          `kubelet ${this.name} first status`,
        );
      }
    }
  }

  renewLease(): void {
    if (!this.apiReachable || this.host.agentBound) return;
    const store = this.ctx.store;
    const node = store.get('nodes', undefined, this.name);
    if (!node) return;
    const now = rfc3339micro(this.ctx.clock.now());
    const existing = store.get('leases', 'kube-node-lease', this.name);
    this.tryWrite(() => {
      if (existing) {
        store.mutate('leases', 'kube-node-lease', this.name, (l) => {
          l.spec = {
            ...l.spec,
            holderIdentity: this.name,
            leaseDurationSeconds: this.ctx.params.nodeLeaseDuration / 1000,
            renewTime: now,
          };
        });
      } else {
        store.create('leases', nodeLease(this.name, node.metadata.uid, this.ctx.params.nodeLeaseDuration, now));
      }
    });
  }

  private health(now: number): {
    runtimeDownSince: number | undefined;
    joining: boolean;
    memoryPressure: boolean;
    diskPressure: boolean;
  } {
    const period = this.ctx.params.evictionPressureTransitionPeriod;
    return {
      runtimeDownSince: this.host.runtime === 'stopped' ? (this.host.runtimeDownSince ?? now) : undefined,
      joining: this.host.joining,
      memoryPressure: this.memoryPressureSeenAt !== undefined && now - this.memoryPressureSeenAt < period,
      diskPressure: this.diskPressureSeenAt !== undefined && now - this.diskPressureSeenAt < period,
    };
  }

  /** Post node status when it changed, or when nodeStatusReportFrequency has passed (`force`: now). */
  postStatus(force: boolean): void {
    if (!this.apiReachable || this.host.agentBound) return;
    const store = this.ctx.store;
    const node = store.get('nodes', undefined, this.name);
    if (!node) {
      this.register();
      return;
    }
    const now = this.ctx.clock.now();
    const iso = rfc3339(now);
    const { conditions, changed } = mergeConditions(
      (node.status?.conditions ?? []) as Condition[],
      desiredConditions(this.health(now), now, this.ctx.params),
      iso,
    );
    const bootChanged = node.status?.nodeInfo?.bootID !== this.host.bootId;
    if (!force && !changed && !bootChanged && now - this.lastStatusPost < this.ctx.params.nodeStatusReportFrequency)
      return;
    const wasReady = (node.status?.conditions as Condition[] | undefined)?.find((c) => c.type === 'Ready')?.status;
    const ok = this.tryWrite(() =>
      store.mutate('nodes', undefined, this.name, (n) => {
        n.status = { ...n.status, conditions, nodeInfo: { ...n.status?.nodeInfo, bootID: this.host.bootId } };
      }),
    );
    if (!ok) return;
    this.lastStatusPost = now;
    const ready = conditions.find((c) => c.type === 'Ready')?.status;
    if (ready !== wasReady) {
      const reason = ready === 'True' ? 'NodeReady' : 'NodeNotReady';
      this.ctx.events.record(
        node,
        'Normal',
        reason,
        `Node ${this.name} status is now: ${reason}`,
        'kubelet',
        this.name,
      );
    }
    if (bootChanged && node.status?.nodeInfo?.bootID) {
      this.ctx.events.record(
        node,
        'Warning',
        'Rebooted',
        `Node ${this.name} has been rebooted, boot id: ${this.host.bootId}`,
        'kubelet',
        this.name,
      );
    }
  }

  private housekeeping(): void {
    if (!this.kubeletActive) return;
    const now = this.ctx.clock.now();
    const before = this.health(now);
    this.evictIfNeeded(now);
    const after = this.health(now);
    if (before.memoryPressure !== after.memoryPressure || before.diskPressure !== after.diskPressure)
      this.postStatus(false);
    for (const key of [...this.dirty]) this.flush(key);
    for (const [key, rt] of [...this.pods]) if (rt.terminating && rt.stopped()) this.finishTermination(key, rt);
    if (this.apiReachable) for (const c of STATIC_COMPONENTS) this.ensureMirror(c);
  }

  /** Memory or disk the running pods use now, without any ballast. */
  podsUse(resource: 'memory' | 'disk'): number {
    const live = [...this.pods.values()].filter((rt) => !rt.evicted && !rt.terminating && rt.running());
    return live.reduce((s, rt) => s + rt.usage(resource === 'memory' ? podMemoryUsage : podDiskUsage), 0);
  }

  private evictIfNeeded(now: number): void {
    const cap = capacityOf(this.host);
    const p = this.ctx.params;
    const live = [...this.pods.values()].filter((rt) => !rt.evicted && !rt.terminating && rt.running());
    const memUsed = this.host.memoryPressureBytes + this.podsUse('memory');
    const diskUsed = this.host.diskPressureBytes + this.podsUse('disk');
    const memPressure = cap.memoryBytes - memUsed < threshold(p.evictionHardMemoryAvailable, cap.memoryBytes);
    const diskPressure = cap.diskBytes - diskUsed < threshold(p.evictionHardNodefsAvailable, cap.diskBytes);
    if (memPressure) this.memoryPressureSeenAt = now;
    if (diskPressure) this.diskPressureSeenAt = now;
    // The eviction manager evicts at most one pod per pass.
    const victim = memPressure
      ? rankForMemoryEviction(live.map((rt) => rt.pod))[0]
      : diskPressure
        ? rankForDiskEviction(live.map((rt) => rt.pod))[0]
        : undefined;
    if (!victim) return;
    const key = `${victim.metadata.namespace ?? 'default'}/${victim.metadata.name}`;
    const rt = this.pods.get(key);
    if (!rt) return;
    const message = evictionMessage(victim, memPressure ? 'memory' : 'ephemeral-storage');
    this.env.event(victim, 'Warning', 'Evicted', message);
    rt.evict(message);
    this.syncPod(key);
  }

  // ---- helpers ----------------------------------------------------------------------------------------

  private tryWrite(fn: () => unknown): boolean {
    try {
      fn();
      return true;
    } catch (err) {
      if (unavailable(err)) return false;
      if (err instanceof StoreError && (err.reason === 'NotFound' || err.reason === 'AlreadyExists')) return false;
      throw err;
    }
  }

  /** The pods (and static pods) this kubelet runs, for its resource metrics. */
  runtimes(): PodRuntime[] {
    return [...this.pods.values(), ...this.statics.values()];
  }

  /** What the runtime knows of a pod's container, for `kubectl logs`. */
  runtimeOf(namespace: string, name: string): PodRuntime | undefined {
    const rt = this.pods.get(`${namespace}/${name}`);
    if (rt) return rt;
    const comp = STATIC_COMPONENTS.find((c) => namespace === 'kube-system' && `${c}-${this.name}` === name);
    return comp ? this.statics.get(comp) : undefined;
  }
}

/**
 * Jitter in steps of 100 ms: nodes still tick at different moments, but many share an instant, which keeps
 * the virtual clock's number of steps (and so the cost of a simulated minute) down on large clusters.
 */
function quantize(ms: number): number {
  return Math.max(100, Math.round(ms / 100) * 100);
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}

/** Lease renewTime is a MicroTime. */
export function rfc3339micro(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function nodeLease(node: string, nodeUid: string | undefined, durationMs: number, renewTime: string): KubeObject {
  const lease: KubeObject = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: node, namespace: 'kube-node-lease' },
    spec: { holderIdentity: node, leaseDurationSeconds: durationMs / 1000, renewTime },
  };
  if (nodeUid) lease.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Node', name: node, uid: nodeUid }];
  return lease;
}
