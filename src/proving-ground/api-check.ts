/** Read-only looks at a ground's API (plain fetch with the token): are the nodes Ready, the agents renewing, the workloads up. */

interface Obj {
  metadata: { name: string; namespace?: string; generation?: number };
  spec?: Record<string, any>;
  status?: Record<string, any>;
}

async function list(api: string, token: string, path: string): Promise<Obj[]> {
  const res = await fetch(api.replace(/\/+$/, '') + path, {
    headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status}`);
  return ((await res.json()) as { items?: Obj[] }).items ?? [];
}

export interface GroundHealth {
  notReady: string[];
  /** Nodes whose Lease was not renewed since `since` (no agent has spoken for them yet). */
  notRenewed: string[];
  /** Workloads below their desired availability. */
  unavailable: string[];
}

export async function groundHealth(api: string, token: string, since: number): Promise<GroundHealth> {
  const [nodes, leases, deployments, statefulsets, daemonsets] = await Promise.all([
    list(api, token, '/api/v1/nodes'),
    list(api, token, '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases'),
    list(api, token, '/apis/apps/v1/deployments'),
    list(api, token, '/apis/apps/v1/statefulsets'),
    list(api, token, '/apis/apps/v1/daemonsets'),
  ]);
  const ready = (n: Obj): boolean =>
    ((n.status?.conditions ?? []) as { type: string; status: string }[]).some(
      (c) => c.type === 'Ready' && c.status === 'True',
    );
  const renewed = new Set(
    leases.filter((l) => Date.parse(String(l.spec?.renewTime ?? '')) > since).map((l) => l.metadata.name),
  );
  const id = (o: Obj): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  return {
    notReady: nodes.filter((n) => !ready(n)).map((n) => n.metadata.name),
    notRenewed: nodes.filter((n) => !renewed.has(n.metadata.name)).map((n) => n.metadata.name),
    unavailable: [
      ...deployments.filter((d) => (d.status?.availableReplicas ?? 0) < (d.spec?.replicas ?? 1)).map(id),
      ...statefulsets.filter((s) => (s.status?.readyReplicas ?? 0) < (s.spec?.replicas ?? 1)).map(id),
      ...daemonsets
        .filter(
          (d) =>
            d.status?.desiredNumberScheduled === undefined ||
            (d.status?.numberAvailable ?? 0) < d.status.desiredNumberScheduled,
        )
        .map(id),
    ],
  };
}
