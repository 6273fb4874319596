import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../../kube/objects.js';
import { apiVersionOf, type ResourceName } from '../../kube/resources.js';
import { Store, type ParsedQuery } from '../store/store.js';
import type { ApiContext } from './context.js';
import { deleteObject, notFoundFor, type DeleteOptions } from './deletion.js';
import { EXTRAS } from './discovery.js';
import { checkFields } from './field-validation.js';
import { parseAccept, parseJson, readBody, readBodyBytes, sendJson } from './http.js';
import { decodeKubeProtobuf } from './proto/decode.js';
import { sortByKey, streamList, type ListShape } from './list.js';
import { applyPatch, patchKindOf, strategicMerge } from './patch.js';
import type { ResourceRequest } from './routes.js';
import { ApiError, badRequest, methodNotAllowed, toApiError } from './status.js';
import { handleSubresource } from './subresources.js';
import { tableHead, tableRow, type IncludeObject, type TableOptions } from './table.js';
import { WatchStream } from './watch.js';
import { WATCH_TAG_PARAM } from '../../engine/watch-tracker.js';
import { awaitQuorum } from './park.js';
import { listOptions } from './list-options.js';
import { listPage } from './paging.js';
import { checkPatchOptions, managerOf, recordUpdate, serverSideApply } from './managed-fields.js';

export interface RequestScope {
  ctx: ApiContext;
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  /** Release the clock hold of this request early (watches, once their initial events are written). */
  release: () => void;
  /** Hold the clock again after `release`, until the answer is written (a request back from a clock wait). */
  hold: () => void;
  addWatch: (w: WatchStream) => void;
  removeWatch: (w: WatchStream) => void;
}

export async function handleResource(s: RequestScope, r: ResourceRequest): Promise<void> {
  const method = s.req.method ?? 'GET';
  if (r.subresource) return handleSubresource(s, r);
  const isWatch = r.watchPrefix || truthy(s.query.get('watch'));
  if (r.name === undefined) {
    if (method === 'GET') return isWatch ? watch(s, r) : list(s, r);
    if (method === 'POST') return create(s, r);
    if (method === 'DELETE') return deleteCollection(s, r);
    throw methodNotAllowed(method);
  }
  if (isWatch && method === 'GET') return watch(s, r);
  switch (method) {
    case 'GET':
      return get(s, r, r.name);
    case 'PUT':
      return replace(s, r, r.name);
    case 'PATCH':
      return patch(s, r, r.name);
    case 'DELETE':
      return remove(s, r, r.name);
    default:
      throw methodNotAllowed(method);
  }
}

function truthy(v: string | null): boolean {
  return v === 'true' || v === '1';
}

export function resourceName(r: ResourceRequest): ResourceName {
  return r.resource.name;
}

function parsedQuery(s: RequestScope, r: ResourceRequest, extraField?: string): ParsedQuery {
  const fieldSelector = [s.query.get('fieldSelector') ?? '', extraField ?? ''].filter(Boolean).join(',');
  try {
    return Store.parse({
      namespace: r.namespace,
      labelSelector: s.query.get('labelSelector') ?? undefined,
      fieldSelector: fieldSelector || undefined,
    });
  } catch (err) {
    throw toApiError(err);
  }
}

/**
 * Reads not served from the watch cache (no resourceVersion=0) are quorum reads: without etcd quorum they
 * wait for it until the request's deadline, as writes do.
 */
export async function checkReadable(s: RequestScope): Promise<void> {
  if (s.query.get('resourceVersion') === '0') return;
  await awaitQuorum(s);
}

function tableOptions(s: RequestScope, r: ResourceRequest): TableOptions | undefined {
  if (!parseAccept(s.req.headers.accept).table) return undefined;
  const inc = s.query.get('includeObject');
  const includeObject: IncludeObject = inc === 'None' || inc === 'Object' ? inc : 'Metadata';
  return { kind: r.resource.kind, now: s.ctx.clock.now(), includeObject };
}

function errCtx(r: ResourceRequest, name?: string): { resource: string; group: string; name?: string; kind: string } {
  return { resource: r.resource.plural, group: r.resource.group, kind: r.resource.kind, ...(name ? { name } : {}) };
}

async function list(s: RequestScope, r: ResourceRequest): Promise<void> {
  const q = parsedQuery(s, r);
  const page = await listPage(s, r.resource.name, q, listOptions(s.query, false));
  const { items } = page;
  const rv = page.resourceVersion;
  const t = tableOptions(s, r);
  let shape: ListShape;
  if (t) shape = { kind: 'table', table: t };
  else if (parseAccept(s.req.headers.accept).partialMetadata) shape = { kind: 'partial' };
  else shape = { kind: 'list', listKind: `${r.resource.kind}List`, apiVersion: apiVersionOf(r.resource) };
  await streamList(s.res, items, rv, shape, { continue: page.continue, remainingItemCount: page.remainingItemCount });
}

async function get(s: RequestScope, r: ResourceRequest, name: string): Promise<void> {
  await checkReadable(s);
  const obj = s.ctx.store.get(r.resource.name, r.namespace, name);
  if (!obj) throw notFoundFor(r.resource.name, name);
  sendObject(s, r, 200, obj);
}

/** An object in the representation asked for: itself, a one-row Table, or its metadata. */
export function sendObject(s: RequestScope, r: ResourceRequest, code: number, obj: KubeObject): void {
  const t = tableOptions(s, r);
  if (t) {
    const body = tableHead(t, obj.metadata.resourceVersion ?? '') + JSON.stringify(tableRow(obj, t)) + ']}';
    s.res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
    s.res.end(body);
    return;
  }
  if (parseAccept(s.req.headers.accept).partialMetadata) {
    sendJson(s.res, code, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata });
    return;
  }
  sendJson(s.res, code, obj);
}

function watch(s: RequestScope, r: ResourceRequest): void {
  listOptions(s.query, true);
  const q = parsedQuery(s, r, r.name ? `metadata.name=${r.name}` : undefined);
  const t = tableOptions(s, r);
  const timeout = s.query.get('timeoutSeconds');
  const w = new WatchStream(
    s.ctx,
    s.res,
    {
      resource: r.resource.name,
      kind: r.resource.kind,
      apiVersion: apiVersionOf(r.resource),
      query: q,
      resourceVersion: s.query.get('resourceVersion') ?? undefined,
      sendInitialEvents: truthy(s.query.get('sendInitialEvents')),
      table: t,
      partialMetadata: !t && parseAccept(s.req.headers.accept).partialMetadata,
      timeoutSeconds: timeout ? Number(timeout) : undefined,
      allowBookmarks: truthy(s.query.get('allowWatchBookmarks')),
      tag: s.query.get(WATCH_TAG_PARAM) ?? undefined,
    },
    (x) => s.removeWatch(x),
  );
  s.addWatch(w);
  w.start();
  // The stream lives on without holding the virtual clock: its events are tracked one by one instead.
  s.release();
}

/**
 * A request body in whichever encoding the client chose: JSON, YAML, or the protobuf kubectl's typed
 * clients send. Undefined when empty.
 */
export async function readPayload(s: RequestScope): Promise<unknown> {
  const bytes = await readBodyBytes(s.req);
  if (bytes.length === 0) return undefined;
  const ct = (s.req.headers['content-type'] ?? '').toLowerCase();
  if (ct.includes('protobuf')) {
    try {
      return decodeKubeProtobuf(bytes);
    } catch (err) {
      throw badRequest(err instanceof Error ? err.message : String(err));
    }
  }
  const text = bytes.toString('utf8');
  if (!text.trim()) return undefined;
  if (ct.includes('yaml')) return parseYamlBody(text);
  return parseJson(text);
}

/** The request body as an object of this resource, with apiVersion/kind/namespace checked and filled in. */
async function bodyObject(s: RequestScope, r: ResourceRequest): Promise<KubeObject> {
  const raw = await readPayload(s);
  if (raw === undefined)
    throw badRequest(
      'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml',
    );
  return asObject(raw, r);
}

function parseYamlBody(text: string): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch (err) {
    throw badRequest(`error decoding YAML: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function asObject(raw: unknown, r: ResourceRequest): KubeObject {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw badRequest("Object 'Kind' is missing in request body");
  const obj = raw as KubeObject;
  const want = apiVersionOf(r.resource);
  if (obj.kind !== undefined && obj.kind !== r.resource.kind) {
    throw badRequest(
      `the kind in the data (${String(obj.kind)}) does not match the expected kind (${r.resource.kind})`,
    );
  }
  if (obj.apiVersion !== undefined && obj.apiVersion !== want) {
    throw badRequest(
      `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${want})`,
    );
  }
  obj.apiVersion = want;
  obj.kind = r.resource.kind;
  if (typeof obj.metadata !== 'object' || obj.metadata === null) obj.metadata = { name: '' };
  const meta = obj.metadata;
  if (r.resource.namespaced) {
    if (meta.namespace && r.namespace && meta.namespace !== r.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (r.namespace) meta.namespace = r.namespace;
    if (!meta.namespace) throw badRequest('the server could not find the requested resource: a namespace is required');
  } else {
    delete meta.namespace;
  }
  return obj;
}

function isDryRun(s: RequestScope): boolean {
  return s.query.getAll('dryRun').includes('All');
}

function checkNamespace(s: RequestScope, r: ResourceRequest, name: string): void {
  if (!r.resource.namespaced || !r.namespace) return;
  const ns = s.ctx.store.get('namespaces', undefined, r.namespace);
  if (!ns)
    throw new ApiError(404, 'NotFound', `namespaces "${r.namespace}" not found`, {
      name: r.namespace,
      kind: 'namespaces',
    });
  if (ns.metadata.deletionTimestamp) {
    throw new ApiError(
      403,
      'Forbidden',
      `${r.resource.plural} "${name}" is forbidden: unable to create new content in namespace ${r.namespace} because it is being terminated`,
    );
  }
}

/** What kube-apiserver's create strategies reset or allocate before storing. */
function prepareCreate(ctx: ApiContext, resource: ResourceName, obj: KubeObject): void {
  const meta = obj.metadata;
  delete meta.uid;
  delete meta.resourceVersion;
  delete meta.creationTimestamp;
  delete meta.deletionTimestamp;
  delete meta.deletionGracePeriodSeconds;
  delete meta.generation;
  switch (resource) {
    case 'pods':
      obj.status = { phase: 'Pending', ...(obj.status?.qosClass ? { qosClass: obj.status.qosClass } : {}) };
      break;
    case 'deployments':
    case 'replicasets':
    case 'statefulsets':
    case 'daemonsets':
    case 'poddisruptionbudgets':
      obj.status = {};
      break;
    case 'namespaces':
      obj.spec = { finalizers: ['kubernetes'], ...(obj.spec ?? {}) };
      obj.status = { phase: 'Active' };
      meta.labels = { ...(meta.labels ?? {}), 'kubernetes.io/metadata.name': meta.name };
      break;
    case 'services': {
      const spec = (obj.spec ??= {});
      spec.type ??= 'ClusterIP';
      if (spec.type !== 'ExternalName' && !spec.clusterIP) spec.clusterIP = ctx.nextClusterIp();
      if (spec.clusterIP && !spec.clusterIPs) spec.clusterIPs = [spec.clusterIP];
      spec.sessionAffinity ??= 'None';
      for (const p of (spec.ports ?? []) as Record<string, unknown>[]) {
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
      }
      break;
    }
    default:
      break;
  }
}

/** Unknown fields of a written object: refused, warned about or dropped, as `?fieldValidation=` asks. */
function knownFields(
  s: RequestScope,
  r: ResourceRequest,
  obj: KubeObject,
  verb: 'create' | 'update' | 'patch',
): KubeObject {
  return checkFields(s.res, s.query, obj, r.resource.kind, r.resource.version, verb);
}

async function create(s: RequestScope, r: ResourceRequest): Promise<void> {
  const obj = knownFields(s, r, await bodyObject(s, r), 'create');
  const name = obj.metadata.name || obj.metadata.generateName || '';
  await awaitQuorum(s);
  try {
    checkNamespace(s, r, name);
    prepareCreate(s.ctx, r.resource.name, obj);
    s.ctx.hooks.admit?.(r.resource.name, obj, undefined);
    recordUpdate(undefined, obj, managerOf(s, r));
    if (isDryRun(s)) {
      sendObject(s, r, 201, obj);
      return;
    }
    const created = s.ctx.store.create(r.resource.name, obj);
    sendObject(s, r, 201, created);
  } catch (err) {
    throw toApiError(err, errCtx(r, name));
  }
}

/**
 * The object to store for a write through the main resource: status belongs to the status subresource and
 * is kept as it was, as kube-apiserver's update strategies do.
 */
export function keepStatus(r: ResourceRequest, obj: KubeObject, old: KubeObject): KubeObject {
  if (!EXTRAS[r.resource.name].status) return obj;
  const out = { ...obj };
  if (old.status === undefined) delete out.status;
  else out.status = old.status;
  return out;
}

/** Store an update, finishing the deletion of an object whose last finalizer was just removed. */
export function commitUpdate(
  s: RequestScope,
  r: ResourceRequest,
  obj: KubeObject,
  old: KubeObject,
  expectedVersion: string | undefined,
  admitAs: string,
  applied = false,
): KubeObject {
  obj.metadata.name = old.metadata.name;
  if (old.metadata.namespace) obj.metadata.namespace = old.metadata.namespace;
  s.ctx.hooks.admit?.(admitAs, obj, old);
  // An apply has recorded its fields already; any other write is an Update by its manager.
  if (!applied) recordUpdate(old, obj, managerOf(s, r));
  if (isDryRun(s)) return obj;
  const updated = s.ctx.store.update(r.resource.name, obj, expectedVersion);
  if (
    updated.metadata.deletionTimestamp &&
    (updated.metadata.finalizers ?? []).length === 0 &&
    r.resource.name !== 'pods'
  ) {
    return deleteObject(s.ctx, r.resource.name, updated.metadata.namespace, updated.metadata.name, {});
  }
  return updated;
}

async function replace(s: RequestScope, r: ResourceRequest, name: string): Promise<void> {
  const obj = knownFields(s, r, await bodyObject(s, r), 'update');
  if (obj.metadata.name && obj.metadata.name !== name) {
    throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
  }
  await awaitQuorum(s);
  try {
    const old = s.ctx.store.get(r.resource.name, r.namespace, name);
    if (!old) throw notFoundFor(r.resource.name, name);
    const rv = obj.metadata.resourceVersion || undefined;
    const updated = commitUpdate(s, r, keepStatus(r, obj, old), old, rv, r.resource.name);
    sendObject(s, r, 200, updated);
  } catch (err) {
    throw toApiError(err, errCtx(r, name));
  }
}

/** An apply patch's configuration: an object of this resource named as the URL names it. */
function applyBody(text: string, r: ResourceRequest, name: string): Record<string, unknown> {
  const body = parseYamlBody(text);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest('apply patch must be an object');
  const obj = body as KubeObject;
  if (obj.metadata?.name && obj.metadata.name !== name)
    throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
  asObject(structuredClone(obj), r);
  return { ...obj, metadata: { ...(obj.metadata ?? {}), name, ...(r.namespace ? { namespace: r.namespace } : {}) } };
}

/** Apply a PATCH body of any supported type to `current`; returns the patched document. */
export function patchedDocument(s: RequestScope, current: unknown, text: string): unknown {
  const kind = patchKindOf(s.req.headers['content-type']);
  if (!kind) {
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json',
    );
  }
  if (kind === 'apply') {
    const body = parseYamlBody(text);
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw badRequest('apply patch must be an object');
    // Server-side apply approximated as a strategic merge of the applied configuration.
    return strategicMerge(current, body as Record<string, unknown>);
  }
  return applyPatch(kind, current, parseJson(text));
}

async function patch(s: RequestScope, r: ResourceRequest, name: string): Promise<void> {
  // Read the body first: from here on everything is synchronous, so the patch applies to what is stored.
  const text = await readBody(s.req);
  await awaitQuorum(s);
  const cur = s.ctx.store.get(r.resource.name, r.namespace, name);
  const apply = patchKindOf(s.req.headers['content-type']) === 'apply';
  checkPatchOptions(s, apply);
  try {
    if (apply) {
      // The applied configuration is checked for unknown fields as any patch is.
      const body = knownFields(s, r, asObject(applyBody(text, r, name), r), 'patch');
      const force = truthy(s.query.get('force'));
      const merged = serverSideApply(cur, body, managerOf(s, r), force);
      if (!cur) {
        const obj = asObject(merged, r);
        checkNamespace(s, r, name);
        const managed = obj.metadata.managedFields;
        prepareCreate(s.ctx, r.resource.name, obj);
        s.ctx.hooks.admit?.(r.resource.name, obj, undefined);
        if (managed) obj.metadata.managedFields = managed;
        sendObject(s, r, 201, isDryRun(s) ? obj : s.ctx.store.create(r.resource.name, obj));
        return;
      }
      const obj = asObject(merged, r);
      const updated = commitUpdate(s, r, keepStatus(r, obj, cur), cur, undefined, r.resource.name, true);
      sendObject(s, r, 200, updated);
      return;
    }
    if (!cur) throw notFoundFor(r.resource.name, name);
    const obj = knownFields(s, r, asObject(patchedDocument(s, cur, text), r), 'patch');
    const rv = obj.metadata.resourceVersion;
    // A patch that carries a resourceVersion is conditional on it; otherwise it applies to the latest.
    const expected = rv && rv !== cur.metadata.resourceVersion ? rv : undefined;
    const updated = commitUpdate(s, r, keepStatus(r, obj, cur), cur, expected, r.resource.name);
    sendObject(s, r, 200, updated);
  } catch (err) {
    throw toApiError(err, errCtx(r, name));
  }
}

export async function deleteOptions(s: RequestScope): Promise<DeleteOptions> {
  const opts: DeleteOptions = {};
  const payload = s.req.method === 'DELETE' ? await readPayload(s) : undefined;
  if (payload !== undefined) {
    if (typeof payload !== 'object' || payload === null) throw badRequest('DeleteOptions must be an object');
    const body = payload as Record<string, unknown>;
    if (typeof body.gracePeriodSeconds === 'number') opts.gracePeriodSeconds = body.gracePeriodSeconds;
    if (typeof body.propagationPolicy === 'string')
      opts.propagationPolicy = body.propagationPolicy as DeleteOptions['propagationPolicy'];
    if (body.orphanDependents === true) opts.propagationPolicy = 'Orphan';
    if (typeof body.preconditions === 'object' && body.preconditions) opts.preconditions = body.preconditions;
    if (Array.isArray(body.dryRun) && body.dryRun.includes('All')) opts.dryRun = true;
  }
  const g = s.query.get('gracePeriodSeconds');
  if (g !== null && g !== '') {
    const n = Number(g);
    if (!Number.isInteger(n)) throw badRequest(`invalid gracePeriodSeconds: ${g}`);
    opts.gracePeriodSeconds = n;
  }
  const p = s.query.get('propagationPolicy');
  if (p) {
    if (p !== 'Background' && p !== 'Foreground' && p !== 'Orphan')
      throw badRequest(`propagationPolicy: Unsupported value: "${p}"`);
    opts.propagationPolicy = p;
  }
  if (isDryRun(s)) opts.dryRun = true;
  return opts;
}

async function remove(s: RequestScope, r: ResourceRequest, name: string): Promise<void> {
  const opts = await deleteOptions(s);
  await awaitQuorum(s);
  try {
    const out = deleteObject(s.ctx, r.resource.name, r.namespace, name, opts);
    sendObject(s, r, 200, out);
  } catch (err) {
    throw toApiError(err, errCtx(r, name));
  }
}

async function deleteCollection(s: RequestScope, r: ResourceRequest): Promise<void> {
  const opts = await deleteOptions(s);
  await awaitQuorum(s);
  const q = parsedQuery(s, r);
  const items = sortByKey(s.ctx.store.list(r.resource.name, q));
  try {
    for (const o of items) {
      if (s.ctx.store.get(r.resource.name, o.metadata.namespace, o.metadata.name)) {
        deleteObject(s.ctx, r.resource.name, o.metadata.namespace, o.metadata.name, opts);
      }
    }
  } catch (err) {
    throw toApiError(err, errCtx(r));
  }
  await streamList(s.res, items, String(s.ctx.store.resourceVersion), {
    kind: 'list',
    listKind: `${r.resource.kind}List`,
    apiVersion: apiVersionOf(r.resource),
  });
}
