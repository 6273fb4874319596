import type { Clock, Timer, WaitOptions } from './clock.js';

/** Thrown by a dry run's clock when a plugin would wait for the cluster to react: nothing will react. */
export class DryRunWait extends Error {
  constructor(readonly what: string) {
    super(`would wait for ${what}`);
  }
}

/**
 * The clock plugins get in a dry run: sleeps return at once and a wait whose condition does not already hold
 * throws DryRunWait, so that planning a drill on a real cluster takes seconds, not the drill's length. The
 * runner records the wait as part of the plan and goes on with the next step.
 */
export class DryRunClock implements Clock {
  constructor(private readonly inner: Clock) {}
  get mode(): 'virtual' | 'real' {
    return this.inner.mode;
  }
  now(): number {
    return this.inner.now();
  }
  sleep(): Promise<void> {
    return Promise.resolve();
  }
  waitFor<T>(check: () => T | undefined | false, options: WaitOptions): Promise<T> {
    try {
      const v = check();
      if (v !== undefined && v !== false) return Promise.resolve(v);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return Promise.reject(new DryRunWait(options.what));
  }
  notify(): void {
    this.inner.notify();
  }
  setTimer(delayMs: number, fn: () => void, label?: string): Timer {
    return this.inner.setTimer(delayMs, fn, label);
  }
  hold(label: string): () => void {
    return this.inner.hold(label);
  }
  track<T>(promise: Promise<T>, label: string): Promise<T> {
    return this.inner.track(promise, label);
  }
  waiting(): string[] {
    return this.inner.waiting();
  }
  close(): void {
    // The inner clock belongs to the target.
  }
}
