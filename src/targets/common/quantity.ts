import { InvalidInputError } from '../../errors.js';
import { tryParseQuantity } from '../../kube/quantity.js';

/** A Kubernetes quantity ("512Mi", "2G", "1500m", "3") as a number of base units. */
export function quantityValue(q: string): number {
  const v = tryParseQuantity(q);
  if (v === undefined || v < 0)
    throw new InvalidInputError(`"${q}" is not a Kubernetes quantity (like 512Mi, 2Gi, 500m).`);
  return v;
}

/** "95%" -> 0.95; anything else -> undefined. */
export function percentOf(amount: string): number | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)%$/.exec(amount.trim());
  if (!m) return undefined;
  const p = Number(m[1]);
  if (p <= 0 || p > 100) throw new InvalidInputError(`"${amount}" must be a percentage between 0% and 100%.`);
  return p / 100;
}

/**
 * The ballast size for a `pressure` amount. A quantity ("2Gi") is the size itself. A percentage ("95%") is a
 * level to fill to: the ballast is what brings `used` up to that share of `capacity`. "leave:50Mi" fills
 * until only that much is free. Never negative.
 */
export async function ballastSize(
  amount: string,
  measure: () => Promise<{ capacity: number; used: number }>,
): Promise<number> {
  const leave = /^leave:(.+)$/.exec(amount.trim())?.[1];
  const p = leave === undefined ? percentOf(amount) : undefined;
  if (leave === undefined && p === undefined) return Math.floor(quantityValue(amount));
  const { capacity, used } = await measure();
  const level = leave !== undefined ? capacity - quantityValue(leave) : capacity * (p ?? 1);
  return Math.max(0, Math.floor(level - used));
}
