import type { Fault } from '../kit/plugin.js';
import { workloadKey, type WorkloadSelector } from '../kit/selectors.js';
import { kubectlWorkload, workloadInWords } from '../kit/describe.js';
import { paramsSchema, replicasParam, workloadParam } from '../kit/schema.js';
import { planWorkload, plannedWorkload, workloadPlan } from '../kit/workload-fault.js';
import { desiredBeforeKey, scalable } from '../kit/workloads.js';

export interface ScaleWorkloadParams {
  workload: WorkloadSelector;
  replicas?: number;
}

/** D11/D12: replicas scaled down or to zero; revert restores the count the journal recorded. */
export const scaleWorkload: Fault<ScaleWorkloadParams> = {
  name: 'scale-workload',
  summary:
    'Scale a Deployment or StatefulSet down (default to zero); revert scales it back to its original replica count.',
  params: paramsSchema(
    {
      workload: workloadParam('The Deployment or StatefulSet to scale.'),
      replicas: replicasParam('Replicas to scale to. Default 0.'),
    },
    ['workload'],
  ),
  async plan(ctx, p) {
    const { ref, obj } = await planWorkload(ctx, p.workload, 'scale-workload');
    scalable(ctx, ref);
    return workloadPlan(ref, { replicas: Number(obj.spec?.replicas ?? 1) });
  },
  async inject(ctx, p, plan) {
    const ref = plannedWorkload(plan);
    // Probes judge availability against what the workload should run, not the count the fault set.
    ctx.state.values.set(desiredBeforeKey(ctx.cluster, workloadKey(ref)), Number(plan.data?.['replicas'] ?? 1));
    await ctx.kube.scale(scalable(ctx, ref), ref.namespace, ref.name, p.replicas ?? 0);
  },
  async revert(ctx, _p, plan) {
    const ref = plannedWorkload(plan);
    await ctx.kube.scale(scalable(ctx, ref), ref.namespace, ref.name, Number(plan.data?.['replicas'] ?? 1));
  },
  describe: (p) =>
    `Scale ${workloadInWords(p.workload)} to ${p.replicas ?? 0} replicas: \`kubectl scale ${kubectlWorkload(p.workload)} --replicas=${p.replicas ?? 0}\`.`,
};
