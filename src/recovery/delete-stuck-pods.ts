import type { PluginContext, RecoveryStep } from '../kit/plugin.js';
import { resolveNodes, resolveWorkload, type NodeSelector, type WorkloadSelector } from '../kit/selectors.js';
import { isNodeReady, type KubeObject } from '../kube/objects.js';
import { nodesInWords, workloadInWords } from '../kit/describe.js';
import { FROM_FAULTS } from '../kit/node-step.js';
import { isDaemonSetPod, isFinished, isMirrorPod, isTerminating, nodeOf, phaseOf } from '../kit/pods.js';
import { nodesParam, paramsSchema, workloadParam } from '../kit/schema.js';
import { podsOf, readWorkload } from '../kit/workloads.js';

export interface DeleteStuckPodsParams {
  nodes?: NodeSelector;
  workload?: WorkloadSelector;
  which?: 'stuck' | 'all';
  force?: boolean;
}

/** Terminating or Unknown, or on a node that is not Ready: pods their controllers will not replace soon. */
function stuck(pod: KubeObject, readyNodes: Set<string>): boolean {
  if (isTerminating(pod) || phaseOf(pod) === 'Unknown') return true;
  const node = nodeOf(pod);
  return node !== undefined && !readyNodes.has(node);
}

/** Which pods the step deletes: exported for tests. */
export async function podsToDelete(ctx: PluginContext, p: DeleteStuckPodsParams): Promise<KubeObject[]> {
  const [{ items: pods }, { items: nodes }] = await Promise.all([ctx.kube.list('pods'), ctx.kube.list('nodes')]);
  const ready = new Set(nodes.filter(isNodeReady).map((n) => n.metadata.name));
  if (p.workload) {
    const ref = await resolveWorkload(ctx, p.workload);
    const obj = await readWorkload(ctx, ref);
    return podsOf(obj, pods).filter(
      (x) => !isFinished(x) && (phaseOf(x) === 'Pending' || stuck(x, ready) || p.which === 'all'),
    );
  }
  const on = new Set(await resolveNodes(ctx, p.nodes ?? FROM_FAULTS));
  return pods.filter(
    (x) => on.has(nodeOf(x) ?? '') && !isMirrorPod(x) && !isDaemonSetPod(x) && (p.which === 'all' || stuck(x, ready)),
  );
}

/** D1 "the host cannot come back": delete the pods that cannot move by themselves so controllers recreate them elsewhere. */
export const deleteStuckPods: RecoveryStep<DeleteStuckPodsParams> = {
  name: 'delete-stuck-pods',
  summary:
    "Delete pods stuck Terminating/Unknown on lost nodes, or a workload's Pending pods, so their controllers recreate them (force: grace period 0).",
  params: paramsSchema({
    nodes: nodesParam(
      'The lost nodes whose pods to delete. Default: the nodes the faults hit. Ignored when "workload" is given.',
    ),
    workload: workloadParam("Instead of nodes: delete this workload's Pending and stuck pods."),
    which: {
      enum: ['stuck', 'all'],
      description:
        'stuck (default): Terminating, Unknown, or on a node that is not Ready; all: every pod of the nodes or workload (DaemonSet and mirror pods excepted).',
    },
    force: {
      type: 'boolean',
      description:
        'Delete at once with grace period 0 (kubectl delete --grace-period=0 --force), which a lost node needs. Default true.',
    },
  }),
  async run(ctx, p) {
    const pods = await podsToDelete(ctx, p);
    const grace = p.force === false ? {} : { gracePeriodSeconds: 0 };
    ctx.note(
      `deleting ${pods.length} pod(s): ${pods.map((x) => `${x.metadata.namespace}/${x.metadata.name}`).join(', ') || 'none'}`,
    );
    for (const pod of pods)
      await ctx.kube.delete('pods', pod.metadata.name, { namespace: pod.metadata.namespace, ...grace });
  },
  describe: (p) => {
    const flags = p.force === false ? '' : ' --grace-period=0 --force';
    if (p.workload)
      return `Delete the Pending and stuck pods of ${workloadInWords(p.workload)}: \`kubectl delete pod <pod> -n <namespace>${flags}\` for each.`;
    return `Delete the pods stuck on ${nodesInWords(p.nodes, FROM_FAULTS)} so they are recreated elsewhere: \`kubectl get po -A -o wide --field-selector spec.nodeName=<node>\`, then \`kubectl delete pod <pod> -n <namespace>${flags}\` for each.`;
  },
};
