import type { Experiment, ItemBase } from '../experiment/types.js';

/**
 * The Kubernetes API access each fault, recovery step and probe needs when a drill runs in-cluster against
 * the cluster it runs in (`--target lab` from a CronJob): the ClusterRole `gameday schedule` writes is the
 * union of the rows of the types the chosen experiments use, and nothing else.
 *
 * Each row says what the plugin's code calls (kube.get/list/patch/scale/evict, informers = list+watch),
 * not what would be convenient. Host-level actions (systemctl, power, network, etcdctl) go over ssh and need
 * no API access; their rows hold only what selecting nodes needs (selectors and the blast-radius check list
 * nodes). A type without a row gets read-only access and is reported, so a new plugin shows up as a warning
 * and a failing test rather than as silently broader rights.
 */

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

/** One grant: verbs on one resource of one API group (merged into PolicyRules). */
export interface Grant {
  group: string;
  resource: string;
  verbs: readonly string[];
}

type Row = readonly Grant[] | ((item: ItemBase) => readonly Grant[]);

const READ = ['get', 'list', 'watch'] as const;
const WATCH = ['list', 'watch'] as const;

const g = (group: string, resource: string, ...verbs: string[]): Grant => ({ group, resource, verbs });

/** Selecting nodes (selectors, blast radius): a list, and a get for names given explicitly. */
const SELECT_NODES: readonly Grant[] = [g('', 'nodes', 'get', 'list')];

const WORKLOAD_RESOURCES = { Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets' } as const;
type WorkloadKind = keyof typeof WORKLOAD_RESOURCES;

/**
 * The workload resources an item acts on: the kind it names, or every kind when it takes the workload from
 * the faults (`{"from": "faults"}`) or names none.
 */
function workloadResources(item: ItemBase, allowed: readonly WorkloadKind[] = ['Deployment', 'StatefulSet', 'DaemonSet']): string[] {
  const sel = item['workload'] as { kind?: unknown } | undefined;
  const kind = sel?.kind;
  if (typeof kind === 'string' && (allowed as readonly string[]).includes(kind)) return [WORKLOAD_RESOURCES[kind as WorkloadKind]];
  return allowed.map((k) => WORKLOAD_RESOURCES[k]);
}

/** Read a workload and change its pod template (a merge patch under spec.template). */
const patchWorkload = (item: ItemBase): Grant[] => workloadResources(item).map((r) => g('apps', r, 'get', 'patch'));

/** Watch workloads and their pods until they are available (rollout status, workloads-available). */
const watchWorkloads = (item: ItemBase): Grant[] => [
  ...workloadResources(item).map((r) => g('apps', r, ...WATCH)),
  g('', 'pods', ...WATCH),
];

export const FAULT_RBAC: Readonly<Record<string, Row>> = {
  // Host-level through NodeOps: only node selection touches the API.
  'stop-kubelet': SELECT_NODES,
  'stop-container-runtime': SELECT_NODES,
  'power-off-node': SELECT_NODES,
  'partition-node': SELECT_NODES,
  'freeze-node': SELECT_NODES,
  'overload-node': SELECT_NODES,
  'fill-node-disk': SELECT_NODES,
  'node-memory-pressure': SELECT_NODES,
  'move-static-pod-manifest': SELECT_NODES,
  // etcd members are stopped over ssh; the blast-radius check lists nodes to find the masters.
  'kill-etcd-members': [g('', 'nodes', 'list')],
  // Ballast pods requesting the free memory, in a namespace of their own.
  'fill-node-memory': [...SELECT_NODES, g('', 'namespaces', 'get', 'create'), g('', 'pods', 'list', 'create', 'delete')],
  'taint-nodes': (item) => [
    g('', 'nodes', 'get', 'list', 'patch'),
    g('', 'pods', 'list'),
    ...workloadResources(item).map((r) => g('apps', r, 'get')),
  ],
  'scale-workload': (item) =>
    workloadResources(item, ['Deployment', 'StatefulSet']).flatMap((r) => [g('apps', r, 'get'), g('apps', `${r}/scale`, 'patch')]),
  'break-image': patchWorkload,
  'crash-container': patchWorkload,
  'set-memory-usage': patchWorkload,
};

export const STEP_RBAC: Readonly<Record<string, Row>> = {
  'cordon-node': [g('', 'nodes', 'get', 'list', 'patch')],
  'uncordon-node': [g('', 'nodes', 'get', 'list', 'patch')],
  // kubectl drain: cordon, list the node's pods, skip DaemonSet pods, evict the rest through PDBs.
  'drain-node': [
    g('', 'nodes', 'get', 'list', 'patch'),
    g('', 'pods', 'list', 'watch'),
    g('', 'pods/eviction', 'create'),
    g('apps', 'daemonsets', 'get'),
  ],
  'restart-kubelet': SELECT_NODES,
  'start-kubelet': SELECT_NODES,
  'restart-container-runtime': SELECT_NODES,
  'power-on-node': SELECT_NODES,
  'reconnect-node': SELECT_NODES,
  'unfreeze-node': SELECT_NODES,
  'restore-static-pod-manifest': SELECT_NODES,
  'relieve-node-pressure': SELECT_NODES,
  'clean-logs': SELECT_NODES,
  'add-node': [g('', 'nodes', 'get', 'list', 'watch')],
  'delete-stuck-pods': [g('', 'pods', 'list', 'delete')],
  'delete-pods': [g('', 'pods', 'list', 'delete')],
  'rollout-restart': (item) => [...patchWorkload(item), ...watchWorkloads(item)],
  'set-resources': (item) => [...patchWorkload(item), ...watchWorkloads(item)],
  'set-tolerations': (item) => [...patchWorkload(item), ...watchWorkloads(item)],
  'scale-workload': (item) =>
    workloadResources(item, ['Deployment', 'StatefulSet']).flatMap((r) => [g('apps', r, 'get'), g('apps', `${r}/scale`, 'patch')]),
  'shorten-toleration': (item) => [...patchWorkload(item), ...watchWorkloads(item)],
  // etcd recovery runs etcdctl and moves manifests over ssh.
  'etcd-snapshot': [],
  'etcd-restart-members': [],
  'etcd-restore-snapshot': [],
  'etcd-replace-member': [],
  'etcd-grow-cluster': [],
  wait: [],
};

export const PROBE_RBAC: Readonly<Record<string, Row>> = {
  'nodes-ready': [g('', 'nodes', ...WATCH)],
  'node-ready': [g('', 'nodes', ...WATCH)],
  'node-not-ready': [g('', 'nodes', ...WATCH)],
  'node-schedulable': [g('', 'nodes', ...WATCH)],
  'workloads-available': watchWorkloads,
  'workload-available': watchWorkloads,
  'workload-degraded': watchWorkloads,
  'pods-running': [g('', 'pods', ...WATCH)],
  'pod-pending': [g('', 'pods', ...WATCH), g('', 'events', ...WATCH)],
  'pods-on-node': [g('', 'pods', ...WATCH)],
  'failed-scheduling': [g('', 'pods', ...WATCH), g('', 'events', ...WATCH)],
  'pods-evicted': [g('', 'pods', ...WATCH)],
  // Asked with etcdctl over ssh.
  'etcd-healthy': [],
  'etcd-quorum-lost': [],
  'etcd-members': [],
};

/** Non-resource URLs a probe reads (GET /readyz answers whether the API serves). */
const PROBE_URLS: Readonly<Record<string, readonly string[]>> = {
  'api-ready': ['/readyz', '/livez'],
  'api-available': ['/readyz', '/livez'],
};

/** What an unknown type gets: reading what drills look at, never writing. */
export const READ_ONLY_FALLBACK: readonly Grant[] = [
  g('', 'nodes', ...READ),
  g('', 'pods', ...READ),
  g('', 'events', ...READ),
  g('apps', 'deployments', ...READ),
  g('apps', 'statefulsets', ...READ),
  g('apps', 'daemonsets', ...READ),
];

export type PluginKind = 'fault' | 'step' | 'probe';

export interface UnknownType {
  kind: PluginKind;
  type: string;
  experiment: string;
}

export interface DerivedPolicy {
  rules: PolicyRule[];
  /** Types without a row: they got READ_ONLY_FALLBACK; `gameday schedule` warns about them. */
  unknown: UnknownType[];
}

const TABLES: Record<PluginKind, Readonly<Record<string, Row>>> = { fault: FAULT_RBAC, step: STEP_RBAC, probe: PROBE_RBAC };

/** Every fault, step and probe item of an experiment, with its kind. */
function items(exp: Experiment): { kind: PluginKind; item: ItemBase }[] {
  return [
    ...exp.faults.map((item) => ({ kind: 'fault' as const, item })),
    ...(exp.recovery.steps ?? []).map((item) => ({ kind: 'step' as const, item })),
    ...[...(exp.steadyState ?? []), ...(exp.detect ?? []), ...exp.verify, ...(exp.monitors ?? []), ...(exp.abortWhen ?? [])].map((item) => ({
      kind: 'probe' as const,
      item,
    })),
  ];
}

export function grantsFor(kind: PluginKind, item: ItemBase): readonly Grant[] | undefined {
  const row = TABLES[kind][item.type];
  if (row === undefined) return undefined;
  return typeof row === 'function' ? row(item) : row;
}

export function hasRbacRow(kind: PluginKind, type: string): boolean {
  return Object.hasOwn(TABLES[kind], type) || (kind === 'probe' && Object.hasOwn(PROBE_URLS, type));
}

/** The least-privilege rules for running these experiments: one rule per (group, verb set), sorted. */
export function derivePolicy(experiments: readonly Experiment[]): DerivedPolicy {
  const verbs = new Map<string, Set<string>>();
  const urls = new Set<string>();
  const unknown: UnknownType[] = [];
  const seenUnknown = new Set<string>();
  for (const exp of experiments) {
    for (const { kind, item } of items(exp)) {
      const extraUrls = kind === 'probe' ? PROBE_URLS[item.type] : undefined;
      for (const u of extraUrls ?? []) urls.add(u);
      let grants = grantsFor(kind, item);
      if (grants === undefined) {
        if (extraUrls) continue;
        grants = READ_ONLY_FALLBACK;
        const key = `${kind}/${item.type}`;
        if (!seenUnknown.has(key)) {
          seenUnknown.add(key);
          unknown.push({ kind, type: item.type, experiment: exp.id });
        }
      }
      for (const grant of grants) {
        const key = `${grant.group}\u0000${grant.resource}`;
        const set = verbs.get(key) ?? new Set<string>();
        for (const v of grant.verbs) set.add(v);
        verbs.set(key, set);
      }
    }
  }
  // Resources that need the same verbs share a rule, as a person would write it.
  const byVerbs = new Map<string, { group: string; verbs: string[]; resources: string[] }>();
  for (const [key, set] of verbs) {
    const [group = '', resource = ''] = key.split('\u0000');
    const sorted = sortVerbs([...set]);
    const k = `${group}\u0000${sorted.join(',')}`;
    const rule = byVerbs.get(k) ?? { group, verbs: sorted, resources: [] };
    rule.resources.push(resource);
    byVerbs.set(k, rule);
  }
  const rules: PolicyRule[] = [...byVerbs.values()]
    .map((r) => ({ apiGroups: [r.group] as [string], resources: r.resources.sort(), verbs: r.verbs }))
    .sort((a, b) => a.apiGroups[0].localeCompare(b.apiGroups[0]) || (a.resources[0] ?? '').localeCompare(b.resources[0] ?? ''));
  if (urls.size > 0) rules.push({ nonResourceURLs: [...urls].sort(), verbs: ['get'] });
  return { rules, unknown };
}

const VERB_ORDER = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

function sortVerbs(verbs: string[]): string[] {
  const rank = (v: string): number => {
    const i = VERB_ORDER.indexOf(v);
    return i === -1 ? VERB_ORDER.length : i;
  };
  return verbs.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** Whether the rules allow `verb` on `resource` of `group` (for tests and for `gameday schedule` notes). */
export function allows(rules: readonly PolicyRule[], group: string, resource: string, verb: string): boolean {
  return rules.some(
    (r) =>
      (r.apiGroups?.includes(group) || r.apiGroups?.includes('*')) &&
      (r.resources?.includes(resource) || r.resources?.includes('*')) &&
      (r.verbs.includes(verb) || r.verbs.includes('*')),
  );
}
