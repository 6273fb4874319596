import type { KubeObject } from '../../kube/objects.js';
import { deleteObject, notFoundFor } from './deletion.js';
import { EXTRAS } from './discovery.js';
import { readBody, sendJson } from './http.js';
import { podLog } from './log-stream.js';
import { awaitQuorum } from './park.js';
import { isConnect, refuseConnect } from './connect.js';
import {
  checkReadable,
  commitUpdate,
  patchedDocument,
  readPayload,
  sendObject,
  type RequestScope,
} from './handlers.js';
import type { ResourceRequest } from './routes.js';
import { ApiError, badRequest, methodNotAllowed, successStatus, toApiError } from './status.js';
import { selectorString } from './table.js';

/** status, scale, pods/eviction, pods/log, pods/binding, namespaces/finalize. */
export async function handleSubresource(s: RequestScope, r: ResourceRequest): Promise<void> {
  const sub = r.subresource ?? '';
  const name = r.name ?? '';
  const res = r.resource.name;
  if (sub === 'status' && EXTRAS[res].status) return status(s, r, name);
  if (sub === 'finalize' && res === 'namespaces') return status(s, r, name);
  if (sub === 'scale' && EXTRAS[res].scale) return scale(s, r, name);
  if (res === 'pods' && sub === 'eviction') return evict(s, r, name);
  if (res === 'pods' && sub === 'log') return podLog(s, r, name);
  if (res === 'pods' && sub === 'binding') return bind(s, r, name);
  if (isConnect(r)) refuseConnect(s, r);
  throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
}

function current(s: RequestScope, r: ResourceRequest, name: string): KubeObject {
  const obj = s.ctx.store.get(r.resource.name, r.namespace, name);
  if (!obj) throw notFoundFor(r.resource.name, name);
  return obj;
}

function ctxOf(r: ResourceRequest, name: string): { resource: string; group: string; name: string; kind: string } {
  return { resource: r.resource.plural, group: r.resource.group, name, kind: r.resource.kind };
}

/**
 * A PUT or PATCH to a subresource, its body read now: gives the document written, the PUT's body or the
 * PATCH applied to what the subresource shows.
 */
async function readWrite(s: RequestScope, method: string): Promise<(shown: unknown) => unknown> {
  if (method === 'PUT') {
    const payload = await readPayload(s);
    return () => payload;
  }
  if (method !== 'PATCH') throw methodNotAllowed(method);
  const text = await readBody(s.req);
  return (shown) => patchedDocument(s, shown, text);
}

/** Writes through /status change status only (and /finalize spec.finalizers only), as the status strategies do. */
async function status(s: RequestScope, r: ResourceRequest, name: string): Promise<void> {
  const method = s.req.method ?? 'GET';
  if (method === 'GET') {
    await checkReadable(s);
    sendObject(s, r, 200, current(s, r, name));
    return;
  }
  const written = await readWrite(s, method);
  await awaitQuorum(s);
  try {
    const cur = current(s, r, name);
    const body = written(cur) as KubeObject;
    if (typeof body !== 'object' || body === null) throw badRequest('the body must be an object');
    const next: KubeObject = { ...cur };
    if (r.subresource === 'finalize') next.spec = { ...(cur.spec ?? {}), finalizers: body.spec?.finalizers ?? [] };
    else if (body.status === undefined) delete next.status;
    else next.status = body.status;
    const rv = body.metadata?.resourceVersion;
    const expected = rv && rv !== cur.metadata.resourceVersion ? rv : undefined;
    const updated = commitUpdate(s, r, next, cur, expected, `${r.resource.name}/${r.subresource ?? 'status'}`);
    sendObject(s, r, 200, updated);
  } catch (err) {
    throw toApiError(err, ctxOf(r, name));
  }
}

function scaleOf(obj: KubeObject): KubeObject {
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: obj.metadata.name,
      ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
      ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}),
      ...(obj.metadata.resourceVersion ? { resourceVersion: obj.metadata.resourceVersion } : {}),
      ...(obj.metadata.creationTimestamp ? { creationTimestamp: obj.metadata.creationTimestamp } : {}),
    },
    spec: { replicas: (obj.spec?.replicas as number | undefined) ?? 1 },
    status: {
      replicas: (obj.status?.replicas as number | undefined) ?? 0,
      ...(obj.spec?.selector ? { selector: selectorString(obj.spec.selector) } : {}),
    },
  };
}

/** autoscaling/v1 Scale: what `kubectl scale` reads and patches. */
async function scale(s: RequestScope, r: ResourceRequest, name: string): Promise<void> {
  const method = s.req.method ?? 'GET';
  if (method === 'GET') {
    await checkReadable(s);
    sendJson(s.res, 200, scaleOf(current(s, r, name)));
    return;
  }
  const written = await readWrite(s, method);
  await awaitQuorum(s);
  try {
    const cur = current(s, r, name);
    const body = written(scaleOf(cur)) as KubeObject;
    const replicas: unknown = body?.spec?.replicas;
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw new ApiError(
        422,
        'Invalid',
        `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
        {
          name,
          group: 'autoscaling',
          kind: 'Scale',
          causes: [
            {
              reason: 'FieldValueInvalid',
              message: 'Invalid value: must be greater than or equal to 0',
              field: 'spec.replicas',
            },
          ],
        },
      );
    }
    const rv = body.metadata?.resourceVersion;
    const expected = rv && rv !== cur.metadata.resourceVersion ? rv : undefined;
    const next: KubeObject = { ...cur, spec: { ...(cur.spec ?? {}), replicas } };
    const updated = commitUpdate(s, r, next, cur, expected, r.resource.name);
    sendJson(s.res, 200, scaleOf(updated));
  } catch (err) {
    throw toApiError(err, ctxOf(r, name));
  }
}

/** policy/v1 Eviction: the hook decides (PodDisruptionBudgets); an allowed eviction deletes the pod gracefully. */
async function evict(s: RequestScope, r: ResourceRequest, name: string): Promise<void> {
  const method = s.req.method ?? 'GET';
  if (method !== 'POST') throw methodNotAllowed(method);
  const body = ((await readPayload(s)) ?? {}) as {
    metadata?: { name?: string };
    deleteOptions?: Record<string, unknown>;
  };
  if (body.metadata?.name && body.metadata.name !== name) {
    throw badRequest(`name in URL does not match name in Eviction object`);
  }
  const ns = r.namespace ?? 'default';
  await awaitQuorum(s);
  try {
    current(s, r, name);
    const verdict = s.ctx.hooks.evict?.(ns, name) ?? { allowed: true as const };
    if (!verdict.allowed) {
      const reason =
        verdict.status === 429
          ? 'TooManyRequests'
          : verdict.status === 500
            ? 'InternalError'
            : verdict.status === 403
              ? 'Forbidden'
              : '';
      const causes = (verdict.causes ?? []).map((c) => ({
        reason: c.reason ?? 'DisruptionBudget',
        message: c.message,
      }));
      throw new ApiError(verdict.status, reason, verdict.message, causes.length > 0 ? { causes } : undefined);
    }
    const d = body.deleteOptions ?? {};
    deleteObject(s.ctx, 'pods', ns, name, {
      ...(typeof d.gracePeriodSeconds === 'number' ? { gracePeriodSeconds: d.gracePeriodSeconds } : {}),
      ...(typeof d.preconditions === 'object' && d.preconditions ? { preconditions: d.preconditions } : {}),
      ...(s.query.getAll('dryRun').includes('All') ? { dryRun: true } : {}),
    });
    sendJson(s.res, 201, successStatus(201));
  } catch (err) {
    throw toApiError(err, ctxOf(r, name));
  }
}

/** pods/binding: what a scheduler posts to place a pod. */
async function bind(s: RequestScope, r: ResourceRequest, name: string): Promise<void> {
  if ((s.req.method ?? 'GET') !== 'POST') throw methodNotAllowed(s.req.method ?? '');
  const body = ((await readPayload(s)) ?? {}) as { target?: { name?: string } };
  const node = body.target?.name;
  if (!node) throw badRequest('Binding.target.name is required');
  await awaitQuorum(s);
  try {
    const pod = current(s, r, name);
    if (pod.spec?.nodeName) {
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on pods/binding "${name}": pod ${name} is already assigned to node "${String(pod.spec.nodeName)}"`,
      );
    }
    if (pod.metadata.deletionTimestamp) {
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on pods/binding "${name}": pod ${name} is being deleted, cannot be assigned to a host`,
      );
    }
    s.ctx.store.update('pods', { ...pod, spec: { ...(pod.spec ?? {}), nodeName: node } });
    sendJson(s.res, 201, successStatus(201));
  } catch (err) {
    throw toApiError(err, ctxOf(r, name));
  }
}
