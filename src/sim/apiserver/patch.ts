import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { ApiError, badRequest } from './status.js';

/**
 * The three PATCH flavours kube-apiserver accepts (apply-patch aside): RFC 7386 JSON merge patch, RFC 6902
 * JSON patch and Kubernetes' strategic merge patch, whose list semantics come from the Go types' patch tags.
 * Each returns a new document; the input is never modified.
 */
type Obj = Record<string, unknown>;

export type PatchKind = 'merge' | 'json' | 'strategic' | 'apply';

export function patchKindOf(contentType: string | undefined): PatchKind | undefined {
  const ct = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  switch (ct) {
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/json-patch+json':
      return 'json';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+json':
      return 'apply';
    default:
      return undefined;
  }
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function applyPatch(kind: Exclude<PatchKind, 'apply'>, doc: unknown, patch: unknown): unknown {
  switch (kind) {
    case 'merge':
      if (!isObj(patch)) throw badRequest('the patch must be a JSON object');
      return mergePatch(doc, patch);
    case 'json':
      return jsonPatch(doc, patch);
    case 'strategic':
      if (!isObj(patch)) throw badRequest('the patch must be a JSON object');
      return strategicMerge(doc, patch);
  }
}

/** RFC 7386: objects merge recursively, null deletes, anything else (arrays included) replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Obj = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

export function jsonPatch(doc: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  for (const op of patch) {
    if (!isObj(op) || typeof op.op !== 'string' || typeof op.path !== 'string') {
      throw badRequest(`invalid JSON patch operation: ${JSON.stringify(op)}`);
    }
  }
  try {
    return jsonpatch.applyPatch(structuredClone(doc), patch as Operation[], true, true, true).newDocument;
  } catch (err) {
    const name = (err as { name?: string }).name ?? '';
    const msg = err instanceof Error ? (err.message.split('\n')[0] ?? err.message) : String(err);
    if (name === 'TEST_OPERATION_FAILED')
      throw new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request');
    throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request: ${msg}`);
  }
}

export type ListStrategy = { kind: 'merge'; key: string } | { kind: 'primitive' } | { kind: 'replace' };

/** Merge keys of the list fields gameday's resources have, from the `patchMergeKey` tags of k8s.io/api. */
export const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  imagePullSecrets: 'name',
  conditions: 'type',
  addresses: 'type',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  podIPs: 'ip',
  resourceClaims: 'name',
  topologySpreadConstraints: 'topologyKey',
};

/** Lists of scalars merged as sets (`patchStrategy:"merge"` on a []string). */
export const PRIMITIVE_MERGE: ReadonlySet<string> = new Set(['finalizers']);

export function listStrategy(path: string[]): ListStrategy {
  const field = path[path.length - 1] ?? '';
  if (field === 'ports') {
    const parent = path[path.length - 2] ?? '';
    if (parent === 'containers' || parent === 'initContainers' || parent === 'ephemeralContainers') {
      return { kind: 'merge', key: 'containerPort' };
    }
    if (path.length === 2 && path[0] === 'spec') return { kind: 'merge', key: 'port' };
    return { kind: 'replace' };
  }
  const key = MERGE_KEYS[field];
  if (key) return { kind: 'merge', key };
  if (PRIMITIVE_MERGE.has(field)) return { kind: 'primitive' };
  // Lists without a patch strategy (tolerations, taints, args, command, ...) are atomic: the patch replaces them.
  return { kind: 'replace' };
}

/** Strategic merge patch, with the `$patch`, `$retainKeys`, `$setElementOrder/` and `$deleteFromPrimitiveList/` directives. */
export function strategicMerge(original: unknown, patch: Obj): unknown {
  return mergeMap(isObj(original) ? original : {}, patch, []);
}

function mergeMap(orig: Obj, patch: Obj, path: string[]): Obj | undefined {
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  if (directive === 'replace') return clean(patch) as Obj;
  if (directive !== undefined && directive !== 'merge')
    throw badRequest(`Unknown patch type: ${JSON.stringify(directive)}`);
  const out: Obj = { ...orig };
  const orders: [string, unknown[]][] = [];
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys') continue;
    if (k.startsWith('$setElementOrder/')) {
      if (!Array.isArray(v)) throw badRequest('invalid patch: $setElementOrder must be a list');
      orders.push([k.slice('$setElementOrder/'.length), v]);
      continue;
    }
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      if (!Array.isArray(v)) throw badRequest('invalid patch: $deleteFromPrimitiveList must be a list');
      const cur = out[field];
      if (Array.isArray(cur)) out[field] = cur.filter((x) => !v.some((d) => deepEqual(d, x)));
      continue;
    }
    if (v === null) {
      delete out[k];
    } else if (isObj(v)) {
      const prev = out[k];
      const merged = mergeMap(isObj(prev) ? prev : {}, v, [...path, k]);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else if (Array.isArray(v)) {
      out[k] = mergeList(out[k], v, [...path, k]);
    } else {
      out[k] = v;
    }
  }
  for (const [field, order] of orders) {
    const cur = out[field];
    if (Array.isArray(cur)) out[field] = reorder(cur, order, listStrategy([...path, field]));
  }
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) {
    for (const k of Object.keys(out)) if (!retain.includes(k)) delete out[k];
  }
  return out;
}

function mergeList(orig: unknown, patch: unknown[], path: string[]): unknown[] {
  const strategy = listStrategy(path);
  const replaceAll = patch.some((p) => isObj(p) && p.$patch === 'replace');
  if (replaceAll) return patch.filter((p) => !(isObj(p) && p.$patch === 'replace')).map(clean);
  if (strategy.kind === 'replace') return patch.map(clean);
  const cur: unknown[] = Array.isArray(orig) ? [...(orig as unknown[])] : [];
  if (strategy.kind === 'primitive') {
    for (const p of patch) if (!cur.some((c) => deepEqual(c, p))) cur.push(p);
    return cur;
  }
  const { key } = strategy;
  for (const p of patch) {
    if (!isObj(p))
      throw badRequest(`invalid patch: element of ${path.join('.')} must be an object with merge key ${key}`);
    const idx = cur.findIndex((c) => isObj(c) && deepEqual(c[key], p[key]));
    if (p.$patch === 'delete') {
      if (idx >= 0) cur.splice(idx, 1);
      continue;
    }
    if (idx >= 0) {
      const merged = mergeMap(cur[idx] as Obj, p, path);
      if (merged === undefined) cur.splice(idx, 1);
      else cur[idx] = merged;
    } else {
      cur.push(clean(p));
    }
  }
  return cur;
}

/** Order a merged list as `$setElementOrder` asks; elements it does not name keep their place at the end. */
function reorder(list: unknown[], order: unknown[], strategy: ListStrategy): unknown[] {
  const id = (x: unknown): unknown => (strategy.kind === 'merge' && isObj(x) ? x[strategy.key] : x);
  const wanted = order.map(id);
  const placed: unknown[] = [];
  const rest: unknown[] = [];
  const pos = (x: unknown): number => wanted.findIndex((w) => deepEqual(w, id(x)));
  for (const x of list) (pos(x) >= 0 ? placed : rest).push(x);
  placed.sort((a, b) => pos(a) - pos(b));
  return [...placed, ...rest];
}

/** Drop directives from a value the patch introduces wholesale. */
function clean(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(clean);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, x] of Object.entries(v)) {
    if (k.startsWith('$')) continue;
    if (x === null) continue;
    out[k] = clean(x);
  }
  return out;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b as Obj);
  return ka.length === kb.length && ka.every((k) => deepEqual((a as Obj)[k], (b as Obj)[k]));
}
