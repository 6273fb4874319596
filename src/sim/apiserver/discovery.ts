import { EXTRA_GROUPS } from './extra-groups.js';
import { RESOURCES, apiVersionOf, type ResourceName, type ResourceType } from '../../kube/resources.js';

/** What discovery says about a resource beyond src/kube/resources.ts: how kubectl names and groups it. */
interface ResourceExtras {
  singular: string;
  shortNames?: string[];
  /** In the `all` category, so `kubectl get all` lists it. */
  all?: boolean;
  /** Has a status subresource: writes to the main resource leave status alone, and the reverse. */
  status?: boolean;
  scale?: boolean;
}

export const EXTRAS: Record<ResourceName, ResourceExtras> = {
  nodes: { singular: 'node', shortNames: ['no'], status: true },
  pods: { singular: 'pod', shortNames: ['po'], all: true, status: true },
  events: { singular: 'event', shortNames: ['ev'] },
  namespaces: { singular: 'namespace', shortNames: ['ns'], status: true },
  services: { singular: 'service', shortNames: ['svc'], all: true, status: true },
  endpoints: { singular: 'endpoints', shortNames: ['ep'] },
  endpointslices: { singular: 'endpointslice' },
  configmaps: { singular: 'configmap', shortNames: ['cm'] },
  secrets: { singular: 'secret' },
  serviceaccounts: { singular: 'serviceaccount', shortNames: ['sa'] },
  deployments: { singular: 'deployment', shortNames: ['deploy'], all: true, status: true, scale: true },
  replicasets: { singular: 'replicaset', shortNames: ['rs'], all: true, status: true, scale: true },
  statefulsets: { singular: 'statefulset', shortNames: ['sts'], all: true, status: true, scale: true },
  daemonsets: { singular: 'daemonset', shortNames: ['ds'], all: true, status: true },
  controllerrevisions: { singular: 'controllerrevision' },
  poddisruptionbudgets: { singular: 'poddisruptionbudget', shortNames: ['pdb'], status: true },
  leases: { singular: 'lease' },
  // Stored and served, not acted on: the simulator runs no Jobs and enforces no RBAC. They are here so
  // that `gameday schedule`'s manifests apply to it as to a cluster.
  persistentvolumeclaims: { singular: 'persistentvolumeclaim', shortNames: ['pvc'], status: true },
  jobs: { singular: 'job', all: true, status: true },
  cronjobs: { singular: 'cronjob', shortNames: ['cj'], all: true, status: true },
  roles: { singular: 'role' },
  rolebindings: { singular: 'rolebinding' },
  clusterroles: { singular: 'clusterrole' },
  clusterrolebindings: { singular: 'clusterrolebinding' },
};

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const PROXY_VERBS = ['create', 'delete', 'get', 'patch', 'update'];

export interface ServedResource extends ResourceType {
  name: ResourceName;
}

export const SERVED: ServedResource[] = (Object.keys(RESOURCES) as ResourceName[]).map((name) => ({
  name,
  ...RESOURCES[name],
}));

/** Group versions served, core first, in the order kube-apiserver lists them. */
export function groupVersions(): { group: string; version: string }[] {
  const seen = new Map<string, { group: string; version: string }>();
  for (const r of SERVED) seen.set(apiVersionOf(r), { group: r.group, version: r.version });
  return [...seen.values()];
}

export function findResource(group: string, version: string, plural: string): ServedResource | undefined {
  return SERVED.find((r) => r.group === group && r.version === version && r.plural === plural);
}

export function hasGroupVersion(group: string, version: string): boolean {
  return groupVersions().some((gv) => gv.group === group && gv.version === version);
}

export function apiVersions(serverAddress: string): unknown {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

export function apiGroupList(): unknown {
  const groups = [...groupVersions(), ...EXTRA_GROUPS]
    .filter((gv) => gv.group !== '')
    .map((gv) => {
      const v = { groupVersion: `${gv.group}/${gv.version}`, version: gv.version };
      return { name: gv.group, versions: [v], preferredVersion: v };
    });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiGroup(group: string): unknown {
  const gv = [...groupVersions(), ...EXTRA_GROUPS].find((g) => g.group === group && group !== '');
  if (!gv) return undefined;
  const v = { groupVersion: `${gv.group}/${gv.version}`, version: gv.version };
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: [v], preferredVersion: v };
}

/** An APIResourceList with the verbs, short names and subresources kubectl's RESTMapper and scale client need. */
export function apiResourceList(group: string, version: string): unknown {
  const gv = group ? `${group}/${version}` : version;
  const resources: unknown[] = [];
  for (const r of SERVED) {
    if (r.group !== group || r.version !== version) continue;
    const x = EXTRAS[r.name];
    resources.push({
      name: r.plural,
      singularName: x.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: VERBS,
      ...(x.shortNames ? { shortNames: x.shortNames } : {}),
      ...(x.all ? { categories: ['all'] } : {}),
      storageVersionHash: hash(`${gv}/${r.plural}`),
    });
    if (x.status) {
      resources.push({
        name: `${r.plural}/status`,
        singularName: '',
        namespaced: r.namespaced,
        kind: r.kind,
        verbs: ['get', 'patch', 'update'],
      });
    }
    if (x.scale) {
      resources.push({
        name: `${r.plural}/scale`,
        singularName: '',
        namespaced: r.namespaced,
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
        verbs: ['get', 'patch', 'update'],
      });
    }
    if (r.name === 'pods') {
      resources.push(
        { name: 'pods/binding', singularName: '', namespaced: true, kind: 'Binding', verbs: ['create'] },
        {
          name: 'pods/eviction',
          singularName: '',
          namespaced: true,
          group: 'policy',
          version: 'v1',
          kind: 'Eviction',
          verbs: ['create'],
        },
        { name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] },
        // Connect subresources: listed as kube-apiserver lists them; the simulator refuses them (connect.ts).
        { name: 'pods/attach', singularName: '', namespaced: true, kind: 'PodAttachOptions', verbs: ['create', 'get'] },
        { name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] },
        {
          name: 'pods/portforward',
          singularName: '',
          namespaced: true,
          kind: 'PodPortForwardOptions',
          verbs: ['create', 'get'],
        },
        { name: 'pods/proxy', singularName: '', namespaced: true, kind: 'PodProxyOptions', verbs: PROXY_VERBS },
      );
    }
    if (r.name === 'services' || r.name === 'nodes') {
      const kind = r.name === 'services' ? 'ServiceProxyOptions' : 'NodeProxyOptions';
      resources.push({
        name: `${r.plural}/proxy`,
        singularName: '',
        namespaced: r.namespaced,
        kind,
        verbs: PROXY_VERBS,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources };
}

export function versionInfo(gitVersion: string): unknown {
  const m = /^v(\d+)\.(\d+)/.exec(gitVersion);
  return {
    major: m?.[1] ?? '1',
    minor: m?.[2] ?? '32',
    gitVersion,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'go1.23.4',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

/** A short stable hash, for storageVersionHash and OpenAPI URLs' cache-busting parameter. */
export function hash(text: string): string {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return (h >>> 0).toString(36).padStart(7, '0').slice(0, 11);
}
