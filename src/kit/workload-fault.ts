import { InvalidInputError } from '../errors.js';
import type { FaultPlan, PluginContext } from './plugin.js';
import {
  parseWorkloadKey,
  resolveWorkload,
  workloadKey,
  type WorkloadRef,
  type WorkloadSelector,
} from './selectors.js';
import type { KubeObject } from '../kube/objects.js';
import { readWorkload } from './workloads.js';

/** Resolve a fault's workload and read it, for plan(). */
export async function planWorkload(
  ctx: PluginContext,
  sel: WorkloadSelector | undefined,
  fault: string,
): Promise<{ ref: WorkloadRef; obj: KubeObject }> {
  if (!sel) throw new InvalidInputError(`${ctx.cluster}: the fault "${fault}" needs "workload".`);
  const ref = await resolveWorkload(ctx, sel);
  return { ref, obj: await readWorkload(ctx, ref) };
}

/** The workload a plan hit: revert finds it in the journal, not in the run's state. */
export function plannedWorkload(plan: FaultPlan): WorkloadRef {
  const key = plan.workloads?.[0];
  if (!key) throw new InvalidInputError('the fault plan names no workload');
  return parseWorkloadKey(key);
}

export function workloadPlan(ref: WorkloadRef, data: Record<string, unknown>): FaultPlan {
  return { workloads: [workloadKey(ref)], data };
}
