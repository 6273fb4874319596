import type { Probe } from '../kit/plugin.js';
import type { WorkloadSelector } from '../kit/selectors.js';
import { workloadInWords } from '../kit/describe.js';
import { isFinished, isRunningAndReady, kubectlStatus, restarts } from '../kit/pods.js';
import { few, watchHandle } from '../kit/probe.js';
import { paramsSchema, replicasParam, workloadParam } from '../kit/schema.js';
import { watchWorkload } from '../kit/workload-probe.js';
import { podsOf } from '../kit/workloads.js';

export interface PodsRunningParams {
  workload?: WorkloadSelector;
  noRestartsSince?: boolean;
  min?: number;
}

/**
 * D9/D11 verify: `kubectl get po | grep <name> | grep -v Running` is empty, every container ready, as many
 * pods as desired, and optionally no restart since the probe started.
 */
export const podsRunning: Probe<PodsRunningParams> = {
  name: 'pods-running',
  summary:
    'Every pod of a workload is Running with all containers ready (as many as desired), optionally with no restart since the probe started.',
  mode: 'watch',
  params: paramsSchema({
    workload: workloadParam('The workload. Default: the workload the faults hit.'),
    noRestartsSince: {
      type: 'boolean',
      description: 'Also require that no container restarted since the probe started. Default false.',
    },
    min: replicasParam('At least this many Running pods. Default: the desired count.'),
  }),
  async start(ctx, p) {
    const view = await watchWorkload(ctx, p.workload);
    // Restart counts at the start: a restart afterwards means the fix did not hold.
    const baseline = new Map<string, number>();
    const first = view.workload();
    if (first)
      for (const pod of podsOf(first, view.pods())) baseline.set(pod.metadata.uid ?? pod.metadata.name, restarts(pod));
    return watchHandle(() => {
      const obj = view.workload();
      if (!obj) return { ok: false, observed: `${view.key} not found` };
      const want = p.min ?? view.desired(obj);
      const pods = podsOf(obj, view.pods()).filter((x) => !isFinished(x));
      const running = pods.filter(isRunningAndReady);
      const notRunning = pods.filter((x) => !isRunningAndReady(x)).map((x) => `${x.metadata.name} ${kubectlStatus(x)}`);
      const restarted = p.noRestartsSince
        ? running
            .filter((x) => restarts(x) > (baseline.get(x.metadata.uid ?? x.metadata.name) ?? 0))
            .map((x) => `${x.metadata.name} restarted`)
        : [];
      const ok = notRunning.length === 0 && restarted.length === 0 && running.length >= want;
      const problems = [...notRunning, ...restarted].sort();
      return {
        ok,
        observed: `${running.length}/${want} Running and ready${problems.length ? `; ${few(problems)}` : ''}`,
      };
    });
  },
  describe: (p) =>
    `every pod of ${workloadInWords(p.workload ?? { from: 'faults' })} Running with all containers ready${p.noRestartsSince ? ' and no restarts' : ''} (\`kubectl get po | grep -v Running\` is empty)`,
};
