import { isDeepStrictEqual } from 'node:util';
import { LEASE_LABEL, LEASE_NAMESPACE } from '../../src/engine/lease.js';
import { isNodeReady, type KubeObject, type Taint } from '../../src/kube/objects.js';
import type { ResourceName } from '../../src/kube/resources.js';
import { createTarget } from '../../src/targets/create.js';
import type { Target } from '../../src/targets/target.js';

/**
 * The whole of a served simulator as a person checking "is everything as it was?" would look at it, drawn
 * independently of the rollback's own records: every node (there, schedulable, its taints, Ready), every
 * Deployment, StatefulSet and DaemonSet (replicas, pod template, all available), every Service's selector
 * and ports, every ConfigMap's content, and etcd membership, in each cluster; and gameday's own drill
 * leases, since one left behind keeps every overlapping drill out.
 */
export type ClusterState = Map<string, unknown>;

const WORKLOADS: ResourceName[] = ['deployments', 'statefulsets', 'daemonsets'];

function userTaints(n: KubeObject): string[] {
  return ((n.spec?.taints ?? []) as Taint[])
    .filter((t) => !t.key.startsWith('node.kubernetes.io/'))
    .map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`)
    .sort();
}

export async function attach(kubeconfig: string): Promise<Target> {
  const { target } = await createTarget({ kind: 'sim', seed: 1, dryRun: false, yes: true, kubeconfig });
  return target;
}

export async function clusterState(target: Target): Promise<ClusterState> {
  const out: ClusterState = new Map();
  const per = await Promise.all(target.clusters().map((c) => clusterEntries(target, c)));
  for (const entries of per) for (const [k, v] of entries) out.set(k, v);
  return out;
}

async function clusterEntries(target: Target, c: string): Promise<[string, unknown][]> {
  const kube = target.kube(c);
  const out: [string, unknown][] = [];
  const [nodes, services, configmaps, members, leases, ...workloads] = await Promise.all([
    kube.list('nodes'),
    kube.list('services'),
    kube.list('configmaps'),
    target.etcd(c).members(),
    kube.list('leases', { namespace: LEASE_NAMESPACE, labelSelector: LEASE_LABEL }),
    ...WORKLOADS.map((r) => kube.list(r)),
  ]);
  for (const n of nodes.items) {
    out.push([
      `${c}: node ${n.metadata.name}`,
      { schedulable: n.spec?.unschedulable !== true, taints: userTaints(n), ready: isNodeReady(n) },
    ]);
  }
  WORKLOADS.forEach((r, i) => {
    for (const w of workloads[i]!.items) {
      const desired =
        r === 'daemonsets' ? Number(w.status?.desiredNumberScheduled ?? 0) : Number(w.spec?.replicas ?? 1);
      const available =
        r === 'daemonsets'
          ? Number(w.status?.numberAvailable ?? 0)
          : Number((r === 'statefulsets' ? w.status?.readyReplicas : w.status?.availableReplicas) ?? 0);
      out.push([
        `${c}: ${r} ${w.metadata.namespace}/${w.metadata.name}`,
        {
          replicas: r === 'daemonsets' ? undefined : w.spec?.replicas,
          template: JSON.stringify(w.spec?.template ?? {}),
          allAvailable: available >= desired,
        },
      ]);
    }
  });
  for (const s of services.items)
    out.push([
      `${c}: service ${s.metadata.namespace}/${s.metadata.name}`,
      { selector: s.spec?.selector, ports: s.spec?.ports },
    ]);
  for (const m of configmaps.items) {
    if (m.metadata.namespace === 'kube-system' || m.metadata.name === 'kube-root-ca.crt') continue;
    out.push([`${c}: configmap ${m.metadata.namespace}/${m.metadata.name}`, { data: m['data'] ?? {} }]);
  }
  out.push([`${c}: etcd members`, members.map((m) => m.name).sort()]);
  for (const l of leases.items) out.push([`${c}: drill lease ${l.metadata.name}`, { held: true }]);
  return out;
}

/** Every way `after` differs from `before`, in words. */
export function differences(before: ClusterState, after: ClusterState): string[] {
  const out: string[] = [];
  for (const [k, v] of before) {
    if (!after.has(k)) out.push(`${k} is gone`);
    else if (!isDeepStrictEqual(v, after.get(k)))
      out.push(`${k}: ${JSON.stringify(after.get(k))}, was ${JSON.stringify(v)}`);
  }
  for (const k of after.keys()) if (!before.has(k)) out.push(`${k} was not there before`);
  return out;
}

/** Wait (real time) until the cluster is as `before`; the differences left after `timeoutMs`. */
export async function untilSame(target: Target, before: ClusterState, timeoutMs: number): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let diffs: string[];
    try {
      diffs = differences(before, await clusterState(target));
    } catch (err) {
      diffs = [`cannot read the cluster: ${(err as Error).message}`];
    }
    if (diffs.length === 0 || Date.now() >= deadline) return diffs;
    await new Promise((r) => setTimeout(r, 500));
  }
}
