import { formatDuration } from '../../kit/duration.js';
import type { DrillRun } from '../drill-run.js';
import { records, startProbes, stopProbes, type RunningProbe } from '../probe-set.js';
import { waitProbes } from './wait-probes.js';

/**
 * The verification probes, started when the recovery starts and watching beside it: a poll probe's first
 * ask (etcd health with members down) can take seconds and must not delay the runbook's first step.
 */
export class Verification {
  private readonly starting: Promise<RunningProbe[]>;
  private running: RunningProbe[] = [];

  constructor(
    private readonly d: DrillRun,
    /** When the recovery started: time-to-Ready counts from here. */
    readonly recoverStart: number,
  ) {
    this.starting = startProbes(d.experiment.verify, d.probeContextFor, d.plugins.probes, `${d.file}: /verify`);
    this.starting.catch(() => undefined);
  }

  probes(): Promise<RunningProbe[]> {
    return this.starting.then((r) => (this.running = r));
  }

  /** Record what the probes saw last and stop them, whether or not they ever started or passed. */
  async close(): Promise<void> {
    if (this.running.length === 0) this.running = await this.starting.catch(() => []);
    this.d.result.probes.push(...records(this.running, 'verify', this.d.clock.now()));
    stopProbes(this.running);
  }
}

/**
 * How long the verify probes may take. After automatic steps, `timeouts.verify`. In manual and self-heal
 * modes a person or Kubernetes recovers within this same wait: `recover` and then `verify` when both are
 * set, else whichever is (default: recover's 20 minutes).
 */
export function readyBudget(d: DrillRun): number {
  if (d.experiment.recovery.mode === 'automatic') return d.timeouts.verify;
  const t = d.experiment.timeouts ?? {};
  if (t.recover !== undefined && t.verify !== undefined) return d.timeouts.recover + d.timeouts.verify;
  return t.verify !== undefined ? d.timeouts.verify : d.timeouts.recover;
}

/** Time until every verify probe passes: time-to-Ready from the recovery's start, time-to-recover from the fault. */
export async function verify(d: DrillRun, v: Verification, injectedAt: number): Promise<void> {
  const running = await v.probes();
  d.enter('verify');
  const readyAt = await waitProbes(d, running, readyBudget(d), 'Ready');
  d.result.timings.timeToReady = readyAt - v.recoverStart;
  d.result.timings.timeToRecover = readyAt - injectedAt;
  d.note('probe', `Ready ${formatDuration(readyAt - v.recoverStart)} after recovery started`);
}
