import type { RecoveryStep } from '../kit/plugin.js';
import { resolveWorkload, type WorkloadSelector } from '../kit/selectors.js';
import { kubectlWorkload, workloadInWords } from '../kit/describe.js';
import { paramsSchema, replicasParam, workloadParam } from '../kit/schema.js';
import { scalable } from '../kit/workloads.js';

export interface ScaleParams {
  workload?: WorkloadSelector;
  replicas: number;
}

/** D11/D12: put the replica count back. */
export const scale: RecoveryStep<ScaleParams> = {
  name: 'scale',
  undoable: true,
  summary: 'Scale a Deployment or StatefulSet to a replica count (kubectl scale).',
  params: paramsSchema(
    {
      workload: workloadParam('The workload. Default: the workload the faults hit.'),
      replicas: replicasParam('The replica count.'),
    },
    ['replicas'],
  ),
  async run(ctx, p) {
    const ref = await resolveWorkload(ctx, p.workload ?? { from: 'faults' });
    await ctx.kube.scale(scalable(ctx, ref), ref.namespace, ref.name, p.replicas);
  },
  describe: (p) => {
    const w = p.workload ?? { from: 'faults' as const };
    return `Scale ${workloadInWords(w)} to ${p.replicas}: \`kubectl scale ${kubectlWorkload(w)} --replicas=${p.replicas}\`.`;
  },
};
