import { ApiError, badRequest } from './status.js';

/**
 * ListOptions as kube-apiserver reads them from the query and validates them
 * (apimachinery/pkg/apis/meta/internalversion/validation ValidateListOptions): 422 `ListOptions.meta.k8s.io
 * "" is invalid` with its field errors.
 */
export interface ListOptions {
  resourceVersion: string | undefined;
  resourceVersionMatch: 'Exact' | 'NotOlderThan' | undefined;
  limit: number | undefined;
  continueToken: string | undefined;
  watch: boolean;
}

export function listOptions(q: URLSearchParams, watch: boolean): ListOptions {
  const rv = q.get('resourceVersion') ?? undefined;
  const match = q.get('resourceVersionMatch') || undefined;
  const cont = q.get('continue') || undefined;
  const limitText = q.get('limit');
  let limit: number | undefined;
  if (limitText !== null && limitText !== '') {
    const n = Number(limitText);
    if (!Number.isInteger(n)) throw badRequest(`invalid value for limit: ${limitText}`);
    // A limit of 0 or less means no limit.
    if (n > 0) limit = n;
  }
  const errors: { field: string; reason: string; message: string }[] = [];
  const forbidden = (message: string): void => {
    errors.push({ field: 'resourceVersionMatch', reason: 'FieldValueForbidden', message: `Forbidden: ${message}` });
  };
  if (match !== undefined) {
    if (watch) forbidden('resourceVersionMatch is forbidden for watch');
    if (!rv) forbidden('resourceVersionMatch is forbidden unless resourceVersion is provided');
    if (cont) forbidden('resourceVersionMatch is forbidden when continue is provided');
    if (match !== 'Exact' && match !== 'NotOlderThan') {
      errors.push({
        field: 'resourceVersionMatch',
        reason: 'FieldValueNotSupported',
        message: `Unsupported value: "${match}": supported values: "Exact", "NotOlderThan", ""`,
      });
    }
    if (match === 'Exact' && rv === '0') forbidden('resourceVersionMatch "exact" is forbidden for resourceVersion "0"');
  }
  if (errors.length > 0) {
    const text = errors.map((e) => `${e.field}: ${e.message}`);
    throw new ApiError(
      422,
      'Invalid',
      `ListOptions.meta.k8s.io "" is invalid: ${text.length === 1 ? text[0] : `[${text.join(', ')}]`}`,
      { group: 'meta.k8s.io', kind: 'ListOptions', causes: errors },
    );
  }
  return {
    resourceVersion: rv,
    resourceVersionMatch: match as ListOptions['resourceVersionMatch'],
    limit,
    continueToken: cont,
    watch,
  };
}

/** A resourceVersion as a number (400 as kube-apiserver words it when it is not one). */
export function parseResourceVersion(rv: string): number {
  const n = Number(rv);
  if (!/^\d+$/.test(rv) || !Number.isSafeInteger(n)) throw badRequest(`invalid resource version: ${rv}`);
  return n;
}

/** apiserver/pkg/storage continue tokens: base64url of {"v":"meta.k8s.io/v1","rv":N,"start":"<key>\u0000"}. */
export function encodeContinue(start: string, rv: number): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start })).toString('base64url');
}

export function decodeContinue(token: string): { start: string; rv: number } {
  const invalid = (why: string): ApiError => badRequest(`invalid continue token: ${why}`);
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]*$/.test(token)) throw new Error('illegal base64 data');
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch (err) {
    throw invalid(`continue key is not valid: ${err instanceof Error ? err.message : String(err)}`);
  }
  const c = (typeof parsed === 'object' && parsed !== null ? parsed : {}) as {
    v?: unknown;
    rv?: unknown;
    start?: unknown;
  };
  if (c.v !== 'meta.k8s.io/v1')
    throw invalid(
      `continue key is not valid: server does not recognize this encoded version ${typeof c.v === 'string' ? c.v : ''}`,
    );
  if (typeof c.rv !== 'number' || c.rv === 0)
    throw invalid('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (typeof c.start !== 'string' || c.start === '')
    throw invalid('continue key is not valid: encoded start key empty (version meta.k8s.io/v1)');
  return { start: c.start, rv: c.rv };
}
