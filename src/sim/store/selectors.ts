import type { KubeObject } from '../../kube/objects.js';

/** A parsed label or field selector requirement. */
export interface Requirement {
  key: string;
  op: 'in' | 'notin' | 'exists' | '!exists' | '=' | '!=';
  values: string[];
}

export class SelectorError extends Error {}

/**
 * Parses label selectors as kube-apiserver does: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`,
 * `!a`, separated by commas outside parentheses.
 */
export function parseLabelSelector(text: string | undefined): Requirement[] {
  if (!text?.trim()) return [];
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  parts.push(cur);
  return parts.map((raw) => {
    const p = raw.trim();
    let m = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(p);
    if (m) {
      return {
        key: m[1]!,
        op: m[2] as 'in' | 'notin',
        values: m[3]!
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean),
      };
    }
    m = /^([\w./-]+)\s*(==|=|!=)\s*([\w./-]*)$/.exec(p);
    if (m) return { key: m[1]!, op: m[2] === '!=' ? '!=' : '=', values: [m[3]!] };
    m = /^!\s*([\w./-]+)$/.exec(p);
    if (m) return { key: m[1]!, op: '!exists', values: [] };
    m = /^([\w./-]+)$/.exec(p);
    if (m) return { key: m[1]!, op: 'exists', values: [] };
    throw new SelectorError(`unable to parse requirement: ${JSON.stringify(p)}`);
  });
}

/** Field selectors support only `=`, `==` and `!=`, as in kube-apiserver. */
export function parseFieldSelector(text: string | undefined): Requirement[] {
  if (!text?.trim()) return [];
  return text.split(',').map((raw) => {
    const m = /^\s*([\w.]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(raw);
    if (!m) throw new SelectorError(`invalid field selector: ${JSON.stringify(raw)}`);
    return { key: m[1]!, op: m[2] === '!=' ? '!=' : '=', values: [m[3]!] };
  });
}

export function matchRequirements(get: (key: string) => string | undefined, reqs: Requirement[]): boolean {
  for (const r of reqs) {
    const v = get(r.key);
    switch (r.op) {
      case '=':
        if (v !== r.values[0]) return false;
        break;
      case '!=':
        if (v === r.values[0]) return false;
        break;
      case 'in':
        if (v === undefined || !r.values.includes(v)) return false;
        break;
      case 'notin':
        if (v !== undefined && r.values.includes(v)) return false;
        break;
      case 'exists':
        if (v === undefined) return false;
        break;
      case '!exists':
        if (v !== undefined) return false;
        break;
    }
  }
  return true;
}

export function matchLabels(obj: KubeObject, reqs: Requirement[]): boolean {
  if (reqs.length === 0) return true;
  const labels = obj.metadata.labels ?? {};
  return matchRequirements((k) => labels[k], reqs);
}

/** The value of a field-selector path on an object; absent fields compare as "" the way the apiserver does. */
export function fieldValue(obj: KubeObject, path: string): string {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return '';
    cur = (cur as Record<string, unknown>)[part];
  }
  if (cur === undefined || cur === null) return '';
  // Field selectors address scalars; an object or list never equals a selector value.
  return typeof cur === 'object' ? JSON.stringify(cur) : `${cur as string | number | boolean}`;
}

export function matchFields(obj: KubeObject, reqs: Requirement[]): boolean {
  if (reqs.length === 0) return true;
  return matchRequirements((k) => fieldValue(obj, k), reqs);
}

/** Whether a Kubernetes LabelSelector object ({matchLabels, matchExpressions}) selects these labels. */
export function labelSelectorMatches(
  selector:
    | {
        matchLabels?: Record<string, string>;
        matchExpressions?: { key: string; operator: string; values?: string[] }[];
      }
    | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  const want = selector.matchLabels;
  if (want) for (const k in want) if (l[k] !== want[k]) return false;
  for (const e of selector.matchExpressions ?? []) {
    const v = l[e.key];
    const vals = e.values ?? [];
    if (e.operator === 'In' && (v === undefined || !vals.includes(v))) return false;
    if (e.operator === 'NotIn' && v !== undefined && vals.includes(v)) return false;
    if (e.operator === 'Exists' && v === undefined) return false;
    if (e.operator === 'DoesNotExist' && v !== undefined) return false;
  }
  return true;
}
