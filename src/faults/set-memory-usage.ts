import { InvalidInputError } from '../errors.js';
import type { Fault } from '../kit/plugin.js';
import type { WorkloadSelector } from '../kit/selectors.js';
import { workloadInWords } from '../kit/describe.js';
import { formatQuantity, memoryBytes, quantity } from '../kit/quantity.js';
import { amountParam, paramsSchema, workloadParam } from '../kit/schema.js';
import { SIM_MEMORY_USAGE, requireSim, scoped } from '../kit/sim.js';
import { planWorkload, plannedWorkload, workloadPlan } from '../kit/workload-fault.js';
import { pickContainer, setTemplateAnnotations } from '../kit/workloads.js';

export interface SetMemoryUsageParams {
  workload: WorkloadSelector;
  usage?: string;
  container?: string;
}

const DEFAULT_USAGE = '120%';

/**
 * D11/D12 "capacity exhausted": the application uses more memory than its limit, so the OOM killer ends it
 * and it restarts into CrashLoopBackOff. Only the simulator can set a container's memory use from outside:
 * its kubelet reads the template annotation sim.gameday.io/memory-usage.<container> when a container starts.
 */
export const setMemoryUsage: Fault<SetMemoryUsageParams> = {
  name: 'set-memory-usage',
  targets: ['sim'],
  summary:
    "Make a workload's container use more memory than its limit (OOMKilled, D11 capacity exhausted); simulator only; revert restores it.",
  params: paramsSchema(
    {
      workload: workloadParam('The workload whose pods run out of memory.'),
      usage: amountParam(
        `Memory the container uses: a quantity ("900Mi") or a share of its memory limit ("120%": over the limit, OOMKilled; "99%": the runbook's alert level). Default "${DEFAULT_USAGE}".`,
      ),
      container: { type: 'string', minLength: 1, description: 'The container. Default: the first one.' },
    },
    ['workload'],
  ),
  async plan(ctx, p) {
    requireSim(
      ctx,
      'set-memory-usage',
      "a real container's memory use cannot be set from outside it. Use node-memory-pressure for node memory, or build a workload whose image allocates memory on demand.",
    );
    const { ref, obj } = await planWorkload(ctx, p.workload, 'set-memory-usage');
    const c = pickContainer(ctx, ref, obj, p.container);
    const usage = p.usage ?? DEFAULT_USAGE;
    let bytes: number;
    if (usage.endsWith('%')) {
      const limit = memoryBytes(c.resources?.limits?.['memory']);
      if (limit === 0) {
        throw new InvalidInputError(
          `${ctx.cluster}: container "${c.name}" of ${ref.kind} ${ref.namespace}/${ref.name} has no memory limit, so "${usage}" of it means nothing; give "usage" as a quantity.`,
        );
      }
      bytes = (limit * Number(usage.slice(0, -1))) / 100;
    } else bytes = quantity(usage, 'usage');
    const annotation = scoped(SIM_MEMORY_USAGE, c.name);
    const previous = (obj.spec?.template?.metadata?.annotations?.[annotation] as string | undefined) ?? null;
    return workloadPlan(ref, { annotation, value: formatQuantity('memory', bytes), previous });
  },
  async inject(ctx, _p, plan) {
    await setTemplateAnnotations(ctx, plannedWorkload(plan), {
      [plan.data?.['annotation'] as string]: plan.data?.['value'] as string,
    });
  },
  async revert(ctx, _p, plan) {
    const previous = (plan.data?.['previous'] as string | null | undefined) ?? null;
    await setTemplateAnnotations(ctx, plannedWorkload(plan), { [plan.data?.['annotation'] as string]: previous });
  },
  describe: (p) =>
    `Make ${p.container ? `container ${p.container} of ` : ''}${workloadInWords(p.workload)} use ${p.usage ?? DEFAULT_USAGE}${(p.usage ?? DEFAULT_USAGE).endsWith('%') ? ' of its memory limit' : ' of memory'} (simulator: pod-template annotation ${SIM_MEMORY_USAGE}.<container>), so it is OOMKilled and restarts; \`kubectl get po -o json | jq '.spec.containers[].resources'\` shows the limits.`,
};
