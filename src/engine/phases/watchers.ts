import type { Clock } from '../clock.js';
import type { DrillRun } from '../drill-run.js';
import { evaluateAll, startProbes, stopProbes, type RunningProbe } from '../probe-set.js';

/** What the monitors measured: each one's longest failing stretch, and those still failing at the end. */
export interface Unavailability {
  longest: Record<string, number>;
  stillFailing: string[];
}

/** Watch "until the drill ends": the end comes from the signal, never from this deadline. */
const UNTIL_STOPPED = Number.MAX_SAFE_INTEGER / 4;

/** Abort conditions and monitors start watching, just before the first fault; `d.watchers` stops them. */
export async function watch(d: DrillRun): Promise<void> {
  const w = await Watchers.start(d);
  // Stopped while they were starting: the rollback has begun without them; they watch nothing.
  if (d.stoppedReason() !== undefined) {
    w.stop();
    d.signal.throwIfAborted();
  }
  d.watchers = w;
}

/**
 * What watches the drill from injection to the end of verification: abort conditions (one failing stops
 * the drill and rolls back) and monitors (their failing stretches are the unavailability).
 */
export class Watchers {
  private readonly done = new AbortController();
  private readonly monitors: Monitor[] = [];

  private constructor(
    private readonly aborts: RunningProbe[],
    monitors: RunningProbe[],
    private readonly d: DrillRun,
  ) {
    const signal = AbortSignal.any([d.signal, this.done.signal]);
    for (const m of monitors) this.monitors.push(new Monitor(m, d.clock, signal));
    if (aborts.length > 0) this.watchAborts(signal);
  }

  static async start(d: DrillRun): Promise<Watchers> {
    const aborts = await startProbes(
      d.experiment.abortWhen,
      d.probeContextFor,
      d.plugins.probes,
      `${d.file}: /abortWhen`,
    );
    try {
      const monitors = await startProbes(
        d.experiment.monitors,
        d.probeContextFor,
        d.plugins.probes,
        `${d.file}: /monitors`,
      );
      return new Watchers(aborts, monitors, d);
    } catch (err) {
      stopProbes(aborts);
      throw err;
    }
  }

  /**
   * Stop watching, before the rollback: monitors must not count the rollback as unavailability. Returns
   * each monitor's longest failing stretch, by probe name, and the monitors still failing at the end.
   */
  stop(): Unavailability {
    const end = this.d.clock.now();
    this.done.abort();
    const out: Unavailability = { longest: {}, stillFailing: [] };
    for (const m of this.monitors) {
      if (m.failing) out.stillFailing.push(m.probe.name);
      out.longest[m.probe.name] = m.stop(end);
    }
    stopProbes(this.aborts);
    return out;
  }

  private watchAborts(signal: AbortSignal): void {
    this.d.clock
      .waitFor(() => evaluateAll(this.aborts).results.find((r) => !r.result.ok), {
        timeoutMs: UNTIL_STOPPED,
        what: 'abort conditions',
        signal,
      })
      .then((failing) => {
        this.d.abort(`Abort condition failed: ${failing.probe.description} (observed: ${failing.result.observed}).`);
      })
      .catch(() => undefined);
  }
}

/** A monitor's failing stretches, timed to the events that start and end them. */
class Monitor {
  private failingSince: number | undefined;
  private longest = 0;

  constructor(
    readonly probe: RunningProbe,
    private readonly clock: Clock,
    private readonly signal: AbortSignal,
  ) {
    void this.watch();
  }

  /** Failing now: a stretch has started and not ended. */
  get failing(): boolean {
    return this.failingSince !== undefined;
  }

  /** The longest failing stretch; a monitor that times its own outages gives its figure (see ProbeHandle). */
  stop(at: number): number {
    const own = this.probe.handle.unavailableMs?.();
    stopProbes([this.probe]);
    this.closeWindow(at);
    return own ?? this.longest;
  }

  private closeWindow(at: number): void {
    if (this.failingSince === undefined) return;
    this.longest = Math.max(this.longest, at - this.failingSince);
    this.failingSince = undefined;
  }

  private async watch(): Promise<void> {
    let last = true;
    for (;;) {
      try {
        last = await this.clock
          .waitFor(
            () => {
              const ok = evaluateAll([this.probe]).ok;
              return ok !== last ? { v: ok } : undefined;
            },
            { timeoutMs: UNTIL_STOPPED, what: `monitor ${this.probe.name}`, signal: this.signal },
          )
          .then((x) => x.v);
      } catch {
        return;
      }
      if (!last) this.failingSince = this.clock.now();
      else this.closeWindow(this.clock.now());
      if (this.signal.aborted) return;
    }
  }
}
