import { resourcePath } from '../../kube/resources.js';
import { SERVED, groupVersions, hash } from './discovery.js';

/**
 * Just enough OpenAPI v3 for kubectl: `kubectl apply` (and create, replace, run) ask the v3 document of the
 * object's group version whether its PATCH operation takes the `fieldValidation` parameter. When it does,
 * validation is left to the server and kubectl never downloads the v2 schema (which it would otherwise
 * need, and fail without). The PATCH operations carry no request body description, so kubectl computes
 * strategic merge patches from its compiled-in types, exactly as for a server without schemas.
 * /openapi/v2 stays 404: `kubectl explain` is the one command that needs real schemas.
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

function gvDocument(group: string, version: string): unknown {
  const paths: Record<string, unknown> = {};
  for (const r of SERVED) {
    if (r.group !== group || r.version !== version) continue;
    const gvk = { group, version, kind: r.kind };
    const op = (verb: string, action: string, withParams: boolean): unknown => ({
      description: `${verb} ${r.kind}`,
      operationId: `${verb}${r.kind}`,
      parameters: withParams ? QUERY_PARAMS : [],
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
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.32.0' },
    paths,
    components: { schemas: {} },
  };
}

export function openApi(path: string, _query: URLSearchParams): unknown {
  if (path === '/openapi/v3') {
    const paths: Record<string, unknown> = {};
    for (const gv of groupVersions()) {
      const key = gvKey(gv.group, gv.version);
      paths[key] = {
        serverRelativeURL: `/openapi/v3/${key}?hash=${hash(JSON.stringify(gvDocument(gv.group, gv.version))).toUpperCase()}`,
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
