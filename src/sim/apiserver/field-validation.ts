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
 * A field of the wrong type fails the request (400, Go's decoding error). Unknown fields in a written
 * object are handled as kube-apiserver's decoder does: Strict refuses the request
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
  const { unknown, pruned, typeError } = unknownFields(model, obj);
  const refuse = (detail: string): never => {
    throw badRequest(
      verb === 'patch' ? detail : `${kind} in version "${version}" cannot be handled as a ${kind}: ${detail}`,
    );
  };
  if (typeError) refuse(typeError);
  if (unknown.length === 0) return obj;
  const listed = unknown.map((f) => `unknown field "${f}"`);
  if (mode === 'Strict') refuse(`strict decoding error: ${listed.join(', ')}`);
  if (mode === 'Warn') {
    const prior = res.getHeader('Warning');
    const headers = prior === undefined ? [] : Array.isArray(prior) ? prior : [String(prior)];
    res.setHeader('Warning', [...headers, ...listed.map((w) => `299 - ${JSON.stringify(w)}`)]);
  }
  return pruned as KubeObject;
}
