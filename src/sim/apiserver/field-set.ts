import { listStrategy } from './patch.js';

/**
 * Sets of fields, as structured-merge-diff tracks them for managedFields: a field is a path of elements
 * (a map key, a list item by its key fields, a set value, or an atomic list's index), its leaves being what
 * an object sets. Lists are associative by Kubernetes' list-map keys (containers by name, ports by port and
 * protocol, ...), sets of scalars (finalizers) by value, anything else atomic: owned as a whole.
 */
export type PathElement = { field: string } | { key: Record<string, unknown> } | { value: unknown };

export type FieldPath = PathElement[];

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Keys of associative lists whose list-map keys are more than their strategic-merge key. */
const MULTI_KEYS: Record<string, string[]> = {
  'containers.ports': ['containerPort', 'protocol'],
  'initContainers.ports': ['containerPort', 'protocol'],
  'spec.ports': ['port', 'protocol'],
  topologySpreadConstraints: ['topologyKey', 'whenUnsatisfiable'],
};

/** Fields whose value is owned as a whole although it is an object (`+structType=atomic`). */
const ATOMIC_OBJECTS = new Set(['selector', 'nodeAffinity', 'podAffinity', 'podAntiAffinity', 'roleRef', 'targetRef']);

/** Maps (as opposed to structs): their presence is a field of its own (".") in FieldsV1. */
const MAPS = new Set([
  'labels',
  'annotations',
  'data',
  'binaryData',
  'stringData',
  'nodeSelector',
  'matchLabels',
  'limits',
  'requests',
  'capacity',
  'allocatable',
]);

export interface ListKind {
  kind: 'map' | 'set' | 'atomic';
  keys: string[];
}

/** How a list at `names` (the field names leading to it) is tracked. */
export function listKind(names: string[]): ListKind {
  const field = names[names.length - 1] ?? '';
  const parent = names[names.length - 2] ?? '';
  const multi = MULTI_KEYS[`${parent}.${field}`] ?? MULTI_KEYS[field];
  if (multi) return { kind: 'map', keys: multi };
  const s = listStrategy(names);
  if (s.kind === 'merge') return { kind: 'map', keys: [s.key] };
  if (s.kind === 'primitive') return { kind: 'set', keys: [] };
  return { kind: 'atomic', keys: [] };
}

function keyOf(item: unknown, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = isObj(item) ? item[k] : undefined;
    // Defaulted key fields (protocol) count with their default.
    out[k] = v ?? (k === 'protocol' ? 'TCP' : undefined);
  }
  return out;
}

/** The leaf fields an object (or part of one) sets, below `prefix`. */
export function leaves(value: unknown, names: string[] = [], prefix: FieldPath = []): FieldPath[] {
  const out: FieldPath[] = [];
  walk(value, names, prefix, out);
  return out;
}

function walk(value: unknown, names: string[], path: FieldPath, out: FieldPath[]): void {
  const field = names[names.length - 1] ?? '';
  if (isObj(value) && !ATOMIC_OBJECTS.has(field)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined && v !== null);
    // An empty object is set as a whole; a map is a field of its own besides its keys.
    if (entries.length === 0 || (path.length > 0 && MAPS.has(field))) out.push(path);
    for (const [k, v] of entries) walk(v, [...names, k], [...path, { field: k }], out);
    return;
  }
  if (Array.isArray(value)) {
    const kind = listKind(names);
    if (kind.kind === 'atomic') {
      out.push(path);
      return;
    }
    for (const item of value) {
      if (kind.kind === 'set') {
        out.push([...path, { value: item }]);
        continue;
      }
      const itemPath: FieldPath = [...path, { key: keyOf(item, kind.keys) }];
      out.push(itemPath);
      if (isObj(item)) {
        for (const [k, v] of Object.entries(item)) {
          if (v !== undefined && v !== null) walk(v, [...names, k], [...itemPath, { field: k }], out);
        }
      }
    }
    return;
  }
  out.push(path);
}

export function elementText(e: PathElement): string {
  if ('field' in e) return `.${e.field}`;
  if ('key' in e)
    return `[${Object.entries(e.key)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(',')}]`;
  return `[=${JSON.stringify(e.value)}]`;
}

/** A path as Kubernetes prints it in conflicts: `.spec.template.spec.containers[name="nginx"].image`. */
export function pathText(p: FieldPath): string {
  return p.map(elementText).join('');
}

/** The value at a path of an object, or undefined when it is not set. */
export function valueAt(obj: unknown, p: FieldPath, names: string[] = []): unknown {
  let cur: unknown = obj;
  const seen = [...names];
  for (const e of p) {
    if ('field' in e) {
      if (!isObj(cur)) return undefined;
      cur = cur[e.field];
      seen.push(e.field);
    } else if ('key' in e) {
      if (!Array.isArray(cur)) return undefined;
      const keys = Object.keys(e.key);
      cur = cur.find((item) => keys.every((k) => sameValue(keyOf(item, [k])[k], e.key[k])));
    } else {
      if (!Array.isArray(cur)) return undefined;
      cur = cur.some((x) => sameValue(x, e.value)) ? e.value : undefined;
    }
    if (cur === undefined) return undefined;
  }
  return cur;
}

export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const k of Object.keys(v).sort()) if (v[k] !== undefined) out[k] = canonical(v[k]);
  return out;
}

/** FieldsV1: `{"f:spec":{"f:replicas":{}},"f:metadata":{"f:labels":{".":{},"f:app":{}}}}`. */
export function toFieldsV1(paths: FieldPath[]): Obj {
  const root: Obj = {};
  const owned = new Set<Obj>();
  for (const p of paths) {
    let node = root;
    for (const e of p) node = (node[fieldsKey(e)] ??= {}) as Obj;
    if (p.length > 0) owned.add(node);
  }
  mark(root, owned);
  return root;
}

/** A node owned itself besides its children (a map, a list item) gets "." in FieldsV1. */
function mark(node: Obj, owned: Set<Obj>): void {
  for (const [k, v] of Object.entries(node)) {
    if (!isObj(v)) continue;
    const children = Object.keys(v).length;
    mark(v, owned);
    if (children > 0 && (owned.has(v) || k.startsWith('k:'))) {
      // "." first, as Kubernetes writes it.
      const rest = { ...v };
      for (const key of Object.keys(v)) delete v[key];
      Object.assign(v, { '.': {} }, rest);
    }
  }
}

function fieldsKey(e: PathElement): string {
  if ('field' in e) return `f:${e.field}`;
  if ('key' in e) {
    const sorted: Obj = {};
    for (const k of Object.keys(e.key).sort()) sorted[k] = e.key[k];
    return `k:${JSON.stringify(sorted)}`;
  }
  return `v:${JSON.stringify(e.value)}`;
}

/** The paths a FieldsV1 document names (what a managedFields entry owns). */
export function fromFieldsV1(doc: unknown, prefix: FieldPath = []): FieldPath[] {
  const out: FieldPath[] = [];
  if (!isObj(doc)) return out;
  const children = Object.entries(doc).filter(([k]) => k !== '.');
  if (prefix.length > 0 && (children.length === 0 || '.' in doc)) out.push(prefix);
  for (const [k, v] of children) {
    let e: PathElement | undefined;
    if (k.startsWith('f:')) e = { field: k.slice(2) };
    else if (k.startsWith('k:')) e = { key: JSON.parse(k.slice(2)) as Record<string, unknown> };
    else if (k.startsWith('v:')) e = { value: JSON.parse(k.slice(2)) as unknown };
    if (e) out.push(...fromFieldsV1(v, [...prefix, e]));
  }
  return out;
}

/** The keys of the paths that others in `paths` lie below: maps and list items, owned besides their fields. */
export function containers(paths: FieldPath[]): Set<string> {
  const out = new Set<string>();
  for (const p of paths) for (let i = 1; i < p.length; i++) out.add(pathKey(p.slice(0, i)));
  return out;
}

export function pathKey(p: FieldPath): string {
  return p.map(fieldsKey).join('\u0000');
}

/** Whether `p` is `q` or lies below it. */
export function isWithin(p: FieldPath, q: FieldPath): boolean {
  if (p.length < q.length) return false;
  for (let i = 0; i < q.length; i++) if (fieldsKey(p[i]!) !== fieldsKey(q[i]!)) return false;
  return true;
}
