import type { Clock, Timer } from '../engine/clock.js';

/**
 * Controllers never act inside a store listener: they enqueue a keyed reconcile here, and the queue runs
 * them in order on the clock at the same instant. Keys are de-duplicated while queued, as in client-go's
 * workqueue, so a burst of changes to one object costs one reconcile.
 */
export class WorkQueue {
  private readonly items = new Map<string, () => void>();
  private timer: Timer | undefined;
  private readonly errors: unknown[] = [];

  constructor(private readonly clock: Clock) {}

  add(key: string, fn: () => void): void {
    if (this.items.has(key)) return;
    this.items.set(key, fn);
    this.timer ??= this.clock.setTimer(0, () => this.drain(), 'work queue');
  }

  /** Errors thrown by reconciles (a bug in the simulator, never swallowed). */
  takeErrors(): unknown[] {
    return this.errors.splice(0);
  }

  get length(): number {
    return this.items.size;
  }

  private drain(): void {
    this.timer = undefined;
    let budget = 1_000_000;
    while (this.items.size > 0 && budget-- > 0) {
      const [key, fn] = this.items.entries().next().value as [string, () => void];
      this.items.delete(key);
      try {
        fn();
      } catch (err) {
        this.errors.push(err);
      }
    }
  }
}
