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
    const all = result.timings.unavailability ?? {};
    const open = (result.timings.stillUnavailable ?? []).filter((name) => all[name] !== undefined);
    if (open.length > 0 && result.verdict !== 'error') {
      // Unavailability that had not ended when the drill did is within no target, however short it was.
      const allowed = parseDuration(targets.maxUnavailability, 'targets.maxUnavailability');
      const measured = Math.max(...open.map((name) => all[name]!));
      checks.push({
        name: 'maxUnavailability',
        allowed,
        measured,
        atLeast: true,
        ok: false,
        message: `unavailability at least ${formatDuration(measured)}, still failing when the drill ended (${open.join(', ')}; target ${formatDuration(allowed)})`,
      });
    } else {
      const values = Object.values(all);
      const worst = values.length ? Math.max(...values) : undefined;
      timed('maxUnavailability', targets.maxUnavailability, result.verdict === 'error' ? undefined : (worst ?? 0));
    }
  }
  if (targets.noDataLoss) {
    const d = result.data;
    const lost = d ? d.lostBeforeSnapshot : undefined;
    const enough = d !== undefined && d.keysBeforeSnapshot >= d.minKeys;
    const named = d?.lostKeys.map((k) => `${k.key} (${k.why})`).join(', ') ?? '';
    checks.push({
      name: 'noDataLoss',
      allowed: true,
      measured: lost,
      ok: lost === 0 && enough,
      message: !d
        ? 'data safety was not measured (no snapshot and writer in this drill)'
        : lost !== 0
          ? `${lost} of ${d.keysBeforeSnapshot} keys acknowledged before the snapshot are missing or changed after recovery: ${named}${lost! > d.lostKeys.length ? ', ...' : ''}`
          : !enough
            ? `only ${d.keysBeforeSnapshot} ${d.keysBeforeSnapshot === 1 ? 'key' : 'keys'} acknowledged before the snapshot checked, fewer than the ${d.minKeys} declared`
            : `all ${d.keysBeforeSnapshot} keys acknowledged before the snapshot hold their values (${d.lostAfterSnapshot} written after it lost by design)`,
    });
  }
  return checks;
}
