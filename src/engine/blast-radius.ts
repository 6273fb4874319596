import { BlastRadiusError } from '../errors.js';
import type { BlastRadius } from '../experiment/types.js';
import type { FaultPlan, PluginContext } from '../kit/plugin.js';

export interface PlannedFault {
  type: string;
  cluster: string;
  plan: FaultPlan;
}

const MASTER_LABELS = ['node-role.kubernetes.io/master', 'node-role.kubernetes.io/control-plane'];

/**
 * Refuses an experiment whose faults would take down more than it declares, before anything changes. By
 * default a drill touches one node and one workload, never a majority of control-plane nodes, and never
 * etcd quorum; the quorum drills (D4b, D4c) and the power-loss drill (D2) say so explicitly.
 */
export async function checkBlastRadius(
  file: string,
  limits: BlastRadius | undefined,
  planned: PlannedFault[],
  contextFor: (cluster: string) => PluginContext,
): Promise<void> {
  const problems: string[] = [];
  const clusters = [...new Set(planned.map((p) => p.cluster))];
  for (const cluster of clusters) {
    const mine = planned.filter((p) => p.cluster === cluster);
    const nodes = new Set(mine.flatMap((p) => p.plan.nodes ?? []));
    const workloads = new Set(mine.flatMap((p) => p.plan.workloads ?? []));
    const members = new Set(mine.flatMap((p) => p.plan.members ?? []));
    const maxNodes = limits?.maxNodes ?? 1;
    if (nodes.size > maxNodes) {
      problems.push(
        `${cluster}: the faults would hit ${nodes.size} nodes (${[...nodes].join(', ')}) but blastRadius.maxNodes is ${maxNodes}`,
      );
    }
    const maxWorkloads = limits?.maxWorkloads ?? 1;
    if (workloads.size > maxWorkloads) {
      problems.push(
        `${cluster}: the faults would hit ${workloads.size} workloads (${[...workloads].join(', ')}) but blastRadius.maxWorkloads is ${maxWorkloads}`,
      );
    }
    if (nodes.size === 0 && members.size === 0) continue;
    const ctx = contextFor(cluster);
    const { items } = await ctx.kube.list('nodes');
    const masters = items
      .filter((n) => MASTER_LABELS.some((l) => n.metadata.labels?.[l] !== undefined))
      .map((n) => n.metadata.name);
    const mastersHit = masters.filter((m) => nodes.has(m));
    if (masters.length > 0 && mastersHit.length > masters.length / 2 && !limits?.allowControlPlaneMajority) {
      problems.push(
        `${cluster}: the faults would take down ${mastersHit.length} of ${masters.length} control-plane nodes (${mastersHit.join(', ')}); set blastRadius.allowControlPlaneMajority to drill that`,
      );
    }
    let etcdMembers: { name: string; node?: string }[] = [];
    try {
      etcdMembers = await ctx.etcd.members();
    } catch {
      etcdMembers = [];
    }
    if (etcdMembers.length > 0) {
      const hit = etcdMembers.filter((m) => members.has(m.name) || (m.node !== undefined && nodes.has(m.node)));
      const quorum = Math.floor(etcdMembers.length / 2) + 1;
      const left = etcdMembers.length - hit.length;
      if (left < quorum && !limits?.allowQuorumLoss) {
        problems.push(
          `${cluster}: the faults would leave ${left} of ${etcdMembers.length} etcd members, below quorum (${quorum}); set blastRadius.allowQuorumLoss to drill that`,
        );
      } else if (limits?.maxEtcdMembers !== undefined && hit.length > limits.maxEtcdMembers) {
        problems.push(
          `${cluster}: the faults would take down ${hit.length} etcd members (${hit.map((m) => m.name).join(', ')}) but blastRadius.maxEtcdMembers is ${limits.maxEtcdMembers}`,
        );
      }
    }
  }
  if (problems.length > 0) {
    throw new BlastRadiusError(
      `${file}: refused before any change, the blast radius is too large: ${problems.join('; ')}.`,
    );
  }
}
