import { BlastRadiusError } from '../errors.js';
import type { BlastRadius } from '../experiment/types.js';
import type { FaultPlan, PluginContext } from '../kit/plugin.js';
import { isMaster } from '../kit/selectors.js';
import type { EtcdMember } from '../targets/target.js';

/** What a change (a fault, or a recovery step about to run) takes down, in one cluster. */
export interface PlannedFault {
  type: string;
  cluster: string;
  plan: FaultPlan;
}

/** The etcd members of each cluster the check listed, for the journal's record of membership. */
export type Membership = Map<string, EtcdMember[]>;

/**
 * Refuses an experiment whose faults would take down more than it declares, before anything changes. By
 * default a drill touches one node and one workload, never a majority of control-plane nodes, and never
 * etcd quorum; the quorum drills (D4b, D4c) and the power-loss drill (D2) say so explicitly. An etcd member
 * counts as lost when a fault names it, or stops what runs on its node (`plan.stopsEtcd`: the host powered
 * off, frozen or cut off, its container runtime or etcd's own manifest gone); a fault that leaves etcd
 * running on a master (kube-apiserver's manifest moved, kubelet stopped) does not cost a member.
 */
export async function checkBlastRadius(
  file: string,
  limits: BlastRadius | undefined,
  planned: PlannedFault[],
  contextFor: (cluster: string) => PluginContext,
  membership?: Membership,
): Promise<void> {
  const problems: string[] = [];
  for (const cluster of [...new Set(planned.map((p) => p.cluster))]) {
    const mine = planned.filter((p) => p.cluster === cluster);
    problems.push(...(await assess(cluster, mine, limits, contextFor(cluster), 'the faults would', membership)));
  }
  if (problems.length > 0) {
    throw new BlastRadiusError(
      `${file}: refused before any change, the blast radius is too large: ${problems.join('; ')}.`,
    );
  }
}

/**
 * Refuses a recovery step, right before it runs, that would take down more than the experiment declares
 * together with the faults still in effect: a step that stops the container runtime on every master, or
 * removes every master, is refused as a fault doing it would be. The drill then rolls back.
 */
export async function checkStepRadius(
  where: string,
  limits: BlastRadius | undefined,
  inEffect: PlannedFault[],
  step: PlannedFault,
  contextFor: (cluster: string) => PluginContext,
): Promise<void> {
  const mine = [...inEffect.filter((p) => p.cluster === step.cluster), step];
  const problems = await assess(step.cluster, mine, limits, contextFor(step.cluster), 'with the faults, it would');
  if (problems.length > 0) {
    throw new BlastRadiusError(
      `${where}: refused before it ran, the blast radius is too large: ${problems.join('; ')}; the drill rolls back.`,
    );
  }
}

async function assess(
  cluster: string,
  mine: PlannedFault[],
  limits: BlastRadius | undefined,
  ctx: PluginContext,
  subject: string,
  membership?: Membership,
): Promise<string[]> {
  const problems: string[] = [];
  const nodes = new Set(mine.flatMap((p) => p.plan.nodes ?? []));
  const workloads = new Set(mine.flatMap((p) => p.plan.workloads ?? []));
  const members = new Set(mine.flatMap((p) => p.plan.members ?? []));
  const etcdNodes = new Set(mine.flatMap((p) => (p.plan.stopsEtcd ? (p.plan.nodes ?? []) : [])));
  const maxNodes = limits?.maxNodes ?? 1;
  if (nodes.size > maxNodes) {
    problems.push(
      `${cluster}: ${subject} hit ${nodes.size} nodes (${[...nodes].join(', ')}) but blastRadius.maxNodes is ${maxNodes}`,
    );
  }
  const maxWorkloads = limits?.maxWorkloads ?? 1;
  if (workloads.size > maxWorkloads) {
    problems.push(
      `${cluster}: ${subject} hit ${workloads.size} workloads (${[...workloads].join(', ')}) but blastRadius.maxWorkloads is ${maxWorkloads}`,
    );
  }
  if (nodes.size === 0 && members.size === 0) return problems;
  // Only nodes can be masters: a step that acts on etcd members alone (a restore while etcd has lost quorum,
  // when the API cannot answer) is checked without asking the API.
  const masters =
    nodes.size === 0 ? [] : (await ctx.kube.list('nodes')).items.filter(isMaster).map((n) => n.metadata.name);
  const mastersHit = masters.filter((m) => nodes.has(m));
  if (masters.length > 0 && mastersHit.length > masters.length / 2 && !limits?.allowControlPlaneMajority) {
    problems.push(
      `${cluster}: ${subject} take down ${mastersHit.length} of ${masters.length} control-plane nodes (${mastersHit.join(', ')}); set blastRadius.allowControlPlaneMajority to drill that`,
    );
  }
  let etcdMembers: EtcdMember[] = [];
  try {
    etcdMembers = await ctx.etcd.members();
    membership?.set(cluster, etcdMembers);
  } catch {
    etcdMembers = [];
  }
  if (etcdMembers.length > 0) {
    const hit = etcdMembers.filter((m) => members.has(m.name) || (m.node !== undefined && etcdNodes.has(m.node)));
    const quorum = Math.floor(etcdMembers.length / 2) + 1;
    const left = etcdMembers.length - hit.length;
    if (left < quorum && !limits?.allowQuorumLoss) {
      problems.push(
        `${cluster}: ${subject} leave ${left} of ${etcdMembers.length} etcd members, below quorum (${quorum}); set blastRadius.allowQuorumLoss to drill that`,
      );
    } else if (limits?.maxEtcdMembers !== undefined && hit.length > limits.maxEtcdMembers) {
      problems.push(
        `${cluster}: ${subject} take down ${hit.length} etcd members (${hit.map((m) => m.name).join(', ')}) but blastRadius.maxEtcdMembers is ${limits.maxEtcdMembers}`,
      );
    }
  }
  return problems;
}
