import type { ControlPlaneComponentName, ControlPlaneState, SimContext } from '../context.js';
import type { ControlPlaneHosts } from '../kubelet/hosts.js';
import { hex } from '../kubelet/pod-runtime.js';
import { LeaderElector } from './leader-election.js';

/**
 * Which control-plane components serve, from the masters' static pods: kube-apiserver while at least one
 * instance runs (and passed start-up) on a powered, connected master — the keepalived VIP moves to it; the
 * controller-manager and the scheduler while an instance holds their leader Lease.
 *
 * Built before the SimContext that holds it, then attached to the context and the hosts; until attached,
 * every component counts as active (so that the topology can be seeded).
 */
export class ControlPlane implements ControlPlaneState {
  private readonly listeners = new Set<(c: ControlPlaneComponentName) => void>();
  private readonly electors = new Map<ControlPlaneComponentName, LeaderElector>();
  private hosts: ControlPlaneHosts | undefined;
  private ctx: SimContext | undefined;
  private apiserver = true;
  private unsubscribe: (() => void) | undefined;

  attach(ctx: SimContext, hosts: ControlPlaneHosts): void {
    this.ctx = ctx;
    this.hosts = hosts;
    this.apiserver = this.computeApiserver();
    for (const c of ['kube-controller-manager', 'kube-scheduler'] as const) {
      this.electors.set(
        c,
        new LeaderElector(
          ctx,
          hosts,
          c,
          () => this.apiserver,
          () => this.emit(c),
          (node) => `${node}_${uuid(ctx)}`,
        ),
      );
    }
    this.unsubscribe = hosts.onHostChange(() => {
      ctx.queue.add('control-plane/recheck', () => this.recheck());
    });
    for (const e of this.electors.values()) e.start();
  }

  active(component: ControlPlaneComponentName): boolean {
    // Without masters (a topology of workers only) the control plane is managed elsewhere: always serving.
    if (!this.hosts?.hasMasters()) return true;
    if (component === 'kube-apiserver') return this.apiserver;
    return this.apiserver && this.electors.get(component)?.leaderNode() !== undefined;
  }

  onChange(listener: (component: ControlPlaneComponentName) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The master whose instance leads `component` (for kube-apiserver: any serving master). */
  leader(component: ControlPlaneComponentName): string | undefined {
    if (component === 'kube-apiserver') return this.servingApiservers()[0];
    return this.electors.get(component)?.leaderNode();
  }

  /** The leader's identity as its Lease shows it ("<node>_<uuid>"). */
  leaderIdentity(component: Exclude<ControlPlaneComponentName, 'kube-apiserver'>): string | undefined {
    return this.electors.get(component)?.leaderIdentity();
  }

  /** Masters where kube-apiserver serves (where the VIP can go). */
  servingApiservers(): string[] {
    const h = this.hosts;
    if (!h) return [];
    return h.masterNodes().filter((n) => h.componentRunning(n, 'kube-apiserver', true) && h.hostReachable(n));
  }

  stop(): void {
    this.unsubscribe?.();
    for (const e of this.electors.values()) e.stop();
  }

  private computeApiserver(): boolean {
    return this.servingApiservers().length > 0;
  }

  private recheck(): void {
    const up = this.computeApiserver();
    if (up !== this.apiserver) {
      const before = new Map([...this.electors.keys()].map((c) => [c, this.active(c)]));
      this.apiserver = up;
      this.emit('kube-apiserver');
      for (const [c, was] of before) if (this.active(c) !== was) this.emit(c);
    }
    for (const e of this.electors.values()) e.recheck();
  }

  private emit(component: ControlPlaneComponentName): void {
    for (const l of [...this.listeners]) l(component);
  }
}

function uuid(ctx: SimContext): string {
  const h = hex(ctx.random, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
