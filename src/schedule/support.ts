import type { Registries } from '../experiment/schema.js';
import type { ItemBase, LoadedExperiment } from '../experiment/types.js';
import type { NodeSelector } from '../kit/selectors.js';
import { labCannot } from '../targets/lab/lab-cannot.js';
import type { LabCluster, LabProfile } from '../targets/lab/profile.js';
import type { Capability, TargetKind } from '../targets/target.js';

/**
 * Whether a scheduled job can run a drill on its target, decided when the manifests are written: nobody is
 * at the terminal of a CronJob, and a drill that cannot run fails every week in a log nobody reads.
 */

/** Faults that stop the host they hit, or cut it off: the job's own node must not be among them. */
const STOPS_HOST = new Set(['power-off-node', 'freeze-node', 'partition-node']);

/** The profile's cluster an item acts on: by name, or the only one (a one-cluster target takes any name). */
function clusterOf(profile: LabProfile, exp: LoadedExperiment['experiment'], item: ItemBase): LabCluster | undefined {
  const name = item.cluster ?? exp.clusters?.[0];
  return (
    profile.clusters.find((c) => c.name === name) ?? (profile.clusters.length === 1 ? profile.clusters[0] : undefined)
  );
}

/** Does the selector take every node a pod of the job could run on (every worker, or every node)? */
function takesEveryWorker(sel: NodeSelector | undefined): boolean {
  const s: NodeSelector = sel ?? { role: 'worker', count: 1 };
  return 'all' in s && s.all === true && (s.role ?? 'worker') !== 'master';
}

/** Why the job cannot run this drill on its target, in words; undefined when it can. */
export function unsupportedReason(
  l: LoadedExperiment,
  target: TargetKind,
  registries: Registries,
  profile?: LabProfile,
): string | undefined {
  const exp = l.experiment;
  if (exp.recovery.mode === 'manual')
    return 'its recovery is manual, and nobody is at the terminal of a scheduled run to carry it out';
  const items: { kind: 'fault' | 'step' | 'probe'; item: ItemBase }[] = [
    ...exp.faults.map((item) => ({ kind: 'fault' as const, item })),
    ...(exp.recovery.steps ?? []).map((item) => ({ kind: 'step' as const, item })),
    ...[exp.steadyState, exp.detect, exp.verify, exp.monitors, exp.abortWhen].flatMap((list) =>
      (list ?? []).map((item) => ({ kind: 'probe' as const, item })),
    ),
  ];
  for (const { kind, item } of items) {
    const registry =
      kind === 'fault' ? registries.faults : kind === 'step' ? registries.recoverySteps : registries.probes;
    const plugin = registry[item.type] as
      { targets?: readonly TargetKind[]; needs?: readonly Capability[] } | undefined;
    const targets = plugin?.targets;
    if (targets && !targets.includes(target))
      return `${kind === 'step' ? 'recovery step' : kind} "${item.type}" runs only on ${targets.join(' and ')}, not ${target}`;
    if (target !== 'lab' || !profile || kind === 'probe') continue;
    const cluster = clusterOf(profile, exp, item);
    if (!cluster) continue;
    for (const need of plugin?.needs ?? []) {
      const why = labCannot(profile, cluster, need);
      if (why) return `${kind === 'step' ? 'recovery step' : 'fault'} "${item.type}": ${why.replace(/[.\s]*$/, '')}`;
    }
    if (
      kind === 'fault' &&
      STOPS_HOST.has(item.type) &&
      cluster.inCluster === true &&
      takesEveryWorker(item['nodes'] as NodeSelector | undefined)
    )
      return `fault "${item.type}" takes down every ${(item['nodes'] as { role?: string } | undefined)?.role === 'any' ? 'node' : 'worker'} of cluster "${cluster.name}", the node this job runs on among them: the drill would end with its own pod and nothing would power the hosts on again`;
  }
  return undefined;
}
