import { InvalidInputError } from '../errors.js';
import type { Probe } from '../kit/plugin.js';
import type { WorkloadSelector } from '../kit/selectors.js';
import { workloadInWords } from '../kit/describe.js';
import { containerReasons, isFinished, kubectlStatus } from '../kit/pods.js';
import { few, watchHandle } from '../kit/probe.js';
import { LIMITS, paramsSchema, patternParam, workloadParam } from '../kit/schema.js';
import { watchWorkload } from '../kit/workload-probe.js';
import { podsOf } from '../kit/workloads.js';
import type { KubeObject } from '../kube/objects.js';

export interface PodStatusParams {
  workload?: WorkloadSelector;
  reason: string;
  count?: number;
}

/**
 * What the probe saw, the pods showing the reason first: the evidence of a detection names the crashing pod
 * even when the workload's healthy pods outnumber it.
 */
function evidence(pods: KubeObject[], hit: KubeObject[]): string {
  if (pods.length === 0) return 'no pod';
  const status = (x: KubeObject): string => `${x.metadata.name} ${kubectlStatus(x)}`;
  const rest = pods.filter((x) => !hit.includes(x));
  if (hit.length === 0) return few(rest.map(status).sort());
  const others =
    rest.length === 0
      ? ''
      : `; ${rest.length} other pod${rest.length === 1 ? '' : 's'}: ${few(rest.map(status).sort(), 2)}`;
  return `${few(hit.map(status).sort())}${others}`;
}

/** D9 detect: the pods show the failure's reason (CrashLoopBackOff, ImagePullBackOff, OOMKilled...). */
export const podStatus: Probe<PodStatusParams> = {
  name: 'pod-status',
  summary:
    'Pods of a workload show a container reason: waiting (CrashLoopBackOff, ImagePullBackOff, CreateContainerConfigError) or terminated (OOMKilled).',
  mode: 'watch',
  params: paramsSchema(
    {
      workload: workloadParam('The workload. Default: the workload the faults hit.'),
      reason: patternParam(
        'The reason, or a regular expression matching whole reasons, e.g. "CrashLoopBackOff" or "ErrImagePull|ImagePullBackOff".',
      ),
      count: {
        type: 'integer',
        minimum: 1,
        maximum: LIMITS.maxReplicas,
        description: 'At least this many pods must show it. Default 1.',
      },
    },
    ['reason'],
  ),
  async start(ctx, p) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(`^(?:${p.reason})$`);
    } catch (err) {
      throw new InvalidInputError(`pod-status: "reason" is not a regular expression: ${(err as Error).message}`);
    }
    const view = await watchWorkload(ctx, p.workload);
    const want = p.count ?? 1;
    return watchHandle(() => {
      const obj = view.workload();
      if (!obj) return { ok: false, observed: `${view.key} not found` };
      const pods = podsOf(obj, view.pods()).filter((x) => !isFinished(x));
      const hit = pods.filter((x) => containerReasons(x).some((r) => pattern.test(r)));
      return { ok: hit.length >= want, observed: evidence(pods, hit) };
    });
  },
  describe: (p) =>
    `${p.count && p.count > 1 ? `${p.count} pods` : 'a pod'} of ${workloadInWords(p.workload ?? { from: 'faults' })} shows ${p.reason} (\`kubectl get po\`, \`kubectl describe po\`)`,
};
