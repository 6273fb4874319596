import { DURATION_PATTERN } from '../kit/duration.js';
import { LIMITS } from '../kit/limits.js';

/**
 * Every string, list and integer of a schema gets a bound when its own schema sets none (LIMITS.maxString,
 * maxItems, maxInteger), and every duration the length of the 24-hour limit: a plugin (or a hand-written
 * schema) that forgets a bound cannot let a 10 MB name or a 2^53 count through.
 */
export function withDefaultBounds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withDefaultBounds);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'enum' || k === 'const' ? v : withDefaultBounds(v);
  const types = Array.isArray(out['type']) ? (out['type'] as unknown[]) : [out['type']];
  if (types.includes('string') && out['maxLength'] === undefined)
    out['maxLength'] = out['pattern'] === DURATION_PATTERN ? LIMITS.maxDurationLength : LIMITS.maxString;
  if (types.includes('array') && out['maxItems'] === undefined) out['maxItems'] = LIMITS.maxItems;
  if (types.includes('integer') && out['maximum'] === undefined && out['exclusiveMaximum'] === undefined)
    out['maximum'] = LIMITS.maxInteger;
  return out;
}
