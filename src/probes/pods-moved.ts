import type { Probe } from '../kit/plugin.js';
import { resolveNodes, type NodeSelector, type WorkloadSelector } from '../kit/selectors.js';
import { nodesInWords, workloadInWords } from '../kit/describe.js';
import { FROM_FAULTS } from '../kit/node-step.js';
import { isFinished, isRunningAndReady, kubectlStatus, nodeOf } from '../kit/pods.js';
import { few, watchHandle } from '../kit/probe.js';
import { nodesParam, paramsSchema, workloadParam } from '../kit/schema.js';
import { watchWorkload } from '../kit/workload-probe.js';
import { podsOf } from '../kit/workloads.js';

export interface PodsMovedParams {
  workload?: WorkloadSelector;
  nodes?: NodeSelector;
}

/** D5: how long until the workload runs its desired pods Ready away from the failed nodes. */
export const podsMoved: Probe<PodsMovedParams> = {
  name: 'pods-moved',
  summary: "A workload's desired pods run Ready on nodes other than the faulted ones (D5's pod-move time).",
  mode: 'watch',
  params: paramsSchema({
    workload: workloadParam('The workload. Default: the workload the faults hit.'),
    nodes: nodesParam('The nodes the pods must leave. Default: the nodes the faults hit.'),
  }),
  async start(ctx, p) {
    const away = new Set(await resolveNodes(ctx, p.nodes ?? FROM_FAULTS));
    const view = await watchWorkload(ctx, p.workload);
    return watchHandle(() => {
      const obj = view.workload();
      if (!obj) return { ok: false, observed: `${view.key} not found` };
      const want = view.desired(obj);
      const pods = podsOf(obj, view.pods()).filter((x) => !isFinished(x));
      const elsewhere = pods.filter((x) => !away.has(nodeOf(x) ?? '') && isRunningAndReady(x));
      const left = pods
        .filter((x) => away.has(nodeOf(x) ?? ''))
        .map((x) => `${x.metadata.name} ${kubectlStatus(x)} on ${nodeOf(x)}`);
      return {
        ok: elsewhere.length >= want,
        observed: `${elsewhere.length}/${want} Ready elsewhere${left.length ? `; still on the faulted nodes: ${few(left.sort())}` : ''}`,
      };
    });
  },
  describe: (p) =>
    `${workloadInWords(p.workload ?? { from: 'faults' })} runs all its pods Ready away from ${nodesInWords(p.nodes, FROM_FAULTS)}`,
};
