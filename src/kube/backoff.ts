import type { Clock } from '../engine/clock.js';

/**
 * client-go's reflector back-off, as `NewReflectorWithOptions` builds it:
 * `wait.NewExponentialBackoffManager(800ms, 30s, 2m, 2.0, 1.0, clock)`. Each wait doubles from 800 ms up to
 * a cap of 30 s, and is jittered up to its own length again (so the cap is a wait of 30-60 s: about 0.02
 * requests a second against an apiserver that is down). A back-off that has not been needed for 2 minutes
 * starts over from 800 ms: the apiserver is taken to be healthy again.
 */
export interface BackoffPolicy {
  initialMs: number;
  capMs: number;
  /** Start over when the previous wait began longer ago than this. */
  resetAfterMs: number;
  factor: number;
  /** A wait of d lasts d + random * jitter * d. */
  jitter: number;
}

export const REFLECTOR_BACKOFF: BackoffPolicy = {
  initialMs: 800,
  capMs: 30_000,
  resetAfterMs: 120_000,
  factor: 2,
  jitter: 1,
};

export class Backoff {
  private durationMs: number;
  private capped = false;
  private lastStart: number | undefined;

  constructor(
    private readonly clock: Pick<Clock, 'now'>,
    /** A number in [0, 1): seeded on the virtual clock, so that a drill replays exactly. */
    private readonly random: () => number,
    private readonly policy: BackoffPolicy = REFLECTOR_BACKOFF,
  ) {
    this.durationMs = policy.initialMs;
  }

  /** How long to wait before the next attempt, from now on the clock. */
  next(): number {
    const now = this.clock.now();
    const p = this.policy;
    if (this.lastStart === undefined || now - this.lastStart > p.resetAfterMs) {
      this.durationMs = p.initialMs;
      this.capped = false;
    }
    this.lastStart = now;
    const base = this.durationMs;
    if (!this.capped) {
      // As wait.Backoff.Step: the step that reaches the cap is the last to grow.
      this.durationMs = base * p.factor;
      if (this.durationMs > p.capMs) {
        this.durationMs = p.capMs;
        this.capped = true;
      }
    }
    return Math.round(base + this.random() * p.jitter * base);
  }
}
