import { defaultTopology } from '../sim/topology/default-topology.js';
import type { Topology, TopologyWorkload } from '../sim/topology/types.js';
import { contextName, type HostSpec } from './layout.js';

function key(o: {
  kind?: unknown;
  namespace?: unknown;
  name?: unknown;
  metadata?: { name?: unknown; namespace?: unknown };
}): string {
  return `${String(o.kind)}/${String(o.namespace ?? o.metadata?.namespace)}/${String(o.name ?? o.metadata?.name)}`;
}

/**
 * The simulated side of a ground: one cluster named as kind names its context, whose nodes are the
 * hosts (their names and addresses), running the workloads of every cluster of the catalogue's platform,
 * so that each drill finds what it drills on a single cluster (as on kind). Workers are sized so that the
 * lot fits on two of the three, as drills that lose a worker need.
 */
export function groundTopology(name: string, hosts: readonly HostSpec[]): Topology {
  const platform = defaultTopology();
  const workloads = new Map<string, TopologyWorkload>();
  const manifests = new Map<string, Record<string, unknown>>();
  for (const c of platform.clusters) {
    for (const w of c.workloads ?? []) if (!workloads.has(key(w))) workloads.set(key(w), w);
    for (const m of c.manifests ?? []) if (!manifests.has(key(m))) manifests.set(key(m), m);
  }
  return {
    clusters: [
      {
        name: contextName(name),
        nodes: hosts.map((h) =>
          h.role === 'control-plane'
            ? {
                name: h.name,
                role: 'master' as const,
                ip: h.ip,
                cpu: '4',
                memory: '16Gi',
                labels: { 'node-role.kubernetes.io/control-plane': '' },
                taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' as const }],
              }
            : { name: h.name, role: 'worker' as const, ip: h.ip, cpu: '48', memory: '192Gi', disk: '200Gi' },
        ),
        workloads: [...workloads.values()],
        manifests: [...manifests.values()],
      },
    ],
  };
}
