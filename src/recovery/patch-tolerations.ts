import type { RecoveryStep } from '../kit/plugin.js';
import { resolveWorkload, type WorkloadSelector } from '../kit/selectors.js';
import type { Toleration } from '../kube/objects.js';
import { kubectlWorkload, workloadInWords } from '../kit/describe.js';
import { paramsSchema, workloadParam } from '../kit/schema.js';
import { patchTemplate, readWorkload } from '../kit/workloads.js';

export interface PatchTolerationsParams {
  workload?: WorkloadSelector;
  seconds?: number;
  tolerate?: { key: string; value?: string; effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' };
}

const NODE_FAILURE_TAINTS = ['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready'];

/** The template's tolerations after the change: exported for tests. */
export function nextTolerations(current: Toleration[], p: PatchTolerationsParams): Toleration[] {
  let out = [...current];
  const seconds = p.seconds ?? (p.tolerate ? undefined : 3);
  if (seconds !== undefined) {
    out = out.filter((t) => !(t.key !== undefined && NODE_FAILURE_TAINTS.includes(t.key) && t.effect === 'NoExecute'));
    for (const key of NODE_FAILURE_TAINTS)
      out.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: seconds });
  }
  if (p.tolerate) {
    const t = p.tolerate;
    out = out.filter((x) => !(x.key === t.key && x.effect === t.effect));
    const tol: Toleration =
      t.value !== undefined ? { key: t.key, operator: 'Equal', value: t.value } : { key: t.key, operator: 'Exists' };
    if (t.effect) tol.effect = t.effect;
    out.push(tol);
  }
  return out;
}

/**
 * D5: shorten the 300 s default toleration of unreachable / not-ready nodes (the runbook's 3 s) so pods move
 * sooner; D11: tolerate the taint that keeps a workload's pods off its nodes.
 */
export const patchTolerations: RecoveryStep<PatchTolerationsParams> = {
  name: 'patch-tolerations',
  undoable: true,
  summary:
    "Set a workload's node.kubernetes.io/unreachable and not-ready NoExecute tolerationSeconds (the runbook's 3 s), and/or tolerate a taint.",
  params: paramsSchema({
    workload: workloadParam('The workload to patch. Default: the workload the faults hit.'),
    seconds: {
      type: 'integer',
      minimum: 0,
      description:
        'tolerationSeconds for node.kubernetes.io/unreachable and not-ready (NoExecute). Default 3 when "tolerate" is not given.',
    },
    tolerate: {
      type: 'object',
      description: 'A taint the pods must tolerate, e.g. the one taint-nodes adds.',
      properties: {
        key: { type: 'string', minLength: 1, description: 'Taint key.' },
        value: { type: 'string', description: 'Taint value; omitted: any value (operator Exists).' },
        effect: {
          enum: ['NoSchedule', 'PreferNoSchedule', 'NoExecute'],
          description: 'Taint effect; omitted: every effect.',
        },
      },
      required: ['key'],
      additionalProperties: false,
    },
  }),
  async run(ctx, p) {
    const ref = await resolveWorkload(ctx, p.workload ?? { from: 'faults' });
    const obj = await readWorkload(ctx, ref);
    const tolerations = nextTolerations((obj.spec?.template?.spec?.tolerations ?? []) as Toleration[], p);
    await patchTemplate(ctx, ref, { spec: { tolerations } });
  },
  describe: (p) => {
    const w = p.workload ?? { from: 'faults' as const };
    const parts: string[] = [];
    const seconds = p.seconds ?? (p.tolerate ? undefined : 3);
    if (seconds !== undefined)
      parts.push(`tolerate node.kubernetes.io/unreachable and not-ready (NoExecute) for ${seconds}s instead of 300s`);
    if (p.tolerate)
      parts.push(
        `tolerate the taint ${p.tolerate.key}${p.tolerate.value !== undefined ? `=${p.tolerate.value}` : ''}${p.tolerate.effect ? `:${p.tolerate.effect}` : ''}`,
      );
    return `Patch ${workloadInWords(w)} to ${parts.join(' and ')}: \`kubectl patch ${kubectlWorkload(w)} -p '{"spec":{"template":{"spec":{"tolerations":[...]}}}}'\`.`;
  },
};
