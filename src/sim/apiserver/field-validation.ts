import type { ServerResponse } from 'node:http';
import type { KubeObject } from '../../kube/objects.js';
import { attributesOf, modelOfKind, unknownFields } from './models.js';
import { badRequest } from './status.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** `?fieldValidation=`: kubectl's --validate=strict sends Strict, =warn Warn, =false Ignore; Warn by default. */
export function fieldValidationOf(query: URLSearchParams): FieldValidation {
  const v = query.get('fieldValidation');
  if (v === null || v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw badRequest(`fieldValidation parameter unsupported: ${v}`);
}

/**
 * Unknown fields in a written object, handled as kube-apiserver's decoder does: Strict refuses the request
 * (400, `strict decoding error: unknown field "spec.foo"`), Warn answers with one `Warning` header per field
 * and drops them, Ignore drops them silently. Returns the object to go on with.
 */
export function checkFields(
  res: ServerResponse,
  query: URLSearchParams,
  obj: KubeObject,
  kind: string,
  version: string,
  verb: 'create' | 'update' | 'patch',
): KubeObject {
  const mode = fieldValidationOf(query);
  const model = modelOfKind(kind);
  if (!attributesOf(model)) return obj;
  const { unknown, pruned } = unknownFields(model, obj);
  if (unknown.length === 0) return obj;
  const listed = unknown.map((f) => `unknown field "${f}"`);
  if (mode === 'Strict') {
    const detail = `strict decoding error: ${listed.join(', ')}`;
    throw badRequest(
      verb === 'patch' ? detail : `${kind} in version "${version}" cannot be handled as a ${kind}: ${detail}`,
    );
  }
  if (mode === 'Warn') {
    const prior = res.getHeader('Warning');
    const headers = prior === undefined ? [] : Array.isArray(prior) ? prior : [String(prior)];
    res.setHeader('Warning', [...headers, ...listed.map((w) => `299 - ${JSON.stringify(w)}`)]);
  }
  return pruned as KubeObject;
}
