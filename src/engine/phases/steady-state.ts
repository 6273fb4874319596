import type { DrillRun } from '../drill-run.js';
import { records, startProbes, stopProbes } from '../probe-set.js';
import { waitProbes } from './wait-probes.js';

/**
 * The cluster is healthy before the drill touches it. Its probes (`d.steady`) keep running: after the
 * rollback, settle waits for them again.
 */
export async function steadyState(d: DrillRun): Promise<void> {
  d.enter('steady-state');
  const probes = await startProbes(
    d.experiment.steadyState,
    d.probeContextFor,
    d.plugins.probes,
    `${d.file}: /steadyState`,
  );
  // Stopped while they were starting: nothing was changed, nothing needs them.
  if (d.stoppedReason() !== undefined) {
    stopProbes(probes);
    d.signal.throwIfAborted();
  }
  d.steady = probes;
  await waitProbes(d, d.steady, d.timeouts.steadyState, 'the steady state');
  d.result.probes.push(...records(d.steady, 'steady-state', d.clock.now()));
}
