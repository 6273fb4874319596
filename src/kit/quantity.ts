import { InvalidInputError } from '../errors.js';
import { tryParseQuantity } from '../kube/quantity.js';

/**
 * Kubernetes quantities as numbers, and the changes recovery steps make to them ("+500Mi", "+50%"). Memory
 * and storage are bytes; CPU is millicores so that "500m" stays an integer.
 */
export type ResourceKind = 'cpu' | 'memory';

/** The quantity in base units (cores for CPU, bytes otherwise); undefined when it is not a quantity. */
export function tryQuantity(q: string | number | undefined): number | undefined {
  return tryParseQuantity(q);
}

export function quantity(q: string | number, where = 'quantity'): number {
  const v = tryQuantity(q);
  if (v === undefined)
    throw new InvalidInputError(
      `${where}: expected a Kubernetes quantity such as "512Mi", "2Gi" or "500m", got ${JSON.stringify(q)}.`,
    );
  return v;
}

/** Memory in bytes, rounded up as the scheduler counts it. */
export function memoryBytes(q: string | number | undefined): number {
  const v = tryQuantity(q);
  return v === undefined ? 0 : Math.ceil(v);
}

export function cpuMillis(q: string | number | undefined): number {
  const v = tryQuantity(q);
  return v === undefined ? 0 : Math.ceil(Math.round(v * 1e6) / 1e3);
}

/** The canonical way to write a value back: "1536Mi", "2Gi", "500m", "1". */
export function formatQuantity(kind: ResourceKind, value: number): string {
  if (kind === 'cpu') {
    const millis = Math.max(0, Math.round(value * 1000));
    return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
  }
  const bytes = Math.max(0, Math.ceil(value));
  for (const [suffix, f] of [
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ] as const) {
    if (bytes >= f && bytes % f === 0) return `${bytes / f}${suffix}`;
  }
  // Not a whole number of KiB: round up to whole MiB, as a person editing the manifest would.
  if (bytes >= 2 ** 20) return `${Math.ceil(bytes / 2 ** 20)}Mi`;
  return String(bytes);
}

/**
 * Apply a change to a current value: "768Mi" sets it, "+500Mi" / "-256Mi" add or take away, "+50%" / "-50%"
 * scale it. A relative change needs a current value; the result never goes below zero.
 */
export function adjustQuantity(
  kind: ResourceKind,
  current: string | number | undefined,
  change: string,
  where = 'resources',
): string {
  const text = change.trim();
  const m = /^([+-])(.+)$/.exec(text);
  if (!m) {
    quantity(text, where);
    return text;
  }
  const sign = m[1] === '-' ? -1 : 1;
  const amount = m[2]!;
  const now = tryQuantity(current);
  if (now === undefined) {
    throw new InvalidInputError(
      `${where}: "${change}" changes the current ${kind} value, but none is set; give an absolute value such as "512Mi".`,
    );
  }
  let next: number;
  if (amount.endsWith('%')) {
    const pct = Number(amount.slice(0, -1));
    if (!Number.isFinite(pct))
      throw new InvalidInputError(`${where}: expected a percentage such as "+50%", got ${JSON.stringify(change)}.`);
    next = now * (1 + (sign * pct) / 100);
  } else {
    next = now + sign * quantity(amount, where);
  }
  return formatQuantity(kind, Math.max(0, next));
}
