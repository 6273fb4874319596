import type { Targets } from '../experiment/types.js';
import type { RunResult, TargetCheck } from '../report/result.js';
import { formatDuration, parseDuration } from '../kit/duration.js';

const LABEL: Record<Exclude<TargetCheck['name'], 'noDataLoss'>, string> = {
  timeToDetect: 'time-to-detect',
  timeToReady: 'time-to-Ready',
  timeToRecover: 'time-to-recover',
  maxUnavailability: 'unavailability',
};

/** One check per declared target, measured against the run; a target never reached is missed. */
export function evaluateTargets(targets: Targets | undefined, result: RunResult): TargetCheck[] {
  const checks: TargetCheck[] = [];
  if (!targets) return checks;
  const timed = (
    name: Exclude<TargetCheck['name'], 'noDataLoss'>,
    allowedText: string | undefined,
    measured: number | undefined,
  ): void => {
    if (allowedText === undefined) return;
    const allowed = parseDuration(allowedText, `targets.${name}`);
    const label = LABEL[name];
    const ok = measured !== undefined && measured <= allowed;
    const message =
      measured === undefined
        ? `${label} was never reached (target ${formatDuration(allowed)})`
        : ok
          ? `${label} ${formatDuration(measured)} within the target ${formatDuration(allowed)}`
          : `${label} ${formatDuration(measured)} exceeds the target ${formatDuration(allowed)}`;
    checks.push({ name, allowed, measured, ok, message });
  };
  timed('timeToDetect', targets.timeToDetect, result.timings.timeToDetect);
  timed('timeToReady', targets.timeToReady, result.timings.timeToReady);
  timed('timeToRecover', targets.timeToRecover, result.timings.timeToRecover);
  if (targets.maxUnavailability !== undefined) {
    const values = Object.values(result.timings.unavailability ?? {});
    const worst = values.length ? Math.max(...values) : undefined;
    timed('maxUnavailability', targets.maxUnavailability, result.verdict === 'error' ? undefined : (worst ?? 0));
  }
  if (targets.noDataLoss) {
    const lost = result.data ? result.data.lostBeforeSnapshot : undefined;
    checks.push({
      name: 'noDataLoss',
      allowed: true,
      measured: lost,
      ok: lost === 0,
      message:
        lost === undefined
          ? 'data safety was not measured (no snapshot and writer in this drill)'
          : lost === 0
            ? `no key acknowledged before the snapshot was lost (${result.data!.lostAfterSnapshot} written after it lost by design)`
            : `${lost} keys acknowledged before the snapshot are missing after recovery`,
    });
  }
  return checks;
}
