import type { RecoveryStep } from '../kit/plugin.js';
import { resolveWorkload, type WorkloadSelector } from '../kit/selectors.js';
import { kubectlWorkload, workloadInWords } from '../kit/describe.js';
import { paramsSchema, workloadParam } from '../kit/schema.js';
import { setTemplateAnnotations } from '../kit/workloads.js';

export interface RolloutRestartParams {
  workload?: WorkloadSelector;
  style?: 'restartedAt' | 'date';
}

export const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

/** RFC 3339 to the second, as kubectl writes time.Now().Format(time.RFC3339) (in UTC here). */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** D11/D12: a rolling restart by patching a pod-template annotation with the current time. */
export const rolloutRestart: RecoveryStep<RolloutRestartParams> = {
  name: 'rollout-restart',
  summary:
    "Rolling-restart a workload by stamping its pod template with the time (kubectl rollout restart, or the runbook's date annotation).",
  params: paramsSchema({
    workload: workloadParam('The workload to restart. Default: the workload the faults hit.'),
    style: {
      enum: ['restartedAt', 'date'],
      description:
        'restartedAt (default): kubectl.kubernetes.io/restartedAt = RFC 3339 time, as kubectl rollout restart; date: the runbook\'s annotation "date" = Unix seconds.',
    },
  }),
  async run(ctx, p) {
    const ref = await resolveWorkload(ctx, p.workload ?? { from: 'faults' });
    const now = ctx.clock.now();
    const annotations =
      p.style === 'date' ? { date: String(Math.floor(now / 1000)) } : { [RESTARTED_AT]: rfc3339(now) };
    await setTemplateAnnotations(ctx, ref, annotations);
  },
  describe: (p) => {
    const w = p.workload ?? { from: 'faults' as const };
    if (p.style === 'date') {
      return `Rolling-restart ${workloadInWords(w)}: \`kubectl patch ${kubectlWorkload(w)} -p "{\\"spec\\":{\\"template\\":{\\"metadata\\":{\\"annotations\\":{\\"date\\":\\"\`date +'%s'\`\\"}}}}}"\`.`;
    }
    return `Rolling-restart ${workloadInWords(w)}: \`kubectl rollout restart ${kubectlWorkload(w)}\`.`;
  },
};
