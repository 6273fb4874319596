import type { Probe } from '../kit/plugin.js';
import type { WorkloadSelector } from '../kit/selectors.js';
import { workloadInWords } from '../kit/describe.js';
import { watchHandle } from '../kit/probe.js';
import { paramsSchema, replicasParam, workloadParam } from '../kit/schema.js';
import { watchWorkload } from '../kit/workload-probe.js';
import { availableOf } from '../kit/workloads.js';

export interface WorkloadAvailableParams {
  workload?: WorkloadSelector;
  min?: number;
  desired?: number;
  below?: boolean;
}

/** D11/D12: `.status.availableReplicas` against the desired count (StatefulSets: ready replicas). */
export const workloadAvailable: Probe<WorkloadAvailableParams> = {
  name: 'workload-available',
  summary: 'A workload has its desired replicas available (or, with "below": true, fewer: for detection).',
  mode: 'watch',
  params: paramsSchema({
    workload: workloadParam('The workload. Default: the workload the faults hit.'),
    min: replicasParam('Pass with at least this many available (a tolerance). Default: the desired count.'),
    desired: {
      ...replicasParam(''),
      description:
        'The desired count. Default: the count before a fault scaled the workload, else its spec (DaemonSet: nodes it should run on).',
    },
    below: {
      type: 'boolean',
      description:
        'Pass while fewer than desired are available (for detection). Deprecated: "expect": false, which every probe takes, means the same.',
    },
  }),
  async start(ctx, p) {
    const view = await watchWorkload(ctx, p.workload);
    return watchHandle(() => {
      const obj = view.workload();
      if (!obj) return { ok: p.below === true, observed: `${view.key} not found` };
      const desired = p.desired ?? view.desired(obj);
      const available = availableOf(view.ref.kind, obj);
      const observed = `${available}/${desired} available`;
      if (p.below) return { ok: available < desired, observed };
      // A workload scaled to zero serves nothing (another drill's fault, or a person's): not "available",
      // unless the experiment says zero is what it wants.
      if (desired === 0 && p.min === undefined && p.desired === undefined)
        return { ok: false, observed: `${observed}: scaled to zero, nothing serves` };
      return { ok: available >= (p.min ?? desired), observed };
    });
  },
  describe: (p) => {
    const w = workloadInWords(p.workload ?? { from: 'faults' });
    if (p.below) return `${w} has fewer available replicas than desired (.status.availableReplicas < .status.replicas)`;
    return `${w} has ${p.min !== undefined ? `at least ${p.min}` : 'all desired'} replicas available`;
  },
};
