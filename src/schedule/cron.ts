import { InvalidInputError } from '../errors.js';

/**
 * A strict validator for the schedules a Kubernetes CronJob accepts: five fields (minute hour day-of-month
 * month day-of-week) or one of the standard macros. Kubernetes only finds a bad schedule when the manifest
 * is applied, and a schedule that is valid but wrong (six fields, seconds first, as Quartz writes them) may
 * never fire: both are refused here with the field named.
 */

interface Field {
  name: string;
  min: number;
  max: number;
  /** Three-letter names accepted in place of numbers (JAN-DEC, SUN-SAT). */
  names?: readonly string[];
  /** Where names count from: months are 1-based, weekdays 0-based. */
  nameBase?: number;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] as const;
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] as const;

const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  // 7 is Sunday too, as in Vixie cron and the Go parser Kubernetes uses.
  { name: 'day-of-week', min: 0, max: 7, names: WEEKDAYS, nameBase: 0 },
];

/** The descriptors Kubernetes' parser (robfig/cron ParseStandard) accepts besides five fields. */
export const CRON_MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'] as const;

export class CronSyntaxError extends InvalidInputError {}

/** Throws a CronSyntaxError naming the field and what is wrong with it; returns the normalised schedule. */
export function validateCron(schedule: string): string {
  const text = schedule.trim().replace(/\s+/g, ' ');
  const quoted = JSON.stringify(schedule);
  if (text === '')
    throw new CronSyntaxError(
      'cron schedule is empty; expected five fields "minute hour day-of-month month day-of-week", e.g. "0 3 * * 1".',
    );
  if (/^(CRON_)?TZ=/.test(text)) {
    throw new CronSyntaxError(
      `cron schedule ${quoted}: Kubernetes refuses TZ= in the schedule; use --time-zone instead.`,
    );
  }
  if (text.startsWith('@')) {
    if ((CRON_MACROS as readonly string[]).includes(text)) return text;
    throw new CronSyntaxError(
      `cron schedule ${quoted}: unknown macro ${text}; expected one of ${CRON_MACROS.join(', ')}.`,
    );
  }
  const parts = text.split(' ');
  if (parts.length !== FIELDS.length) {
    const hint =
      parts.length === 6 ? ' (six fields look like a schedule with seconds or years; Kubernetes has neither)' : '';
    throw new CronSyntaxError(
      `cron schedule ${quoted} has ${parts.length} ${parts.length === 1 ? 'field' : 'fields'}${hint}; expected five: minute hour day-of-month month day-of-week, e.g. "0 3 * * 1".`,
    );
  }
  parts.forEach((part, i) => checkField(part, FIELDS[i] as Field, quoted));
  return text;
}

function checkField(text: string, field: Field, quoted: string): void {
  const fail = (why: string): never => {
    throw new CronSyntaxError(`cron schedule ${quoted}: ${field.name} field "${text}" ${why}.`);
  };
  for (const item of text.split(',')) {
    if (item === '') fail('has an empty list item');
    const [range, step, ...extra] = item.split('/');
    if (extra.length > 0) fail(`has more than one "/" in "${item}"`);
    if (step !== undefined) {
      if (!/^\d+$/.test(step)) fail(`has step "${step}", which is not a whole number`);
      const n = Number(step);
      if (n < 1) fail('has step 0');
      if (n > field.max - field.min + 1) fail(`has step ${n}, larger than the field's range ${field.min}-${field.max}`);
    }
    if (range === '*' || range === '?') {
      // "?" is Quartz's "no specific value": robfig accepts it in the day fields only.
      if (range === '?' && field.name !== 'day-of-month' && field.name !== 'day-of-week')
        fail('uses "?", allowed only in the day fields');
      continue;
    }
    const bounds = (range ?? '').split('-');
    if (bounds.length > 2) fail(`has a range "${range ?? ''}" with more than one "-"`);
    const values = bounds.map((b) => value(b, field, fail));
    const [lo, hi] = values as [number, number | undefined];
    if (hi !== undefined && hi < lo) fail(`has a range ${bounds[0]}-${bounds[1]} that runs backwards`);
  }
}

function value(text: string, field: Field, fail: (why: string) => never): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < field.min || n > field.max) fail(`has ${n}, outside ${field.min}-${field.max}`);
    return n;
  }
  const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (index >= 0) return index + (field.nameBase ?? 0);
  if (text === '') return fail('has an empty value');
  return fail(
    `has "${text}", which is not a number${field.names ? ` nor a name (${field.names[0]}-${field.names[field.names.length - 1]})` : ''}`,
  );
}
