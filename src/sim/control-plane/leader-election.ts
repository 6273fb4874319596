import type { Timer } from '../../engine/clock.js';
import type { KubeObject } from '../../kube/objects.js';
import type { ControlPlaneComponentName, SimContext } from '../context.js';
import type { ControlPlaneHosts } from '../kubelet/hosts.js';
import { rfc3339micro } from '../kubelet/kubelet.js';
import { StoreError } from '../store/store.js';

type Elected = Exclude<ControlPlaneComponentName, 'kube-apiserver'>;

/**
 * client-go leader election for one component (kube-controller-manager or kube-scheduler) over a Lease in
 * kube-system: every instance whose static pod runs tries to acquire the lease every retryPeriod; the
 * holder renews it; an instance that cannot renew within renewDeadline stops leading; another instance can
 * take the lease once leaseDuration has passed since the last renewal.
 */
export class LeaderElector {
  private leader: { node: string; identity: string; lastRenew: number } | undefined;
  private readonly identities = new Map<string, string>();
  private timer: Timer | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: SimContext,
    private readonly hosts: ControlPlaneHosts,
    readonly component: Elected,
    private readonly apiserverUp: () => boolean,
    private readonly changed: () => void,
    private readonly newIdentity: (node: string) => string,
  ) {}

  start(): void {
    this.tick();
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
  }

  /** The node whose instance leads, if any. */
  leaderNode(): string | undefined {
    return this.leader?.node;
  }

  leaderIdentity(): string | undefined {
    return this.leader?.identity;
  }

  private candidates(): string[] {
    return this.hosts
      .masterNodes()
      .filter((n) => this.hosts.componentRunning(n, this.component) && this.hosts.hostReachable(n));
  }

  /** A host changed: a leader whose process died or whose host went away stops leading at once. */
  recheck(): void {
    const running = new Set(this.candidates());
    for (const node of [...this.identities.keys()]) {
      if (!this.hosts.componentRunning(node, this.component)) this.identities.delete(node);
    }
    if (this.leader && !running.has(this.leader.node)) this.lose();
  }

  private lose(): void {
    this.leader = undefined;
    this.changed();
  }

  private tick(): void {
    if (this.stopped) return;
    this.timer = this.ctx.clock.setTimer(
      this.ctx.params.leaderRetryPeriod,
      () => this.tick(),
      `leader election ${this.component}`,
    );
    this.recheck();
    const now = this.ctx.clock.now();
    const p = this.ctx.params;
    if (this.leader) {
      if (this.apiserverUp() && this.write(this.leader.identity, false)) this.leader.lastRenew = now;
      else if (now - this.leader.lastRenew > p.leaderRenewDeadline) this.lose();
      return;
    }
    if (!this.apiserverUp()) return;
    const order = [...this.candidates()];
    // Instances race; which one wins is up to chance (the seeded generator).
    for (let i = order.length - 1; i > 0; i--) {
      const j = this.ctx.random.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (const node of order) {
      let identity = this.identities.get(node);
      if (!identity) {
        identity = this.newIdentity(node);
        this.identities.set(node, identity);
      }
      if (this.write(identity, true)) {
        this.leader = { node, identity, lastRenew: now };
        const lease = this.ctx.store.get('leases', 'kube-system', this.component);
        if (lease)
          this.ctx.events.record(lease, 'Normal', 'LeaderElection', `${identity} became leader`, this.component);
        this.changed();
        return;
      }
    }
  }

  /** Renew (or, with `acquire`, try to take) the lease. False when someone else holds it or etcd refuses. */
  private write(identity: string, acquire: boolean): boolean {
    const store = this.ctx.store;
    const now = this.ctx.clock.now();
    const p = this.ctx.params;
    const cur = store.get('leases', 'kube-system', this.component);
    const spec = (cur?.spec ?? {}) as {
      holderIdentity?: string;
      renewTime?: string;
      leaseDurationSeconds?: number;
      leaseTransitions?: number;
      acquireTime?: string;
    };
    const holder = spec.holderIdentity;
    if (holder && holder !== identity) {
      if (!acquire) return false;
      const renewed = Date.parse(spec.renewTime ?? '');
      const duration = (spec.leaseDurationSeconds ?? p.leaderLeaseDuration / 1000) * 1000;
      if (!Number.isNaN(renewed) && renewed + duration > now) return false;
    }
    const micro = rfc3339micro(now);
    const next = {
      holderIdentity: identity,
      leaseDurationSeconds: p.leaderLeaseDuration / 1000,
      acquireTime: holder === identity && spec.acquireTime ? spec.acquireTime : micro,
      renewTime: micro,
      leaseTransitions: (spec.leaseTransitions ?? 0) + (holder && holder !== identity ? 1 : 0),
    };
    try {
      if (cur) store.mutate('leases', 'kube-system', this.component, (l) => (l.spec = next));
      else store.create('leases', leaderLease(this.component, next));
      return true;
    } catch (err) {
      if (err instanceof StoreError) return false;
      throw err;
    }
  }
}

function leaderLease(component: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: component, namespace: 'kube-system' },
    spec,
  };
}
