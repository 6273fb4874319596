import { InvalidInputError } from '../errors.js';

/**
 * yargs' `type: 'number'` turns `--seed abc` into NaN and runs the drill with it; a seed that is not a
 * whole number would also not reproduce the run it names. Used as the option's `coerce`.
 */
export function parseSeed(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value.trim()) : NaN;
  if (typeof value === 'string' && value.trim() === '')
    throw new InvalidInputError('--seed: expected a whole number such as 1 or 42, got an empty value.');
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InvalidInputError(`--seed: expected a whole number such as 1 or 42, got ${JSON.stringify(value)}.`);
  }
  return n;
}
