import type { Timer } from '../../engine/clock.js';
import type { ControlPlaneComponentName, Controller, SimContext } from '../context.js';
import { StoreError, type StoreEvent } from '../store/store.js';

/** Retry after a failed write: 100 ms doubling to 30 s, as client-go's rate limiter does (with a lower cap). */
const RETRY_BASE = 100;
const RETRY_MAX = 30_000;

/**
 * What every control loop here shares: it reacts to store changes by enqueuing keyed reconciles on the
 * cluster's work queue (never writing inside the listener), runs only while its component is active (a
 * leader holds the lease and an apiserver serves), resyncs everything when it becomes active again (as a new
 * leader's informers list everything), and retries a reconcile whose write failed (etcd without quorum, a
 * conflict) with back-off.
 */
export abstract class BaseController implements Controller {
  abstract readonly name: string;
  protected abstract readonly component: ControlPlaneComponentName;
  private context: SimContext | undefined;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly delayed = new Map<string, { at: number; timer: Timer }>();
  private readonly failures = new Map<string, number>();
  private running = false;
  private wasActive = false;

  protected get ctx(): SimContext {
    if (!this.context) throw new Error(`${this.name} used before start()`);
    return this.context;
  }

  start(ctx: SimContext): void {
    this.context = ctx;
    this.running = true;
    this.unsubscribe.push(
      ctx.store.onChange((e) => {
        if (this.active()) this.onStoreEvent(e);
      }),
      ctx.controlPlane.onChange(() => this.checkActive()),
    );
    this.onStart();
    this.checkActive();
  }

  stop(): void {
    this.running = false;
    for (const u of this.unsubscribe.splice(0)) u();
    for (const d of this.delayed.values()) d.timer.cancel();
    this.delayed.clear();
    this.onStop();
  }

  /** Serving now: running, its component active and an apiserver reachable. */
  protected active(): boolean {
    if (!this.running || !this.context) return false;
    const cp = this.context.controlPlane;
    return cp.active(this.component) && cp.active('kube-apiserver');
  }

  private checkActive(): void {
    const now = this.active();
    if (now && !this.wasActive) this.resyncAll();
    this.wasActive = now;
  }

  /** Schedule `reconcile(key)`, now or after `delayMs`; an earlier request for the same key wins. */
  protected enqueue(key: string, delayMs = 0): void {
    if (!this.running) return;
    if (delayMs <= 0) {
      this.ctx.queue.add(`${this.name}:${key}`, () => this.run(key));
      return;
    }
    const at = this.ctx.clock.now() + delayMs;
    const existing = this.delayed.get(key);
    if (existing && existing.at <= at) return;
    existing?.timer.cancel();
    const timer = this.ctx.clock.setTimer(
      delayMs,
      () => {
        this.delayed.delete(key);
        this.enqueue(key);
      },
      `${this.name} ${key}`,
    );
    this.delayed.set(key, { at, timer });
  }

  private run(key: string): void {
    if (!this.active()) return; // picked up again by the resync when the component is back
    try {
      this.reconcile(key);
      this.failures.delete(key);
    } catch (err) {
      if (!(err instanceof StoreError) || err.reason === 'Invalid') throw err;
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      this.enqueue(key, Math.min(RETRY_BASE * 2 ** (n - 1), RETRY_MAX));
    }
  }

  protected onStart(): void {}
  protected onStop(): void {}
  /** Map a change to the keys it affects and enqueue them. Must not write. */
  protected abstract onStoreEvent(e: StoreEvent): void;
  /** Enqueue every key (start, and again after a leader change). */
  protected abstract resyncAll(): void;
  protected abstract reconcile(key: string): void;
}

export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return i < 0 ? ['', key] : [key.slice(0, i), key.slice(i + 1)];
}
