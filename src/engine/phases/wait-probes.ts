import { TimeoutError } from '../../errors.js';
import { formatDuration } from '../../kit/duration.js';
import type { DrillRun } from '../drill-run.js';
import { describeWaiting, evaluateAll, type RunningProbe } from '../probe-set.js';

/**
 * Waits until every probe passes and returns the instant they did; the progress line says what is still
 * awaited. A dry run changed nothing, so nothing will happen: it says what a real run would wait for.
 */
export async function waitProbes(
  d: DrillRun,
  running: RunningProbe[],
  timeoutMs: number,
  what: string,
): Promise<number> {
  const clock = d.clock;
  if (running.length === 0) return clock.now();
  const all = running.map((p) => p.description).join('; ');
  if (d.dryRun) {
    d.note('probe', `would wait up to ${formatDuration(timeoutMs)} for ${what}: ${all}`);
    return clock.now();
  }
  const show = (): void =>
    d.progress({
      type: 'waiting',
      experiment: d.experiment.id,
      what: describeWaiting(running),
      elapsedMs: d.elapsed(),
    });
  show();
  const ticker = clock.mode === 'real' ? setInterval(show, 1000) : undefined;
  try {
    return await clock.waitFor(() => evaluateAll(running).ok && clock.now(), {
      timeoutMs,
      what: `${what}: ${all}`,
      signal: d.signal,
    });
  } catch (err) {
    if (err instanceof TimeoutError) {
      throw new TimeoutError(`${what} not reached within ${formatDuration(timeoutMs)}: ${describeWaiting(running)}.`);
    }
    throw err;
  } finally {
    if (ticker) clearInterval(ticker);
  }
}
