/**
 * Stable hashes for pod templates, shaped like Kubernetes': fnv-1a 32 over a canonical form, printed in
 * decimal and mapped onto rand.SafeEncodeString's alphabet ("7d948bd89d" style pod-template-hash values).
 */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789';

export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function safeEncode(text: string): string {
  let out = '';
  for (const ch of text) out += SAFE[ch.charCodeAt(0) % SAFE.length];
  return out;
}

/** A template hash (controller.ComputeHash): changes with the template and with the collision count. */
export function templateHash(template: unknown, collisionCount = 0): string {
  return safeEncode(String(fnv32a(canonicalJson(template) + (collisionCount ? String(collisionCount) : ''))));
}
