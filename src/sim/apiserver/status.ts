import { StoreError } from '../store/store.js';
import { SelectorError } from '../store/selectors.js';

/** A cause in a Status' details, as kube-apiserver words them for 422 Invalid. */
export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

/**
 * A request the apiserver answers with a Kubernetes Status instead of an object. Thrown by handlers and
 * turned into the response in one place, so every failure has the shape clients parse.
 */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
    /** The Status' list metadata: a 410 for an expired continue token carries the token to go on with. */
    readonly listMeta?: { continue?: string },
  ) {
    super(message);
  }
}

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: { continue?: string };
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export function statusOf(err: ApiError): KubeStatus {
  const s: KubeStatus = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: err.listMeta ? { ...err.listMeta } : {},
    status: 'Failure',
    message: err.message,
    code: err.code,
  };
  if (err.reason) s.reason = err.reason;
  if (err.details) s.details = err.details;
  return s;
}

export function successStatus(code = 200, details?: StatusDetails): KubeStatus {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code, ...(details ? { details } : {}) };
}

/** `pods "x" not found`, with the details kubectl uses to print `Error from server (NotFound): ...`. */
export function notFound(resource: string, name: string, group = ''): ApiError {
  const qualified = group ? `${resource}.${group}` : resource;
  return new ApiError(404, 'NotFound', `${qualified} "${name}" not found`, {
    name,
    ...(group ? { group } : {}),
    kind: resource,
  });
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function methodNotAllowed(method: string): ApiError {
  return new ApiError(
    405,
    'MethodNotAllowed',
    `the server does not allow this method on the requested resource (${method})`,
  );
}

/** Turn whatever a handler threw into the Status kube-apiserver would send. */
export function toApiError(
  err: unknown,
  ctx: { resource?: string; group?: string; name?: string; kind?: string } = {},
): ApiError {
  if (err instanceof ApiError) return err;
  const details: StatusDetails = {
    ...(ctx.name ? { name: ctx.name } : {}),
    ...(ctx.group ? { group: ctx.group } : {}),
    ...(ctx.resource ? { kind: ctx.resource } : {}),
  };
  if (err instanceof StoreError) {
    switch (err.reason) {
      case 'NotFound':
        return new ApiError(404, 'NotFound', qualify(err.message, ctx.group), details);
      case 'AlreadyExists':
        return new ApiError(409, 'AlreadyExists', qualify(err.message, ctx.group), details);
      case 'Conflict':
        return new ApiError(409, 'Conflict', qualify(err.message, ctx.group), details);
      case 'Gone':
        return new ApiError(410, 'Expired', err.message);
      case 'Invalid': {
        const causes = err.causes.map((c) => ({
          reason: c.reason ?? 'FieldValueInvalid',
          message: c.message,
          field: c.field,
        }));
        const kind = ctx.kind ? (ctx.group ? `${ctx.kind}.${ctx.group}` : ctx.kind) : 'Object';
        const what = `${kind} "${ctx.name ?? ''}" is invalid`;
        // errs.ToAggregate(): each distinct message once.
        const listed = [...new Set(causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)))];
        const msg =
          listed.length === 0
            ? `${what}: ${err.message}`
            : listed.length === 1
              ? `${what}: ${listed[0]}`
              : `${what}: [${listed.join(', ')}]`;
        return new ApiError(422, 'Invalid', msg, { ...details, ...(ctx.kind ? { kind: ctx.kind } : {}), causes });
      }
      case 'Unavailable':
        // kube-apiserver passes etcd's words through: `Error from server: etcdserver: request timed out`.
        if (/time allotted/.test(err.message)) {
          return new ApiError(504, 'Timeout', err.message, { ...details, retryAfterSeconds: 1 });
        }
        return new ApiError(500, '', err.message);
    }
  }
  if (err instanceof SelectorError) return badRequest(err.message);
  return new ApiError(
    500,
    'InternalError',
    `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`,
  );
}

/** The store says `deployments "x" ...`; kube-apiserver says `deployments.apps "x" ...` for named groups. */
function qualify(message: string, group: string | undefined): string {
  if (!group) return message;
  return message
    .replace(/^(\w+) "/, (_m, r: string) => `${r}.${group} "`)
    .replace(/on (\w+) "/, (_m, r: string) => `on ${r}.${group} "`);
}
