/**
 * kube-apiserver's etcd key layout: `/registry/<resource prefix>/<namespace>/<name>` for namespaced objects,
 * `/registry/<resource prefix>/<name>` for cluster-scoped ones. The prefix is the plural resource name,
 * except where Kubernetes kept historical names: nodes live under `minions`, services under
 * `services/specs` and endpoints under `services/endpoints`. API groups do not appear in the key
 * (`/registry/deployments/...`, `/registry/leases/...`).
 */
export const REGISTRY_PREFIX = '/registry/';

const HISTORICAL: Readonly<Record<string, string>> = {
  nodes: 'minions',
  services: 'services/specs',
  endpoints: 'services/endpoints',
};

const BY_PREFIX = new Map(Object.entries(HISTORICAL).map(([resource, prefix]) => [prefix, resource]));

export function registryKey(resource: string, namespace: string | undefined, name: string): string {
  const prefix = HISTORICAL[resource] ?? resource;
  return namespace ? `${REGISTRY_PREFIX}${prefix}/${namespace}/${name}` : `${REGISTRY_PREFIX}${prefix}/${name}`;
}

export interface ParsedRegistryKey {
  resource: string;
  namespace: string | undefined;
  name: string;
}

/**
 * The object a registry key names, or undefined for keys that are not objects (`/registry/health`, keys of
 * resources laid out differently). Names and namespaces cannot contain `/`, so the segment count tells
 * namespaced keys from cluster-scoped ones.
 */
export function parseRegistryKey(key: string): ParsedRegistryKey | undefined {
  if (!key.startsWith(REGISTRY_PREFIX)) return undefined;
  const parts = key.slice(REGISTRY_PREFIX.length).split('/');
  let resource: string;
  let rest: string[];
  const two = parts.length >= 2 ? BY_PREFIX.get(`${parts[0]}/${parts[1]}`) : undefined;
  if (two !== undefined) {
    resource = two;
    rest = parts.slice(2);
  } else {
    resource = BY_PREFIX.get(parts[0] ?? '') ?? parts[0] ?? '';
    rest = parts.slice(1);
  }
  if (resource === '' || rest.some((p) => p === '')) return undefined;
  if (rest.length === 1) return { resource, namespace: undefined, name: rest[0]! };
  if (rest.length === 2) return { resource, namespace: rest[0], name: rest[1]! };
  return undefined;
}

export { prefixRangeEnd } from '../../etcd/gateway.js';
