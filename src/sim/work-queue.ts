import type { Clock, Timer } from '../engine/clock.js';

/**
 * Wall-clock milliseconds a drain runs before it lets the event loop serve I/O (HTTP requests, watch
 * streams). Bringing up 150,000 pods is minutes of work at one virtual instant: done in one go, it would
 * stall the API for as long. The clock is held meanwhile, so virtual time does not move.
 */
const SLICE_MS = 50;
const WAITING: Timer = { cancel: () => undefined };

/**
 * Controllers never act inside a store listener: they enqueue a keyed reconcile here, and the queue runs
 * them in order on the clock at the same instant. Keys are de-duplicated while queued, as in client-go's
 * workqueue, so a burst of changes to one object costs one reconcile.
 */
export class WorkQueue {
  /** Keys queued now; `order` holds them first-in first-out (a Map read from its front skips every deleted slot). */
  private readonly items = new Map<string, () => void>();
  private order: string[] = [];
  private head = 0;
  private timer: Timer | undefined;
  private readonly errors: unknown[] = [];

  constructor(private readonly clock: Clock) {}

  add(key: string, fn: () => void): void {
    if (this.items.has(key)) return;
    this.items.set(key, fn);
    this.order.push(key);
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
    const started = performance.now();
    let ran = 0;
    while (this.head < this.order.length && budget-- > 0) {
      if ((++ran & 255) === 0 && performance.now() - started > SLICE_MS) {
        this.yieldToIo();
        return;
      }
      const key = this.order[this.head++]!;
      const fn = this.items.get(key)!;
      this.items.delete(key);
      try {
        fn();
      } catch (err) {
        this.errors.push(err);
      }
    }
    this.compact();
    // Out of budget at this instant: go on at the same instant once others had their turn.
    if (this.head < this.order.length) this.timer ??= this.clock.setTimer(0, () => this.drain(), 'work queue');
  }

  /** Go on at the same virtual instant once the event loop has had a turn. */
  private yieldToIo(): void {
    this.compact();
    this.timer = WAITING;
    const release = this.clock.hold('work queue');
    setImmediate(() => {
      release();
      this.drain();
    });
  }

  private compact(): void {
    if (this.head >= this.order.length) {
      this.order = [];
      this.head = 0;
    } else {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
  }
}
