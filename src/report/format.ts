import { formatDuration } from '../kit/duration.js';
import type { RunResult, TargetCheck } from './result.js';

/** How each target reads in a report: the words an SRE uses in the runbook. */
const CHECK_LABELS: Record<TargetCheck['name'], string> = {
  timeToDetect: 'time-to-detect',
  timeToReady: 'time-to-Ready',
  timeToRecover: 'time-to-recover',
  maxUnavailability: 'unavailability',
  noDataLoss: 'no data loss',
};

export function checkLabel(name: TargetCheck['name']): string {
  return CHECK_LABELS[name];
}

/** Which clock a run's times are on: "virtual clock", "real clock", "simulated clock (60x real time)". */
export function clockWords(r: Pick<RunResult, 'clock' | 'clockSpeed'>): string {
  if (r.clockSpeed !== undefined && r.clockSpeed !== 1) return `simulated clock (${r.clockSpeed}x real time)`;
  return `${r.clock} clock`;
}

/** A target as written in an experiment: "5m" rather than "5m00s", "1h" rather than "1h00m00s". */
export function formatTarget(ms: number): string {
  return formatDuration(ms)
    .replace(/(\d)m00s$/, '$1m')
    .replace(/(\d)h00m$/, '$1h');
}

/** "time-to-Ready <= 5m", "no data loss": the name of a check, as a JUnit test case or a table cell. */
export function describeCheck(check: TargetCheck): string {
  if (check.name === 'noDataLoss' || typeof check.allowed !== 'number') return checkLabel(check.name);
  return `${checkLabel(check.name)} <= ${formatTarget(check.allowed)}`;
}

/** What was allowed, in words: "5m", "no keys lost". */
export function describeAllowed(check: TargetCheck): string {
  if (typeof check.allowed === 'number')
    return check.name === 'noDataLoss' ? `${check.allowed} keys lost` : formatTarget(check.allowed);
  return check.allowed ? 'no keys lost' : 'any';
}

/** What was measured, in words: "6m12s", "0 keys lost", "not reached". */
export function describeMeasured(check: TargetCheck): string {
  if (check.measured === undefined) return 'not reached';
  if (check.name === 'noDataLoss') return `${check.measured} ${check.measured === 1 ? 'key' : 'keys'} lost`;
  return check.atLeast ? `at least ${formatDuration(check.measured)}, still failing` : formatDuration(check.measured);
}

/** The run's own words for a check, or ours when the runner left the message empty. */
export function checkMessage(check: TargetCheck): string {
  if (check.message.trim() !== '') return check.message;
  const verb = check.ok ? 'met' : 'missed';
  return `${describeCheck(check)}: ${verb} (measured ${describeMeasured(check)})`;
}

/**
 * A time on the drill's clock relative to its start: "+0:42", "+6:12.250", "+1:02:03". Offsets rather
 * than wall times because a virtual clock's epoch means nothing to the reader.
 */
export function formatOffset(ms: number): string {
  const sign = ms < 0 ? '-' : '+';
  const abs = Math.abs(Math.round(ms));
  const millis = abs % 1000;
  const totalS = Math.floor(abs / 1000);
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = totalS % 60;
  const ss = String(s).padStart(2, '0');
  const frac = millis ? `.${String(millis).padStart(3, '0')}` : '';
  return h ? `${sign}${h}:${String(m).padStart(2, '0')}:${ss}${frac}` : `${sign}${m}:${ss}${frac}`;
}

/** ISO 8601 in UTC, for titles and timestamps. */
export function formatInstant(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}

export function verdictLabel(verdict: RunResult['verdict']): string {
  return verdict.toUpperCase();
}

/** "detect <= 1m, Ready <= 5m": every declared target of a run on one line. */
export function targetsSummary(result: RunResult): string {
  if (result.checks.length === 0) return '-';
  return result.checks.map(describeCheck).join(', ');
}

/** Short notes for a summary row: the error, the missed targets, a failed rollback, dry-run. */
export function notes(result: RunResult): string[] {
  const out: string[] = [];
  if (result.dryRun) out.push('dry run: nothing was changed or measured');
  if (result.error !== undefined && result.error !== '') out.push(result.error);
  for (const check of result.checks) if (!check.ok && check.measured !== undefined) out.push(checkMessage(check));
  if (!result.rollback.ok) out.push(`rollback failed: ${result.rollback.errors.join('; ') || 'see the timeline'}`);
  return out;
}
