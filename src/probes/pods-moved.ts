import type { Probe } from '../engine/plugin.js';
import { resolveNodes, type NodeSelector, type WorkloadSelector } from '../engine/selectors.js';
import { nodesInWords, workloadInWords } from '../faults/support/describe.js';
import { FROM_FAULTS } from '../faults/support/node-step.js';
import { isFinished, isRunningAndReady, kubectlStatus, nodeOf } from '../faults/support/pods.js';
import { few, watchHandle } from '../faults/support/probe.js';
import { nodesParam, paramsSchema, workloadParam } from '../faults/support/schema.js';
import { watchWorkload } from '../faults/support/workload-probe.js';
import { podsOf } from '../faults/support/workloads.js';

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
