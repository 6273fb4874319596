import { InvalidInputError } from '../errors.js';
import type { Probe } from '../kit/plugin.js';
import type { WorkloadSelector } from '../kit/selectors.js';
import { conditionOf, type KubeObject } from '../kube/objects.js';
import { workloadInWords } from '../kit/describe.js';
import { isTerminating, nodeOf, phaseOf } from '../kit/pods.js';
import { caches, watchHandle } from '../kit/probe.js';
import { paramsSchema, patternParam, workloadParam } from '../kit/schema.js';
import { watchWorkload } from '../kit/workload-probe.js';
import { podsOf } from '../kit/workloads.js';

export interface PodPendingWithReasonParams {
  reason?: string;
  namespace?: string;
  labelSelector?: string;
  workload?: WorkloadSelector;
}

const DEFAULT_REASON = 'Insufficient memory';

/** The scheduler's words for why `pod` cannot be placed: its FailedScheduling events and PodScheduled condition. */
export function schedulingMessages(pod: KubeObject, events: KubeObject[]): string[] {
  const out: string[] = [];
  const cond = conditionOf(pod, 'PodScheduled');
  if (cond?.status === 'False' && cond.message) out.push(cond.message);
  for (const e of events) {
    const io = e['involvedObject'] as { kind?: string; name?: string; namespace?: string; uid?: string } | undefined;
    if (e['reason'] !== 'FailedScheduling' || io?.name !== pod.metadata.name || io.namespace !== pod.metadata.namespace)
      continue;
    if (io.uid && pod.metadata.uid && io.uid !== pod.metadata.uid) continue;
    if (typeof e['message'] === 'string') out.push(e['message']);
  }
  return out;
}

/** D3/D9 detect: `kubectl describe po` shows FailedScheduling "0/10 nodes are available: 10 Insufficient memory.". */
export const podPendingWithReason: Probe<PodPendingWithReasonParams> = {
  name: 'pod-pending-with-reason',
  summary:
    'A pod is Pending, unscheduled, with a FailedScheduling message matching a pattern (e.g. "Insufficient memory").',
  mode: 'watch',
  params: paramsSchema({
    reason: patternParam(`A regular expression the scheduler's message must match. Default "${DEFAULT_REASON}".`),
    namespace: {
      type: 'string',
      minLength: 1,
      description: "Only pods of this namespace. Default: every namespace (or the workload's).",
    },
    labelSelector: { type: 'string', minLength: 1, description: 'Only pods matching this label selector.' },
    workload: workloadParam('Only the pods of this workload.'),
  }),
  async start(ctx, p) {
    let pattern: RegExp;
    try {
      pattern = new RegExp(p.reason ?? DEFAULT_REASON);
    } catch (err) {
      throw new InvalidInputError(
        `pod-pending-with-reason: "reason" is not a regular expression: ${(err as Error).message}`,
      );
    }
    const view = p.workload ? await watchWorkload(ctx, p.workload) : undefined;
    const namespace = view?.ref.namespace ?? p.namespace;
    const [pods, events] = await caches(
      ctx,
      ['pods', { namespace: view ? undefined : namespace, labelSelector: p.labelSelector }],
      ['events', { namespace }],
    );
    return watchHandle(() => {
      let candidates = pods!
        .items()
        .filter((x) => phaseOf(x) === 'Pending' && !isTerminating(x) && nodeOf(x) === undefined);
      if (namespace) candidates = candidates.filter((x) => x.metadata.namespace === namespace);
      if (view) {
        const obj = view.workload();
        candidates = obj ? podsOf(obj, candidates) : [];
      }
      if (candidates.length === 0) return { ok: false, observed: 'no unscheduled Pending pod' };
      const all = events!.items();
      let seen: string | undefined;
      for (const pod of candidates) {
        const msgs = schedulingMessages(pod, all);
        const hit = msgs.find((m) => pattern.test(m));
        if (hit) return { ok: true, observed: `${pod.metadata.namespace}/${pod.metadata.name} Pending: ${hit}` };
        seen ??= msgs[0] ? `${pod.metadata.namespace}/${pod.metadata.name} Pending: ${msgs[0]}` : undefined;
      }
      return {
        ok: false,
        observed: seen ?? `${candidates.length} Pending pod(s) without a FailedScheduling event yet`,
      };
    });
  },
  describe: (p) => {
    const which = p.workload
      ? `a pod of ${workloadInWords(p.workload)}`
      : `a pod${p.namespace ? ` in ${p.namespace}` : ''}${p.labelSelector ? ` matching ${p.labelSelector}` : ''}`;
    return `${which} is Pending with a FailedScheduling event matching /${p.reason ?? DEFAULT_REASON}/ (\`kubectl describe po\`)`;
  },
};
