import { findResource, hasGroupVersion, type ServedResource } from './discovery.js';

/** A request for a resource, an object or a subresource, from its REST path. */
export interface ResourceRequest {
  resource: ServedResource;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  /** The legacy `/watch/` path prefix client-go still understands. */
  watchPrefix: boolean;
}

export type Route =
  | { kind: 'resource'; req: ResourceRequest }
  | { kind: 'groupVersion'; group: string; version: string }
  | { kind: 'unknown' };

/**
 * /api/v1/[watch/][namespaces/<ns>/]<resource>[/<name>[/<subresource>]] and the same under
 * /apis/<group>/<version>. `/api/v1/namespaces/<ns>` is the namespace object itself.
 */
export function route(pathname: string): Route {
  const segs = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segs[0] === 'api' && segs.length >= 2) {
    group = '';
    version = segs[1]!;
    rest = segs.slice(2);
  } else if (segs[0] === 'apis' && segs.length >= 3) {
    group = segs[1]!;
    version = segs[2]!;
    rest = segs.slice(3);
  } else return { kind: 'unknown' };
  if (!hasGroupVersion(group, version)) return { kind: 'unknown' };
  if (rest.length === 0) return { kind: 'groupVersion', group, version };
  let watchPrefix = false;
  if (rest[0] === 'watch') {
    watchPrefix = true;
    rest = rest.slice(1);
  }
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const inner = findResource(group, version, rest[2]!);
    if (inner?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
  }
  // A proxy subresource carries the path to proxy to after it (services/<name>/proxy/<path>).
  if (rest[2] === 'proxy' && rest.length > 3) rest = rest.slice(0, 3);
  if (rest.length === 0 || rest.length > 3) return { kind: 'unknown' };
  const resource = findResource(group, version, rest[0]!);
  if (!resource) return { kind: 'unknown' };
  if (resource.namespaced === false && namespace !== undefined) return { kind: 'unknown' };
  return { kind: 'resource', req: { resource, namespace, name: rest[1], subresource: rest[2], watchPrefix } };
}
