/**
 * Quantities as the simulator's scheduler and kubelet count them: CPU in millicores, everything else in
 * base units (bytes). Parsing is src/kube/quantity.ts.
 */
import { tryParseQuantity } from '../../kube/quantity.js';

export { tryParseQuantity };

export class QuantityError extends Error {}

export function parseQuantity(q: string | number): number {
  const v = tryParseQuantity(q);
  if (v === undefined) {
    throw new QuantityError(
      `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$', got ${JSON.stringify(q)}`,
    );
  }
  return v;
}

/** CPU in millicores, rounded up as the scheduler does. */
export function cpuMillis(q: string | number | undefined): number {
  const v = tryParseQuantity(q);
  return v === undefined ? 0 : Math.ceil(Math.round(v * 1e6) / 1e3);
}

/** Memory, storage: bytes, rounded up. */
export function bytes(q: string | number | undefined): number {
  const v = tryParseQuantity(q);
  return v === undefined ? 0 : Math.ceil(v);
}

/** A compact form people read: "1536Mi", "2Gi", "500m". */
export function formatBytes(n: number): string {
  for (const [s, f] of [
    ['Gi', 2 ** 30],
    ['Mi', 2 ** 20],
    ['Ki', 2 ** 10],
  ] as const) {
    if (n >= f && n % f === 0) return `${n / f}${s}`;
  }
  return String(n);
}

export function formatCpu(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}
