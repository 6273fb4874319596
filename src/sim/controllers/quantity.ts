/**
 * Kubernetes resource quantities ("500m", "512Mi", "1.5G", "2e3") as numbers: CPU in millicores, everything
 * else in base units (bytes). Accepts what apimachinery's resource.ParseQuantity accepts, minus the corner
 * cases nobody writes in a manifest.
 */
const SUFFIX: Record<string, number> = {
  '': 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/;

export class QuantityError extends Error {}

/** The value in base units, or undefined when `q` is not a quantity. */
// The same few quantity strings ("100m", "128Mi") are parsed millions of times at scale.
const parsed = new Map<string, number | undefined>();

export function tryParseQuantity(q: string | number | undefined | null): number | undefined {
  if (q === undefined || q === null) return undefined;
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  if (parsed.has(q)) return parsed.get(q);
  const m = QUANTITY.exec(q.trim());
  let value: number | undefined;
  if (m) {
    const base = Number(m[1]);
    value = m[2] ? base * 10 ** Number(m[2].slice(1)) : base * (SUFFIX[m[3] ?? ''] ?? 1);
  }
  if (parsed.size < 10_000) parsed.set(q, value);
  return value;
}

export function parseQuantity(q: string | number): number {
  const v = tryParseQuantity(q);
  if (v === undefined) {
    throw new QuantityError(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$', got ${JSON.stringify(q)}`);
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
  for (const [s, f] of [['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) {
    if (n >= f && n % f === 0) return `${n / f}${s}`;
  }
  return String(n);
}

export function formatCpu(millis: number): string {
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}
