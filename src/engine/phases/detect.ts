import { TimeoutError } from '../../errors.js';
import { formatDuration } from '../../kit/duration.js';
import type { DrillRun } from '../drill-run.js';
import { records, startProbes, stopProbes } from '../probe-set.js';
import { waitProbes } from './wait-probes.js';

/**
 * Time until every detect probe sees the fault. A detection that never comes is measured (the phase fails,
 * the time-to-detect target is missed), and the drill goes on to recover.
 */
export async function detect(d: DrillRun, injectedAt: number): Promise<void> {
  d.enter('detect');
  const items = d.experiment.detect;
  const running = await startProbes(items, d.probeContextFor, d.plugins.probes, `${d.file}: /detect`);
  try {
    const at = await waitProbes(d, running, d.timeouts.detect, 'detection');
    if (items?.length) {
      d.result.timings.timeToDetect = at - injectedAt;
      d.note('probe', `detected after ${formatDuration(at - injectedAt)}`);
    }
  } catch (err) {
    if (!(err instanceof TimeoutError)) throw err;
    d.failPhase(err.message);
    d.note('probe', err.message);
  } finally {
    d.result.probes.push(...records(running, 'detect', d.clock.now()));
    stopProbes(running);
  }
}
