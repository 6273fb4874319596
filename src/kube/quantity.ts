/**
 * Kubernetes resource quantities ("500m", "512Mi", "1.5G", "2e3") as numbers in base units (cores, bytes):
 * one parser for the simulator, the plugins and the targets. Accepts what apimachinery's
 * resource.ParseQuantity accepts, minus the corner cases nobody writes in a manifest.
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
