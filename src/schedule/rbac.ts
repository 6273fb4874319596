import { RESOURCES } from '../kube/resources.js';
import type { Experiment, ItemBase } from '../experiment/types.js';

/**
 * The Kubernetes API access each fault, recovery step and probe needs when a drill runs in-cluster against
 * the cluster it runs in (`--target lab` from a CronJob): the roles `gameday schedule` writes are the union
 * of the rows of the types the chosen experiments use, and nothing else.
 *
 * Each row says what the plugin's code calls, read from the code: kube.get/list/patch/create/delete, the
 * scale and eviction subresources, informers (list + watch), raw GETs. A call on a named object in a known
 * namespace is granted in that namespace only (a Role); informers without a namespace and cluster-scoped
 * resources need the ClusterRole. Host-level actions (systemctl, power, network, etcdctl, manifests) go
 * over ssh and need no API access: their rows hold only what selecting nodes needs (resolving a node
 * selector and the blast-radius check list nodes). A type without a row gets read-only access and is
 * reported, and a test fails for every registered plugin without a row, so a new plugin shows up rather
 * than silently getting broader rights.
 */

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

/** One grant: verbs on one resource of one API group, cluster-wide or in one namespace. */
export interface Grant {
  group: string;
  resource: string;
  verbs: readonly string[];
  /** Only in this namespace (a Role); cluster-wide when absent. */
  namespace?: string;
  /** The plugin creates this namespace itself when it is missing (ballast pods, probe objects). */
  ownNamespace?: boolean;
  /** For nonResourceURLs: the path, with resource "" and group "". */
  url?: string;
}

type Row = readonly Grant[] | ((item: ItemBase, exp: Experiment) => readonly Grant[]);

const WATCH = ['list', 'watch'] as const;
/** The namespace plugins create for their own objects (src/kit/namespace.ts). */
const GAMEDAY_NAMESPACE = 'gameday';

const g = (group: string, resource: string, verbs: readonly string[], namespace?: string): Grant =>
  namespace === undefined ? { group, resource, verbs } : { group, resource, verbs, namespace };

const WORKLOAD_RESOURCES = { Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets' } as const;
type WorkloadKind = keyof typeof WORKLOAD_RESOURCES;
const ALL_KINDS: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet'];

interface WorkloadTarget {
  resource: string;
  namespace?: string;
}

function explicitWorkload(sel: unknown): { kind: WorkloadKind; namespace: string } | undefined {
  const s = sel as { kind?: unknown; namespace?: unknown } | undefined;
  if (typeof s?.kind === 'string' && Object.hasOwn(WORKLOAD_RESOURCES, s.kind) && typeof s.namespace === 'string') {
    return { kind: s.kind as WorkloadKind, namespace: s.namespace };
  }
  return undefined;
}

/** The workload a fault hits: the one it names, or the one it creates (create-pending-pod's Deployment). */
function faultWorkload(fault: ItemBase): { kind: WorkloadKind; namespace: string } | undefined {
  const named = explicitWorkload(fault['workload']);
  if (named) return named;
  if (fault.type === 'create-pending-pod') {
    return {
      kind: 'Deployment',
      namespace: typeof fault['namespace'] === 'string' ? fault['namespace'] : GAMEDAY_NAMESPACE,
    };
  }
  return undefined;
}

/**
 * The workloads an item acts on: the one it names, in its namespace; with `{"from": "faults"}` (or none)
 * the ones the experiment's faults name; every kind cluster-wide when nothing says which.
 */
function workloads(item: ItemBase, exp: Experiment, kinds: readonly WorkloadKind[] = ALL_KINDS): WorkloadTarget[] {
  const own = explicitWorkload(item['workload']);
  const named = own ? [own] : exp.faults.map(faultWorkload).filter((w) => w !== undefined);
  const usable = named.filter((w) => kinds.includes(w.kind));
  if (usable.length === 0) return kinds.map((k) => ({ resource: WORKLOAD_RESOURCES[k] }));
  return usable.map((w) => ({ resource: WORKLOAD_RESOURCES[w.kind], namespace: w.namespace }));
}

/** readWorkload / resolveWorkload: a GET of the named workload. */
const getWorkload = (item: ItemBase, exp: Experiment): Grant[] =>
  workloads(item, exp).map((w) => g('apps', w.resource, ['get'], w.namespace));
/** patchTemplate / setContainers / setTemplateAnnotations: GET then a merge PATCH under spec.template. */
const patchWorkload = (item: ItemBase, exp: Experiment): Grant[] =>
  workloads(item, exp).map((w) => g('apps', w.resource, ['get', 'patch'], w.namespace));
/** kube.scale: the scale subresource (Deployments and StatefulSets only), after reading the workload. */
const scaleWorkload = (item: ItemBase, exp: Experiment): Grant[] =>
  workloads(item, exp, ['Deployment', 'StatefulSet']).flatMap((w) => [
    g('apps', w.resource, ['get'], w.namespace),
    g('apps', `${w.resource}/scale`, ['patch'], w.namespace),
  ]);
/** watchWorkload: resolve the workload (a GET when named), then informers on its kind and on pods, cluster-wide. */
const watchWorkload = (item: ItemBase, exp: Experiment): Grant[] => {
  const targets = workloads(item, exp);
  return [
    ...(explicitWorkload(item['workload']) ? targets.map((w) => g('apps', w.resource, ['get'], w.namespace)) : []),
    ...[...new Set(targets.map((w) => w.resource))].map((r) => g('apps', r, WATCH)),
    g('', 'pods', WATCH),
  ];
};

/** resolveNodes lists nodes unless the selector is `{"from": "faults"}` (explicit, or the item's default). */
function selectNodes(defaultFromFaults: boolean): (item: ItemBase) => Grant[] {
  return (item) => {
    const sel = item['nodes'] as { from?: unknown } | undefined;
    const fromFaults = sel === undefined ? defaultFromFaults : sel.from === 'faults';
    return fromFaults ? [] : [g('', 'nodes', ['list'])];
  };
}

/** A node selector with "running": the workload is read and its pods listed in its namespace. */
function runningGrants(item: ItemBase): Grant[] {
  const r = (item['nodes'] as { running?: { namespace: string; kind: string; name: string } } | undefined)?.running;
  if (!r) return [];
  const resource = r.kind === 'Deployment' ? 'deployments' : r.kind === 'StatefulSet' ? 'statefulsets' : 'daemonsets';
  return [g('apps', resource, ['get'], r.namespace), g('', 'pods', ['list'], r.namespace)];
}

/** Faults hitting nodes or members: the selector and the blast-radius check both list nodes. */
const NODE_FAULT = (item: ItemBase): Grant[] => [g('', 'nodes', ['list']), ...runningGrants(item)];
const nodeStep = (item: ItemBase): Grant[] => [...selectNodes(true)(item), ...runningGrants(item)];

/** Objects a plugin creates in its own namespace (default "gameday"), creating the namespace if missing. */
function ownNamespace(item: ItemBase, resource: string, group: string, verbs: readonly string[]): Grant[] {
  const namespace = typeof item['namespace'] === 'string' ? item['namespace'] : GAMEDAY_NAMESPACE;
  return [g('', 'namespaces', ['get', 'create']), { group, resource, verbs, namespace, ownNamespace: true }];
}

export const FAULT_RBAC: Readonly<Record<string, Row>> = {
  // Host-level through NodeOps.
  'stop-kubelet': NODE_FAULT,
  'stop-container-runtime': NODE_FAULT,
  'power-off-node': NODE_FAULT,
  'partition-node': NODE_FAULT,
  'freeze-node': NODE_FAULT,
  'overload-node': NODE_FAULT,
  'fill-node-disk': NODE_FAULT,
  'node-memory-pressure': NODE_FAULT,
  'move-static-pod-manifest': NODE_FAULT,
  'kill-etcd-members': NODE_FAULT,
  // Ballast pods requesting the free memory of the nodes: it lists every pod to count what is requested.
  'fill-node-memory': (item) => [
    ...NODE_FAULT(item),
    g('', 'pods', ['list']),
    ...ownNamespace(item, 'pods', '', ['create', 'delete']),
  ],
  // plan reads the Deployment's name first: one that already exists is refused, never deleted on revert.
  'create-pending-pod': (item) => [
    ...NODE_FAULT(item),
    ...ownNamespace(item, 'deployments', 'apps', ['get', 'create', 'delete']),
  ],
  'taint-nodes': (item, exp) => [
    g('', 'nodes', ['get', 'list', 'patch']),
    ...getWorkload(item, exp),
    ...workloads(item, exp).map((w) => g('', 'pods', ['list'], w.namespace)),
  ],
  'scale-workload': scaleWorkload,
  'break-image': patchWorkload,
  'crash-container': patchWorkload,
  'delete-configmap': (item, exp) => [
    ...patchWorkload(item, exp),
    // revert replaces a ConfigMap recreated with other content (update), or recreates an immutable one.
    ...workloads(item, exp).map((w) => g('', 'configmaps', ['get', 'create', 'update', 'delete'], w.namespace)),
  ],
  // Simulator only: they refuse any other target before calling the API.
  'set-memory-usage': [],
  'break-cni-pod': [],
};

export const STEP_RBAC: Readonly<Record<string, Row>> = {
  cordon: (item) => [...nodeStep(item), g('', 'nodes', ['patch'])],
  uncordon: (item) => [...nodeStep(item), g('', 'nodes', ['patch'])],
  'label-nodes': (item) => [...nodeStep(item), g('', 'nodes', ['patch'])],
  // kubectl drain: cordon, watch the pods, evict through PodDisruptionBudgets; with force, delete pods no controller owns.
  drain: (item) => [
    ...nodeStep(item),
    g('', 'nodes', ['patch']),
    g('', 'pods', item['force'] === true ? [...WATCH, 'delete'] : WATCH),
    g('', 'pods/eviction', ['create']),
  ],
  'restart-service': nodeStep,
  'start-service': nodeStep,
  'stop-service': nodeStep,
  'power-on-node': nodeStep,
  'reconnect-node': nodeStep,
  'clean-logs': nodeStep,
  'relieve-pressure': nodeStep,
  'move-manifest-back': nodeStep,
  'restart-static-pod': nodeStep,
  'remove-node': nodeStep,
  'add-node': [],
  // The CNI pod (no workload named) is found by listing DaemonSets.
  'delete-pod': (item, exp) => [
    ...nodeStep(item),
    ...(item['workload'] === undefined ? [g('apps', 'daemonsets', ['list', 'get'])] : getWorkload(item, exp)),
    g('', 'pods', ['list', 'delete']),
  ],
  'delete-stuck-pods': (item, exp) => [
    g('', 'nodes', ['list']),
    g('', 'pods', ['list', 'delete']),
    ...(item['workload'] === undefined ? [] : getWorkload(item, exp)),
  ],
  'rollout-restart': patchWorkload,
  // Reads the ReplicaSets for the wanted revision's template, then patches the Deployment.
  'rollout-undo': (item, exp) => [
    ...patchWorkload(item, exp),
    ...[...new Set(workloads(item, exp).map((w) => w.namespace))].map((ns) => g('apps', 'replicasets', ['list'], ns)),
  ],
  // Creates, or reads and replaces, exactly the object the experiment writes out.
  'apply-manifest': (item) => {
    const m = item['manifest'] as { apiVersion?: string; kind?: string; metadata?: { namespace?: string } } | undefined;
    const [group, version] = (m?.apiVersion ?? 'v1').includes('/')
      ? (m?.apiVersion ?? '').split('/')
      : ['', m?.apiVersion];
    const type = Object.values(RESOURCES).find((r) => r.kind === m?.kind && r.group === group && r.version === version);
    return type
      ? [
          g(
            type.group,
            type.plural,
            ['get', 'create', 'update'],
            type.namespaced ? (m?.metadata?.namespace ?? 'default') : undefined,
          ),
        ]
      : [];
  },
  'patch-service': (item) => [
    g('', 'services', ['get', 'patch'], (item['namespace'] as string | undefined) ?? 'default'),
  ],
  'rollout-status': (item, exp) => [
    ...(explicitWorkload(item['workload']) ? getWorkload(item, exp) : []),
    ...[...new Set(workloads(item, exp).map((w) => w.resource))].map((r) => g('apps', r, WATCH)),
  ],
  scale: scaleWorkload,
  'set-resources': patchWorkload,
  'patch-tolerations': patchWorkload,
  // etcd recovery runs etcdctl and edits manifests over ssh; growing it back lists nodes to find masters.
  'etcd-snapshot': [],
  'etcd-restart-members': [],
  'etcd-start-members': [],
  'etcd-restore-single': [],
  'etcd-member-replace': [],
  'etcd-point-apiserver': [],
  'etcd-grow': [g('', 'nodes', ['list'])],
  wait: [],
};

export const PROBE_RBAC: Readonly<Record<string, Row>> = {
  'node-ready': [g('', 'nodes', WATCH)],
  'node-schedulable': [g('', 'nodes', WATCH)],
  'no-notready-nodes': [g('', 'nodes', WATCH)],
  'all-workloads-available': [
    g('apps', 'deployments', WATCH),
    g('apps', 'statefulsets', WATCH),
    g('apps', 'daemonsets', WATCH),
  ],
  'workload-available': watchWorkload,
  'pods-running': watchWorkload,
  'pod-status': watchWorkload,
  'pods-moved': (item, exp) => [...watchWorkload(item, exp), ...selectNodes(true)(item)],
  'no-pending-pods': (item) => [
    g('', 'pods', WATCH, typeof item['namespace'] === 'string' ? item['namespace'] : undefined),
  ],
  // Pods (of the workload, or of a namespace) and their FailedScheduling events.
  'pod-pending-with-reason': (item, exp) => {
    const ns =
      typeof item['namespace'] === 'string' ? item['namespace'] : explicitWorkload(item['workload'])?.namespace;
    return [
      ...(item['workload'] !== undefined ? watchWorkload(item, exp) : [g('', 'pods', WATCH, ns)]),
      g('', 'events', WATCH, ns),
    ];
  },
  // The Service's EndpointSlices, in its namespace (everywhere when the namespace comes from the faults).
  'service-endpoints': (item) => [
    g(
      'discovery.k8s.io',
      'endpointslices',
      WATCH,
      typeof item['namespace'] === 'string' ? item['namespace'] : undefined,
    ),
  ],
  'static-pod-running': (item) => [...selectNodes(true)(item), g('', 'pods', WATCH, 'kube-system')],
  'leader-elected': [g('coordination.k8s.io', 'leases', WATCH, 'kube-system')],
  // A ConfigMap created and deleted in a namespace of its own.
  'api-writable': (item) => ownNamespace(item, 'configmaps', '', ['create', 'delete']),
  'http-ok': (item) =>
    typeof item['path'] === 'string' ? [{ group: '', resource: '', verbs: ['get'], url: item['path'] }] : [],
  // Asked with etcdctl over ssh.
  'etcd-healthy': [],
  'etcd-writer': [],
  'etcd-data-intact': [],
};

/**
 * What the runner itself needs on a cluster other processes reach: the kube-system namespace read once (its
 * UID tells this cluster from another in the journal), and the drill's coordination Lease in kube-system
 * (listed to find overlapping drills, created, renewed, deleted).
 */
export const ENGINE_GRANTS: readonly Grant[] = [
  g('', 'namespaces', ['get']),
  g('coordination.k8s.io', 'leases', ['list', 'create', 'patch', 'delete'], 'kube-system'),
];

const WRITES = ['create', 'update', 'patch', 'delete'];

/** What an unknown type gets: reading what drills look at, never writing. */
export const READ_ONLY_FALLBACK: readonly Grant[] = [
  g('', 'nodes', ['get', 'list', 'watch']),
  g('', 'pods', ['get', 'list', 'watch']),
  g('', 'events', ['get', 'list', 'watch']),
  g('apps', 'deployments', ['get', 'list', 'watch']),
  g('apps', 'statefulsets', ['get', 'list', 'watch']),
  g('apps', 'daemonsets', ['get', 'list', 'watch']),
];

export type PluginKind = 'fault' | 'step' | 'probe';

export interface UnknownType {
  kind: PluginKind;
  type: string;
  experiment: string;
}

export interface DerivedPolicy {
  /** The ClusterRole's rules. */
  rules: PolicyRule[];
  /** A Role's rules per namespace, less what the ClusterRole already allows. */
  namespaced: Record<string, PolicyRule[]>;
  /** Namespaces plugins create for their own objects: the manifests create them so that the Roles apply. */
  ownNamespaces: string[];
  /** Types without a row: they got READ_ONLY_FALLBACK; `gameday schedule` warns about them. */
  unknown: UnknownType[];
}

const TABLES: Record<PluginKind, Readonly<Record<string, Row>>> = {
  fault: FAULT_RBAC,
  step: STEP_RBAC,
  probe: PROBE_RBAC,
};

/** Every fault, step and probe item of an experiment, with its kind. */
function items(exp: Experiment): { kind: PluginKind; item: ItemBase }[] {
  return [
    ...exp.faults.map((item) => ({ kind: 'fault' as const, item })),
    ...[...(exp.setup ?? []), ...(exp.recovery.steps ?? [])].map((item) => ({ kind: 'step' as const, item })),
    ...[
      ...(exp.steadyState ?? []),
      ...(exp.detect ?? []),
      ...exp.verify,
      ...(exp.monitors ?? []),
      ...(exp.abortWhen ?? []),
    ].map((item) => ({
      kind: 'probe' as const,
      item,
    })),
  ];
}

export function grantsFor(kind: PluginKind, item: ItemBase, exp: Experiment): readonly Grant[] | undefined {
  const row = TABLES[kind][item.type];
  if (row === undefined) return undefined;
  return typeof row === 'function' ? row(item, exp) : row;
}

export function hasRbacRow(kind: PluginKind, type: string): boolean {
  return Object.hasOwn(TABLES[kind], type);
}

const VERB_ORDER = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

function sortVerbs(verbs: Iterable<string>): string[] {
  const rank = (v: string): number => {
    const i = VERB_ORDER.indexOf(v);
    return i === -1 ? VERB_ORDER.length : i;
  };
  return [...verbs].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Resources that need the same verbs in the same group share a rule, as a person would write it. */
function toRules(verbs: Map<string, Set<string>>): PolicyRule[] {
  const byVerbs = new Map<string, { group: string; verbs: string[]; resources: string[] }>();
  for (const [key, set] of verbs) {
    if (set.size === 0) continue;
    const [group = '', resource = ''] = key.split('\u0000');
    const sorted = sortVerbs(set);
    const k = `${group}\u0000${sorted.join(',')}`;
    const rule = byVerbs.get(k) ?? { group, verbs: sorted, resources: [] };
    rule.resources.push(resource);
    byVerbs.set(k, rule);
  }
  return [...byVerbs.values()]
    .map((r) => ({ apiGroups: [r.group], resources: r.resources.sort(), verbs: r.verbs }))
    .sort(
      (a, b) =>
        (a.apiGroups[0] ?? '').localeCompare(b.apiGroups[0] ?? '') ||
        (a.resources[0] ?? '').localeCompare(b.resources[0] ?? ''),
    );
}

/** The least-privilege rules for running these experiments in-cluster. */
export function derivePolicy(experiments: readonly Experiment[]): DerivedPolicy {
  const cluster = new Map<string, Set<string>>();
  const perNamespace = new Map<string, Map<string, Set<string>>>();
  const urls = new Set<string>();
  const own = new Set<string>();
  const unknown: UnknownType[] = [];
  const add = (map: Map<string, Set<string>>, key: string, verbs: readonly string[]): void => {
    const set = map.get(key) ?? new Set<string>();
    for (const v of verbs) set.add(v);
    map.set(key, set);
  };
  for (const exp of experiments) {
    for (const { kind, item } of items(exp)) {
      let grants = grantsFor(kind, item, exp);
      if (grants === undefined) {
        grants = READ_ONLY_FALLBACK;
        if (!unknown.some((u) => u.kind === kind && u.type === item.type))
          unknown.push({ kind, type: item.type, experiment: exp.id });
      }
      for (const grant of grants) {
        if (grant.url !== undefined) {
          urls.add(grant.url);
          continue;
        }
        const key = `${grant.group}\u0000${grant.resource}`;
        if (grant.namespace === undefined) add(cluster, key, grant.verbs);
        else {
          const map = perNamespace.get(grant.namespace) ?? new Map<string, Set<string>>();
          perNamespace.set(grant.namespace, map);
          add(map, key, grant.verbs);
          if (grant.ownNamespace) own.add(grant.namespace);
        }
      }
    }
  }
  if (experiments.length > 0) {
    for (const grant of ENGINE_GRANTS) {
      const key = `${grant.group}\u0000${grant.resource}`;
      if (grant.namespace === undefined) add(cluster, key, grant.verbs);
      else {
        const map = perNamespace.get(grant.namespace) ?? new Map<string, Set<string>>();
        perNamespace.set(grant.namespace, map);
        add(map, key, grant.verbs);
      }
    }
  }
  // The journal keeps what an object was before the drill first writes to it: each write needs a read.
  for (const map of [cluster, ...perNamespace.values()]) {
    for (const [key, verbs] of [...map]) {
      const [group = '', resource = ''] = key.split('\u0000');
      const base = resource.split('/')[0] ?? resource;
      if (base === 'pods' || base === 'leases' || !WRITES.some((v) => verbs.has(v))) continue;
      add(map, `${group}\u0000${base}`, ['get']);
    }
  }
  const rules = toRules(cluster);
  if (urls.size > 0) rules.push({ nonResourceURLs: [...urls].sort(), verbs: ['get'] });
  const namespaced: Record<string, PolicyRule[]> = {};
  for (const ns of [...perNamespace.keys()].sort()) {
    const map = perNamespace.get(ns) as Map<string, Set<string>>;
    // What the ClusterRole allows everywhere needs no Role.
    for (const [key, set] of map) for (const v of cluster.get(key) ?? []) set.delete(v);
    const nsRules = toRules(map);
    if (nsRules.length > 0) namespaced[ns] = nsRules;
    else own.delete(ns);
  }
  return { rules, namespaced, ownNamespaces: [...own].sort(), unknown };
}

/** Whether the rules allow `verb` on `resource` of `group` (for tests and notes). */
export function allows(rules: readonly PolicyRule[], group: string, resource: string, verb: string): boolean {
  return rules.some(
    (r) =>
      (r.apiGroups?.includes(group) || r.apiGroups?.includes('*')) &&
      (r.resources?.includes(resource) || r.resources?.includes('*')) &&
      (r.verbs.includes(verb) || r.verbs.includes('*')),
  );
}

/** Whether the policy allows `verb` on `resource` in `namespace` (ClusterRole or that namespace's Role). */
export function allowsIn(
  policy: DerivedPolicy,
  namespace: string,
  group: string,
  resource: string,
  verb: string,
): boolean {
  return (
    allows(policy.rules, group, resource, verb) || allows(policy.namespaced[namespace] ?? [], group, resource, verb)
  );
}
