import { InvalidInputError } from '../errors.js';

/**
 * Durations in experiments are strings a person writes: "300ms", "40s", "5m", "1h30m", or ISO 8601 "PT5M".
 * Internally everything is milliseconds.
 */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const HUMAN = /^(?:(\d+(?:\.\d+)?)(ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const ISO = /^P(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)$/;

/** The JSON-Schema pattern matching every duration `parseDuration` accepts. */
export const DURATION_PATTERN =
  '^((\\d+(\\.\\d+)?)(ms|s|m|h))+$|^PT(\\d+(\\.\\d+)?H)?(\\d+(\\.\\d+)?M)?(\\d+(\\.\\d+)?S)?$';

export function tryParseDuration(text: string): number | undefined {
  const s = text.trim();
  if (HUMAN.test(s)) {
    let total = 0;
    for (const m of s.matchAll(PART)) total += Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1000);
    return Math.round(total);
  }
  const iso = ISO.exec(s);
  if (iso && s !== 'PT') {
    const [, h, m, sec] = iso;
    return Math.round((Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(sec ?? 0)) * 1000);
  }
  return undefined;
}

export function parseDuration(text: string, where = 'duration'): number {
  const ms = tryParseDuration(text);
  if (ms === undefined) {
    throw new InvalidInputError(
      `${where}: expected a duration such as "30s", "5m", "1h30m" or "PT5M", got ${JSON.stringify(text)}.`,
    );
  }
  return ms;
}

/** "1m05s", "42s", "850ms": compact, for tables and progress lines. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || Number.isNaN(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalS = ms / 1000;
  if (totalS < 60) return `${Number.isInteger(totalS) ? totalS : totalS.toFixed(1)}s`;
  const h = Math.floor(totalS / 3600);
  const m = Math.floor((totalS % 3600) / 60);
  const s = Math.round(totalS % 60);
  const mm = h ? String(m).padStart(2, '0') : String(m);
  return `${h ? `${h}h` : ''}${mm}m${String(s).padStart(2, '0')}s`;
}
