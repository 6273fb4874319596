import { AbortedError, TimeoutError } from '../errors.js';
import { formatDuration } from '../kit/duration.js';

/** Cancels a scheduled timer; harmless after it fired. */
export interface Timer {
  cancel(): void;
}

export interface WaitOptions {
  /** Give up after this long (on this clock) with a TimeoutError naming `what`. */
  timeoutMs: number;
  /** What is being waited for, in words: it is shown in progress lines and in the timeout message. */
  what: string;
  signal?: AbortSignal | undefined;
}

/**
 * Every wait in gameday goes through a Clock, so that a drill measures time on its target's clock: real
 * time on kind and lab, virtual time on the simulator.
 *
 * The virtual clock moves only at quiescence: nothing holds it (no API request in flight, no watch event
 * written but not yet handled, no simulator work queued) and everyone else is parked in a clock wait. Then
 * it jumps to the earliest timer. Anything that does I/O the clock cannot see must hold it (`hold`/`track`).
 */
export interface Clock {
  readonly mode: 'virtual' | 'real';
  /** A real clock sped up (`sim up --speed N`): how many of its milliseconds pass per real one. */
  readonly speed?: number;
  /** Milliseconds since the epoch on this clock. */
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /**
   * Resolves with the first value `check` returns that is neither undefined nor false. `check` runs now,
   * whenever `notify()` is called (a watch delivered an event), and never by polling.
   */
  waitFor<T>(check: () => T | undefined | false, options: WaitOptions): Promise<T>;
  /** Re-evaluate every waiter: call after handling a watch event or any change waiters may look at. */
  notify(): void;
  /** Run `fn` after `delayMs` on this clock. On the virtual clock it runs only when the clock reaches it. */
  setTimer(delayMs: number, fn: () => void, label?: string): Timer;
  /** Mark work in progress; the virtual clock does not move until every hold is released. */
  hold(label: string): () => void;
  /** Hold the clock while `promise` is pending. */
  track<T>(promise: Promise<T>, label: string): Promise<T>;
  /** Waits currently parked, in words (for the progress display). */
  waiting(): string[];
  close(): void;
}

interface Waiter {
  check: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  what: string;
  cleanup: () => void;
}

abstract class BaseClock implements Clock {
  abstract readonly mode: 'virtual' | 'real';
  protected readonly waiters = new Set<Waiter>();
  protected closed = false;

  abstract now(): number;
  abstract setTimer(delayMs: number, fn: () => void, label?: string): Timer;
  abstract hold(label: string): () => void;

  track<T>(promise: Promise<T>, label: string): Promise<T> {
    const release = this.hold(label);
    return promise.finally(release);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return this.waitFor(() => undefined, { timeoutMs: ms, what: `sleep ${formatDuration(ms)}`, signal }).catch(
      (err: unknown) => {
        if (err instanceof TimeoutError) return;
        throw err;
      },
    );
  }

  waitFor<T>(check: () => T | undefined | false, options: WaitOptions): Promise<T> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortError(signal, options.what));
    try {
      const first = check();
      if (first !== undefined && first !== false) return Promise.resolve(first);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return new Promise<T>((resolve, reject) => {
      const started = this.now();
      const timer = this.setTimer(
        options.timeoutMs,
        () => {
          waiter.cleanup();
          reject(
            new TimeoutError(`Timed out after ${formatDuration(this.now() - started)} waiting for ${options.what}.`),
          );
        },
        `timeout: ${options.what}`,
      );
      const onAbort = (): void => {
        waiter.cleanup();
        reject(abortError(signal, options.what));
      };
      const waiter: Waiter = {
        check,
        resolve: resolve as (v: unknown) => void,
        reject,
        what: options.what,
        cleanup: () => {
          timer.cancel();
          signal?.removeEventListener('abort', onAbort);
          this.waiters.delete(waiter);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  notify(): void {
    for (const w of [...this.waiters]) {
      let value: unknown;
      try {
        value = w.check();
      } catch (err) {
        w.cleanup();
        w.reject(err);
        continue;
      }
      if (value !== undefined && value !== false) {
        w.cleanup();
        w.resolve(value);
      }
    }
  }

  waiting(): string[] {
    return [...this.waiters].map((w) => w.what).filter((w) => !w.startsWith('sleep '));
  }

  close(): void {
    this.closed = true;
  }
}

function abortError(signal: AbortSignal | undefined, what: string): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  return new AbortedError(`Interrupted while waiting for ${what}.`);
}

interface VirtualTimer {
  at: number;
  seq: number;
  fn: () => void;
  label: string;
  cancelled: boolean;
}

/** A binary heap ordered by (time, sequence): timers at one instant fire in the order they were set. */
class TimerHeap {
  private readonly items: VirtualTimer[] = [];
  get size(): number {
    return this.items.length;
  }
  peek(): VirtualTimer | undefined {
    return this.items[0];
  }
  push(t: VirtualTimer): void {
    const a = this.items;
    a.push(t);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  pop(): VirtualTimer | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l]!, a[m]!)) m = l;
        if (r < a.length && before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m]!, a[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before(x: VirtualTimer, y: VirtualTimer): boolean {
  return x.at < y.at || (x.at === y.at && x.seq < y.seq);
}

/** A fixed start so that the same seed gives the same report, timestamps included. */
export const VIRTUAL_EPOCH = Date.UTC(2026, 0, 1, 0, 0, 0);

export class VirtualClock extends BaseClock {
  readonly mode = 'virtual' as const;
  private current: number;
  private seq = 0;
  private readonly timers = new TimerHeap();
  private readonly holds = new Map<string, number>();
  private holdCount = 0;
  private advanceScheduled = false;
  /** Errors thrown by timer callbacks: surfaced by `takeErrors`, never swallowed. */
  private readonly errors: unknown[] = [];
  /** Virtual milliseconds advanced so far, for benchmarks. */
  advancedMs = 0;

  constructor(start = VIRTUAL_EPOCH) {
    super();
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimer(delayMs: number, fn: () => void, label = 'timer'): Timer {
    const t: VirtualTimer = { at: this.current + Math.max(0, delayMs), seq: this.seq++, fn, label, cancelled: false };
    this.timers.push(t);
    this.scheduleAdvance();
    return {
      cancel: () => {
        t.cancelled = true;
      },
    };
  }

  hold(label: string): () => void {
    this.holdCount++;
    this.holds.set(label, (this.holds.get(label) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holdCount--;
      const n = (this.holds.get(label) ?? 1) - 1;
      if (n <= 0) this.holds.delete(label);
      else this.holds.set(label, n);
      if (this.holdCount === 0) this.scheduleAdvance();
    };
  }

  /** What holds the clock now, for diagnosing a stalled simulation. */
  heldBy(): string[] {
    return [...this.holds.entries()].map(([k, n]) => (n > 1 ? `${k} x${n}` : k));
  }

  takeErrors(): unknown[] {
    return this.errors.splice(0);
  }

  override close(): void {
    super.close();
    while (this.timers.pop());
  }

  private scheduleAdvance(): void {
    if (this.advanceScheduled || this.closed) return;
    this.advanceScheduled = true;
    setImmediate(() => {
      this.advanceScheduled = false;
      this.advance();
    });
  }

  /** Fire every timer of the earliest instant, then yield so that woken tasks can run before time moves on. */
  private advance(): void {
    if (this.holdCount > 0 || this.closed) return;
    let next = this.timers.peek();
    while (next?.cancelled) {
      this.timers.pop();
      next = this.timers.peek();
    }
    if (!next) return;
    const at = next.at;
    if (at > this.current) {
      this.advancedMs += at - this.current;
      this.current = at;
    }
    while (this.holdCount === 0) {
      const t = this.timers.peek();
      if (!t || t.at > at) break;
      this.timers.pop();
      if (t.cancelled) continue;
      try {
        t.fn();
      } catch (err) {
        this.errors.push(err);
      }
    }
    if (this.timers.size > 0) this.scheduleAdvance();
  }
}

/** Wall-clock time, optionally sped up N times (`gameday sim up --speed N`). */
export class RealClock extends BaseClock {
  readonly mode = 'real' as const;
  private startWall = Date.now();
  private startMono = performance.now();
  private readonly handles = new Set<NodeJS.Timeout>();

  constructor(private _speed = 1) {
    super();
  }

  get speed(): number {
    return this._speed;
  }

  /**
   * Change the speed from now on, keeping `now()` continuous: the simulator comes up fast, then a drill
   * against real etcd runs at speed 1. Timers already set keep their old pace.
   */
  setSpeed(speed: number): void {
    this.startWall = this.now();
    this.startMono = performance.now();
    this._speed = speed;
  }

  now(): number {
    return Math.round(this.startWall + (performance.now() - this.startMono) * this._speed);
  }

  setTimer(delayMs: number, fn: () => void): Timer {
    const h = setTimeout(
      () => {
        this.handles.delete(h);
        fn();
        // setTimeout takes at most 2^31-1 ms; a longer wait (an "until the drill ends" watcher) fires never.
      },
      Math.min(Math.max(0, delayMs) / this._speed, 2_147_483_647),
    );
    this.handles.add(h);
    return {
      cancel: () => {
        clearTimeout(h);
        this.handles.delete(h);
      },
    };
  }

  hold(): () => void {
    return () => undefined;
  }

  override close(): void {
    super.close();
    for (const h of this.handles) clearTimeout(h);
    this.handles.clear();
  }
}
