import { resourcePath } from '../../kube/resources.js';
import { SERVED, groupVersions, hash } from './discovery.js';
import { SchemaSet, definitionNames } from './openapi-schemas.js';
import { encodeOpenApiV2 } from './proto/openapi-v2.js';

/**
 * OpenAPI for kubectl. `kubectl apply` (and create, replace, run) ask the v3 document of the object's group
 * version whether its PATCH operation takes the `fieldValidation` parameter; it does, so validation is left
 * to the server (which validates strictly, see field-validation.ts). `kubectl explain` reads the schemas of
 * the v3 documents (`x-kubernetes-group-version-kind`, properties, descriptions); /openapi/v2 serves the
 * same schemas as one Swagger 2.0 document, in JSON or in the protobuf kubectl asks for (apply and diff read
 * the lists' patch strategies from it).
 */
function gvKey(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const QUERY_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation'].map((name) => ({
  name,
  in: 'query',
  description: name,
  schema: { type: 'string', uniqueItems: true },
}));

function operations(group: string, version: string, withParams: (p: unknown[]) => unknown[]): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const r of SERVED) {
    if (r.group !== group || r.version !== version) continue;
    const gvk = { group, version, kind: r.kind };
    const op = (verb: string, action: string, params: boolean): unknown => ({
      description: `${verb} ${r.kind}`,
      operationId: `${verb}${r.kind}`,
      parameters: params ? withParams(QUERY_PARAMS) : [],
      responses: { '200': { description: 'OK' } },
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
    });
    const item = resourcePath(r, r.namespaced ? '{namespace}' : undefined, '{name}')
      .replace(/%7B/g, '{')
      .replace(/%7D/g, '}');
    const collection = resourcePath(r, r.namespaced ? '{namespace}' : undefined)
      .replace(/%7B/g, '{')
      .replace(/%7D/g, '}');
    paths[collection] = { get: op('list', 'list', false), post: op('create', 'post', true) };
    paths[item] = {
      get: op('read', 'get', false),
      put: op('replace', 'put', true),
      patch: op('patch', 'patch', true),
      delete: op('delete', 'delete', false),
    };
  }
  return paths;
}

const documents = new Map<string, unknown>();
let names: ReadonlyMap<string, string> | undefined;

function definitionNamesOfServed(): ReadonlyMap<string, string> {
  names ??= definitionNames(SERVED.map((r) => ({ group: r.group, version: r.version, kind: r.kind })));
  return names;
}

/** One group version's OpenAPI v3 document: its operations and the schemas of its kinds. Built once. */
function gvDocument(group: string, version: string): unknown {
  const key = gvKey(group, version);
  const cached = documents.get(key);
  if (cached) return cached;
  const schemas = new SchemaSet('#/components/schemas/', 'v3', definitionNamesOfServed());
  for (const r of SERVED)
    if (r.group === group && r.version === version) schemas.addKind({ group, version, kind: r.kind });
  const doc = {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths: operations(group, version, (p) => p),
    components: { schemas: schemas.schemas },
  };
  documents.set(key, doc);
  return doc;
}

const hashes = new Map<string, string>();

function documentHash(group: string, version: string): string {
  const key = gvKey(group, version);
  let h = hashes.get(key);
  if (h === undefined) {
    h = hash(JSON.stringify(gvDocument(group, version))).toUpperCase();
    hashes.set(key, h);
  }
  return h;
}

/** The whole API as one Swagger 2.0 document, as /openapi/v2 serves it. */
function v2Document(): unknown {
  const cached = documents.get('v2');
  if (cached) return cached;
  const schemas = new SchemaSet('#/definitions/', 'v2', definitionNamesOfServed());
  const paths: Record<string, unknown> = {};
  for (const gv of groupVersions()) {
    for (const r of SERVED)
      if (r.group === gv.group && r.version === gv.version)
        schemas.addKind({ group: gv.group, version: gv.version, kind: r.kind });
    Object.assign(
      paths,
      operations(gv.group, gv.version, (params) =>
        (params as { name: string; in: string; description: string }[]).map((p) => ({
          name: p.name,
          in: p.in,
          description: p.description,
          type: 'string',
          uniqueItems: true,
        })),
      ),
    );
  }
  const doc = {
    swagger: '2.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    definitions: schemas.schemas,
  };
  documents.set('v2', doc);
  return doc;
}

let v2Protobuf: Buffer | undefined;

/** /openapi/v2 as gnostic protobuf, which is how kubectl asks for it. */
export function openApiV2Protobuf(): Buffer {
  v2Protobuf ??= encodeOpenApiV2(v2Document() as Record<string, unknown>);
  return v2Protobuf;
}

export function openApi(path: string, _query: URLSearchParams): unknown {
  if (path === '/openapi/v2') return v2Document();
  if (path === '/openapi/v3') {
    const paths: Record<string, unknown> = {};
    for (const gv of groupVersions()) {
      const key = gvKey(gv.group, gv.version);
      paths[key] = {
        serverRelativeURL: `/openapi/v3/${key}?hash=${documentHash(gv.group, gv.version)}`,
      };
    }
    return { paths };
  }
  const m = /^\/openapi\/v3\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
  if (!m) return undefined;
  const group = m[1] ? '' : (m[2] ?? '');
  const version = m[1] ?? m[3] ?? '';
  if (!groupVersions().some((gv) => gv.group === group && gv.version === version)) return undefined;
  return gvDocument(group, version);
}
