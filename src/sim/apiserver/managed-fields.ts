import type { KubeObject } from '../../kube/objects.js';
import { sameJson } from '../store/store.js';
import {
  containers,
  fromFieldsV1,
  isWithin,
  leaves,
  listKind,
  pathKey,
  pathText,
  sameValue,
  toFieldsV1,
  valueAt,
  type FieldPath,
} from './field-set.js';
import { timestamp } from './context.js';
import type { RequestScope } from './handlers.js';
import type { ResourceRequest } from './routes.js';
import { ApiError } from './status.js';

/**
 * managedFields and server-side apply as kube-apiserver keeps them (k8s.io/apiserver fieldmanager over
 * structured-merge-diff): every write through the API records, per manager, the fields it set; an apply
 * (PATCH application/apply-patch+yaml) declares the fields its manager wants, conflicts (409) with any other
 * manager owning one of them with another value unless forced, and removes the fields its manager applied
 * before and no longer does, when no one else owns them. Only writes through the API are tracked: the
 * simulator's own controllers write to the store directly, as its kubelets post status.
 */
export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Metadata the apiserver owns: never a manager's field. */
const SYSTEM_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'managedFields',
  'selfLink',
]);

/** The fields of `obj` a write through `subresource` can set. */
function tracked(obj: Obj, subresource: string | undefined): FieldPath[] {
  if (subresource === 'status') return leaves(obj.status, ['status'], [{ field: 'status' }]);
  if (subresource === 'scale') {
    const spec = isObj(obj.spec) ? obj.spec : {};
    return spec.replicas === undefined ? [] : [[{ field: 'spec' }, { field: 'replicas' }]];
  }
  const out: FieldPath[] = [];
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'status' || v === undefined) continue;
    if (k === 'metadata' && isObj(v)) {
      for (const [mk, mv] of Object.entries(v)) {
        if (SYSTEM_METADATA.has(mk) || mv === undefined) continue;
        out.push(...leaves(mv, ['metadata', mk], [{ field: 'metadata' }, { field: mk }]));
      }
      continue;
    }
    out.push(...leaves(v, [k], [{ field: k }]));
  }
  return out;
}

interface Entry {
  meta: ManagedFieldsEntry;
  paths: Map<string, FieldPath>;
  changed: boolean;
}

function entriesOf(obj: KubeObject | undefined): Entry[] {
  const raw = (obj?.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  return raw.map((meta) => ({
    meta,
    paths: new Map(fromFieldsV1(meta.fieldsV1).map((p) => [pathKey(p), p])),
    changed: false,
  }));
}

function sameManager(e: ManagedFieldsEntry, m: Omit<ManagedFieldsEntry, 'time' | 'fieldsType' | 'fieldsV1'>): boolean {
  return (
    e.manager === m.manager &&
    e.operation === m.operation &&
    (e.subresource ?? '') === (m.subresource ?? '') &&
    (m.operation === 'Apply' || e.apiVersion === m.apiVersion)
  );
}

function render(entries: Entry[], time: string): ManagedFieldsEntry[] | undefined {
  const out: ManagedFieldsEntry[] = [];
  for (const e of entries) {
    if (e.paths.size === 0) continue;
    if (!e.changed) {
      out.push(e.meta);
      continue;
    }
    const m: ManagedFieldsEntry = {
      manager: e.meta.manager,
      operation: e.meta.operation,
      apiVersion: e.meta.apiVersion,
      time,
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1([...e.paths.values()]),
    };
    if (e.meta.subresource) m.subresource = e.meta.subresource;
    out.push(m);
  }
  return out.length > 0 ? out : undefined;
}

export interface Manager {
  manager: string;
  apiVersion: string;
  subresource?: string | undefined;
  time: string;
}

/**
 * Who writes: the request's fieldManager, else the first part of its User-Agent, as kube-apiserver names
 * an unnamed manager ("kubectl" from "kubectl/v1.31.9 (linux/amd64) ...").
 */
export function managerOf(s: RequestScope, r: ResourceRequest): Manager {
  const ua = s.req.headers['user-agent'] ?? 'unknown';
  const group = r.resource.group;
  return {
    manager: s.query.get('fieldManager') || ua.split('/')[0]!.slice(0, 128),
    apiVersion: group ? `${group}/${r.resource.version}` : r.resource.version,
    subresource: r.subresource,
    time: timestamp(s.ctx.clock.now()),
  };
}

/** PatchOptions checks: an apply names its manager, and only an apply may force. */
export function checkPatchOptions(s: RequestScope, apply: boolean): void {
  const invalid = (field: string, reason: string, message: string): ApiError =>
    new ApiError(422, 'Invalid', `PatchOptions.meta.k8s.io "" is invalid: ${field}: ${message}`, {
      group: 'meta.k8s.io',
      kind: 'PatchOptions',
      causes: [{ reason, message, field }],
    });
  const force = s.query.get('force');
  if (apply && !s.query.get('fieldManager'))
    throw invalid('fieldManager', 'FieldValueRequired', 'Required value: is required for apply patch');
  if (!apply && force !== null && force !== '')
    throw invalid('force', 'FieldValueForbidden', 'Forbidden: may not be specified for non-apply patch');
}

/** Record an Update by `who`: it owns what it changed, and no one else owns that any more. */
export function recordUpdate(old: KubeObject | undefined, next: KubeObject, who: Manager): void {
  const withoutManaged = (o: KubeObject): KubeObject => ({
    ...o,
    metadata: { ...o.metadata, managedFields: [] },
  });
  if (old && sameJson(withoutManaged(old), withoutManaged(next))) {
    // Nothing changes: neither do the managed fields (nor the resourceVersion).
    if (old.metadata.managedFields) next.metadata.managedFields = old.metadata.managedFields;
    else delete next.metadata.managedFields;
    return;
  }
  const entries = entriesOf(old);
  const now = tracked(next, who.subresource);
  const before = old ? tracked(old, who.subresource) : [];
  // A value that changed is a change; a map or list item is one only when it appears.
  const parents = containers(now);
  const changed: FieldPath[] = [];
  for (const p of now) {
    const was = old ? valueAt(old, p) : undefined;
    if (parents.has(pathKey(p)) ? was === undefined : !sameValue(was, valueAt(next, p))) changed.push(p);
  }
  const nowKeys = new Set(now.map(pathKey));
  const removed = before.filter((p) => !nowKeys.has(pathKey(p)));
  const id = {
    manager: who.manager,
    operation: 'Update' as const,
    apiVersion: who.apiVersion,
    ...(who.subresource ? { subresource: who.subresource } : {}),
  };
  let mine = entries.find((e) => sameManager(e.meta, id));
  for (const e of entries) {
    if (e === mine) continue;
    for (const [k, p] of e.paths) {
      if (changed.some((c) => pathKey(c) === k) || removed.some((r) => isWithin(p, r))) {
        e.paths.delete(k);
        e.changed = true;
      }
    }
  }
  if (changed.length > 0) {
    if (!mine) {
      const meta: ManagedFieldsEntry = {
        manager: who.manager,
        operation: 'Update',
        apiVersion: who.apiVersion,
        time: who.time,
        fieldsType: 'FieldsV1',
        fieldsV1: {},
      };
      if (who.subresource) meta.subresource = who.subresource;
      mine = { meta, paths: new Map(), changed: true };
      entries.push(mine);
    }
    for (const p of changed) mine.paths.set(pathKey(p), p);
    mine.changed = true;
  }
  if (mine) for (const r of removed) for (const [k, p] of mine.paths) if (isWithin(p, r)) mine.paths.delete(k);
  const rendered = render(entries, who.time);
  if (rendered) next.metadata.managedFields = rendered;
  else delete next.metadata.managedFields;
}

/** A conflict's manager, as kube-apiserver prints it: `"kubectl-edit" using apps/v1`, `"kubectl"`. */
function managerText(e: ManagedFieldsEntry): string {
  let text = JSON.stringify(e.manager);
  if (e.subresource) text += ` with subresource ${JSON.stringify(e.subresource)}`;
  return e.operation === 'Update' ? `${text} using ${e.apiVersion}` : text;
}

/**
 * Server-side apply of `applied` by `who` onto `live` (undefined: the object is created): the merged
 * object with its managedFields. 409 with the conflicting managers and fields unless `force`.
 */
export function serverSideApply(live: KubeObject | undefined, applied: Obj, who: Manager, force: boolean): KubeObject {
  const entries = entriesOf(live);
  const wanted = tracked(applied, undefined);
  const id = { manager: who.manager, operation: 'Apply' as const, apiVersion: who.apiVersion };
  const conflicts: { entry: ManagedFieldsEntry; path: FieldPath }[] = [];
  if (live) {
    const parents = containers(wanted);
    for (const p of wanted) {
      // Maps and list items hold no value of their own to disagree on.
      if (parents.has(pathKey(p)) || sameValue(valueAt(live, p), valueAt(applied, p))) continue;
      const k = pathKey(p);
      for (const e of entries) {
        if (sameManager(e.meta, id)) continue;
        if (e.paths.has(k)) conflicts.push({ entry: e.meta, path: p });
      }
    }
  }
  if (conflicts.length > 0 && !force) throw conflictError(conflicts);
  if (force) {
    const lost = new Set(conflicts.map((c) => pathKey(c.path)));
    for (const e of entries) {
      if (sameManager(e.meta, id)) continue;
      for (const k of [...e.paths.keys()])
        if (lost.has(k)) {
          e.paths.delete(k);
          e.changed = true;
        }
    }
  }
  const merged = mergeApplied(live ? structuredClone(live) : {}, applied, []) as KubeObject;
  // What this manager applied before and no longer does goes, unless someone else owns it too.
  let mine = entries.find((e) => sameManager(e.meta, id));
  if (mine) {
    const keep = new Set(wanted.map(pathKey));
    const others = entries.filter((e) => e !== mine);
    const dropped = [...mine.paths.values()].filter((p) => !keep.has(pathKey(p)));
    // Deepest first, so that a list item goes before the list it empties.
    dropped.sort((a, b) => b.length - a.length);
    for (const p of dropped) {
      if (others.some((e) => e.paths.has(pathKey(p)) || [...e.paths.values()].some((q) => isWithin(q, p)))) continue;
      removeAt(merged, p, []);
    }
  } else {
    mine = { meta: { ...id, time: who.time, fieldsType: 'FieldsV1', fieldsV1: {} }, paths: new Map(), changed: true };
    entries.push(mine);
  }
  const before = new Set(mine.paths.keys());
  mine.paths = new Map(wanted.map((p) => [pathKey(p), p]));
  mine.changed = mine.changed || before.size !== mine.paths.size || [...mine.paths.keys()].some((k) => !before.has(k));
  const rendered = render(entries, who.time);
  if (rendered) merged.metadata.managedFields = rendered;
  return merged;
}

function conflictError(conflicts: { entry: ManagedFieldsEntry; path: FieldPath }[]): ApiError {
  const causes = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${managerText(c.entry)}`,
    field: pathText(c.path),
  }));
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${managerText(conflicts[0]!.entry)}: ${pathText(conflicts[0]!.path)}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const m = managerText(c.entry);
      byManager.set(m, [...(byManager.get(m) ?? []), pathText(c.path)]);
    }
    const lines: string[] = [];
    for (const m of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${m}:`);
      for (const p of byManager.get(m)!) lines.push(`- ${p}`);
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new ApiError(409, 'Conflict', message, { causes });
}

/** Merge an applied configuration into the live object: maps recursively, list-maps by key, sets by value. */
function mergeApplied(live: unknown, applied: unknown, names: string[]): unknown {
  const field = names[names.length - 1] ?? '';
  if (isObj(applied) && isObj(live) && field !== 'selector') {
    const out: Obj = { ...live };
    for (const [k, v] of Object.entries(applied)) {
      if (v === undefined || v === null) continue;
      out[k] = mergeApplied(out[k], v, [...names, k]);
    }
    return out;
  }
  if (Array.isArray(applied) && Array.isArray(live)) {
    const kind = listKind(names);
    if (kind.kind === 'set') return [...live, ...applied.filter((a) => !live.some((l) => sameValue(l, a)))];
    if (kind.kind === 'map') {
      const out = [...live];
      for (const item of applied) {
        const i = out.findIndex((l) => kind.keys.every((k) => sameValue(keyed(l, k), keyed(item, k))));
        if (i >= 0) out[i] = mergeApplied(out[i], item, names);
        else out.push(structuredClone(item));
      }
      return out;
    }
  }
  return structuredClone(applied);
}

function keyed(item: unknown, k: string): unknown {
  const v = isObj(item) ? item[k] : undefined;
  return v ?? (k === 'protocol' ? 'TCP' : undefined);
}

/** Remove the field, list item or set value at `p`. */
function removeAt(obj: unknown, p: FieldPath, names: string[]): void {
  const [head, ...rest] = p;
  if (!head) return;
  if ('field' in head) {
    if (!isObj(obj)) return;
    if (rest.length === 0) delete obj[head.field];
    else removeAt(obj[head.field], rest, [...names, head.field]);
    return;
  }
  if (!Array.isArray(obj)) return;
  const keys = 'key' in head ? Object.keys(head.key) : [];
  const i = obj.findIndex((x) =>
    'key' in head ? keys.every((k) => sameValue(keyed(x, k), head.key[k])) : sameValue(x, head.value),
  );
  if (i < 0) return;
  if (rest.length === 0) obj.splice(i, 1);
  else removeAt(obj[i], rest, names);
}
