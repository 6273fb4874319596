/** Read-only looks at a ground's API: are the nodes Ready, the agents renewing, the workloads up. */
import { apiGet, type GroundApi } from './api-client.js';

interface Obj {
  metadata: { name: string; namespace?: string; generation?: number };
  spec?: Record<string, any>;
  status?: Record<string, any>;
}

async function list(api: GroundApi, path: string): Promise<Obj[]> {
  return (await apiGet<{ items?: Obj[] }>(api, path)).items ?? [];
}

export interface GroundHealth {
  notReady: string[];
  /** Nodes whose Lease was not renewed since `since` (no agent has spoken for them yet). */
  notRenewed: string[];
  /** Workloads below their desired availability. */
  unavailable: string[];
}

export async function groundHealth(api: GroundApi, since: number): Promise<GroundHealth> {
  const [nodes, leases, deployments, statefulsets, daemonsets] = await Promise.all([
    list(api, '/api/v1/nodes'),
    list(api, '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases'),
    list(api, '/apis/apps/v1/deployments'),
    list(api, '/apis/apps/v1/statefulsets'),
    list(api, '/apis/apps/v1/daemonsets'),
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
