import { errorMessage } from '../errors.js';
import { isMaster } from '../kit/selectors.js';
import type { Informer, Kube } from '../kube/kube.js';
import type { ResourceName } from '../kube/resources.js';
import { conditionOf, type KubeObject } from '../kube/objects.js';
import type { PowerSource, PowerState } from './power.js';

/** A node as its tile shows it: what `kubectl get node` and `describe node` would say, and the host's power. */
export interface NodeTile {
  cluster: string;
  name: string;
  role: 'master' | 'worker';
  /** The Ready condition: True, False, Unknown (the kubelet stopped posting), or absent (not yet reported). */
  ready: 'True' | 'False' | 'Unknown' | 'absent';
  cordoned: boolean;
  /** Conditions that are True and should not be: MemoryPressure, DiskPressure, PIDPressure, NetworkUnavailable. */
  pressure: string[];
  power: PowerState | undefined;
}

/** A Deployment, StatefulSet or DaemonSet with its available (ready) and desired replicas. */
export interface WorkloadCount {
  cluster: string;
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  namespace: string;
  name: string;
  available: number;
  desired: number;
}

const PRESSURE = ['MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable'] as const;

export function nodeTile(cluster: string, node: KubeObject, power: PowerState | undefined): NodeTile {
  const ready = conditionOf(node, 'Ready')?.status;
  return {
    cluster,
    name: node.metadata.name,
    role: isMaster(node) ? 'master' : 'worker',
    ready: ready === 'True' || ready === 'False' || ready === 'Unknown' ? ready : 'absent',
    cordoned: Boolean(node.spec?.unschedulable),
    pressure: PRESSURE.filter((c) => conditionOf(node, c)?.status === 'True'),
    power,
  };
}

/** What `kubectl get` counts as ready for each kind: available Deployment replicas, ready StatefulSet pods, available DaemonSet pods. */
export function workloadCount(cluster: string, kind: WorkloadCount['kind'], w: KubeObject): WorkloadCount {
  const n = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  const [available, desired] =
    kind === 'DaemonSet'
      ? [n(w.status?.numberAvailable), n(w.status?.desiredNumberScheduled)]
      : kind === 'StatefulSet'
        ? [n(w.status?.readyReplicas), n(w.spec?.replicas ?? 1)]
        : [n(w.status?.availableReplicas), n(w.spec?.replicas ?? 1)];
  return { cluster, kind, namespace: w.metadata.namespace ?? 'default', name: w.metadata.name, available, desired };
}

/** What one cluster looks like now, or why it cannot be seen. */
export interface ClusterSnapshot {
  cluster: string;
  nodes: NodeTile[];
  workloads: WorkloadCount[];
  /** The informers could not list (no access, the API is down): said on the page instead of tiles. */
  error?: string;
  /** The nodes have not been listed yet: the page says so rather than "0 nodes". */
  loading?: boolean;
}

const KINDS = [
  ['deployments', 'Deployment'],
  ['statefulsets', 'StatefulSet'],
  ['daemonsets', 'DaemonSet'],
] as const;

/** How long after a failed first list the page asks again (the API may only have been slow to answer). */
const RETRY_MS = 5_000;

/**
 * Every node and workload of some clusters, from informers of each cluster's Kube client (the target's own:
 * a drill's probes share them, so the page costs no extra list or watch for what the drill already watches,
 * and never polls). `onChange` is called on every watch event and power change; the caller coalesces. An
 * informer whose first list failed is asked for again a little later, and the page says why meanwhile.
 */
export class ClusterView {
  private readonly informers = new Map<string, Map<ResourceName, Informer>>();
  private readonly errors = new Map<string, string>();
  private readonly listed = new Set<string>();
  private readonly stops: (() => void)[] = [];
  private readonly retries = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    kubes: ReadonlyMap<string, Kube>,
    private readonly power: PowerSource | undefined,
    private readonly onChange: () => void,
    private readonly retryMs = RETRY_MS,
  ) {
    for (const [cluster, kube] of kubes) {
      this.informers.set(cluster, new Map());
      for (const resource of ['nodes', ...KINDS.map(([r]) => r)] as ResourceName[])
        this.follow(cluster, kube, resource);
    }
    if (power) this.stops.push(power.onChange(onChange));
  }

  private follow(cluster: string, kube: Kube, resource: ResourceName): void {
    const inf = kube.informer(resource);
    this.informers.get(cluster)!.set(resource, inf);
    const unsubscribe = inf.onEvent(this.onChange);
    this.stops.push(unsubscribe);
    const key = `${cluster}/${resource}`;
    inf.ready().then(
      () => {
        if (resource === 'nodes') this.listed.add(cluster);
        this.errors.delete(key);
        this.onChange();
      },
      (err: unknown) => {
        this.errors.set(key, `cannot watch ${resource}: ${errorMessage(err)} (trying again)`);
        this.onChange();
        if (this.stopped) return;
        const retry = setTimeout(() => {
          this.retries.delete(retry);
          unsubscribe();
          if (!this.stopped) this.follow(cluster, kube, resource);
        }, this.retryMs);
        retry.unref();
        this.retries.add(retry);
      },
    );
  }

  clusters(): string[] {
    return [...this.informers.keys()];
  }

  snapshot(): ClusterSnapshot[] {
    return [...this.informers].map(([cluster, byResource]) => {
      const error = [...this.errors].find(([k]) => k.startsWith(`${cluster}/`))?.[1];
      const nodes = byResource.get('nodes');
      return {
        cluster,
        nodes: (nodes?.items() ?? [])
          .map((n) => nodeTile(cluster, n, this.power?.state(cluster, n.metadata.name)))
          .sort(byRoleThenName),
        workloads: KINDS.flatMap(([resource, kind]) =>
          (byResource.get(resource)?.items() ?? []).map((w) => workloadCount(cluster, kind, w)),
        ),
        ...(error ? { error } : {}),
        ...(this.listed.has(cluster) ? {} : { loading: true }),
      };
    });
  }

  /** Stop listening; the informers belong to the Kube clients and stop with them. */
  stop(): void {
    this.stopped = true;
    for (const r of this.retries) clearTimeout(r);
    this.retries.clear();
    for (const s of this.stops.splice(0)) s();
  }
}

function byRoleThenName(a: NodeTile, b: NodeTile): number {
  if (a.role !== b.role) return a.role === 'master' ? -1 : 1;
  return a.name.localeCompare(b.name, 'en', { numeric: true });
}
