import type { RecoveryStep } from '../kit/plugin.js';
import { resolveNodes, resolveWorkload, type NodeSelector, type WorkloadSelector } from '../kit/selectors.js';
import { findCniDaemonSet } from '../kit/cni.js';
import { nodeArg, nodesInWords, workloadInWords } from '../kit/describe.js';
import { FROM_FAULTS } from '../kit/node-step.js';
import { nodeOf } from '../kit/pods.js';
import { nodesParam, paramsSchema, workloadParam } from '../kit/schema.js';
import { podsOf, readWorkload } from '../kit/workloads.js';

export interface DeletePodParams {
  nodes?: NodeSelector;
  workload?: WorkloadSelector;
  force?: boolean;
}

/** D6: delete the broken CNI pod on a node so its DaemonSet recreates it. */
export const deletePod: RecoveryStep<DeletePodParams> = {
  name: 'delete-pod',
  summary: "Delete a workload's pods on nodes so the controller recreates them (default: the CNI DaemonSet's pod, D6).",
  params: paramsSchema({
    nodes: nodesParam('The nodes whose pod to delete. Default: the nodes the faults hit.'),
    workload: workloadParam(
      'Whose pods. Default: the CNI DaemonSet (calico-node, kube-flannel-ds, cilium, kindnet...).',
    ),
    force: { type: 'boolean', description: 'Grace period 0 (kubectl delete --grace-period=0 --force). Default false.' },
  }),
  async run(ctx, p) {
    const nodes = new Set(await resolveNodes(ctx, p.nodes ?? FROM_FAULTS));
    const ref = p.workload ? await resolveWorkload(ctx, p.workload) : await findCniDaemonSet(ctx);
    const obj = await readWorkload(ctx, ref);
    const { items } = await ctx.kube.list('pods', { namespace: ref.namespace });
    const pods = podsOf(obj, items).filter((x) => nodes.has(nodeOf(x) ?? ''));
    ctx.note(
      `deleting ${pods.map((x) => `${x.metadata.namespace}/${x.metadata.name}`).join(', ') || 'no pod'} of ${ref.kind} ${ref.namespace}/${ref.name}`,
    );
    for (const pod of pods) {
      await ctx.kube.delete('pods', pod.metadata.name, {
        namespace: ref.namespace,
        ...(p.force ? { gracePeriodSeconds: 0 } : {}),
      });
    }
  },
  describe: (p) => {
    const whose = p.workload ? workloadInWords(p.workload) : 'the CNI DaemonSet';
    return `Delete the pod of ${whose} on ${nodesInWords(p.nodes, FROM_FAULTS)} so it is recreated: \`kubectl get po -n kube-system -o wide | grep ${nodeArg(p.nodes, FROM_FAULTS)}\`, then \`kubectl delete pod <pod> -n kube-system${p.force ? ' --grace-period=0 --force' : ''}\`.`;
  },
};
