import type { Fault, PluginContext } from '../kit/plugin.js';
import { resolveNodes, workloadKey, type NodeSelector } from '../kit/selectors.js';
import { KubeApiError } from '../kube/errors.js';
import { findCniDaemonSet } from '../kit/cni.js';
import { nodeArg, nodesInWords } from '../kit/describe.js';
import { eachNode } from '../kit/node-fault.js';
import { nodeOf } from '../kit/pods.js';
import { nodesParam, paramsSchema } from '../kit/schema.js';
import { SIM_CRASH, requireSim } from '../kit/sim.js';
import { podsOf, readWorkload } from '../kit/workloads.js';

export interface BreakCniPodParams {
  nodes?: NodeSelector;
  daemonSet?: string;
  namespace?: string;
}

interface BrokenPod {
  name: string;
  namespace: string;
  node: string;
  /** The crash annotation the pod carried before the fault (absent: none): revert puts it back. */
  previous?: string;
}

/**
 * D6: the CNI pod on a node crashes, so the node's network plugin is not ready. Only this pod instance is
 * broken (the simulator's pod annotation sim.gameday.io/crash): the runbook's fix, deleting the pod so the
 * DaemonSet recreates it, gives a healthy one.
 */
export const breakCniPod: Fault<BreakCniPodParams> = {
  name: 'break-cni-pod',
  targets: ['sim'],
  summary:
    'Make the CNI DaemonSet pod on nodes crash (simulator only), so the node network is not ready; revert heals that pod.',
  params: paramsSchema({
    nodes: nodesParam('The nodes whose CNI pod breaks. Default: one worker picked with the run seed.'),
    daemonSet: {
      type: 'string',
      minLength: 1,
      description:
        'The CNI DaemonSet. Default: the first of calico-node, kube-flannel-ds, cilium, kindnet, weave-net... found.',
    },
    namespace: {
      type: 'string',
      minLength: 1,
      description: 'Namespace of the CNI DaemonSet. Default: kube-system, then kube-flannel, calico-system.',
    },
  }),
  async plan(ctx, p) {
    requireSim(
      ctx,
      'break-cni-pod',
      'a single CNI pod instance cannot be broken through the API. Use stop-container-runtime, or delete the CNI pod by hand.',
    );
    const nodes = await resolveNodes(ctx, p.nodes);
    const ds = await findCniDaemonSet(ctx, p.daemonSet, p.namespace);
    const obj = await readWorkload(ctx, ds);
    const { items } = await ctx.kube.list('pods', { namespace: ds.namespace });
    const pods: BrokenPod[] = podsOf(obj, items)
      .filter((x) => nodes.includes(nodeOf(x) ?? ''))
      .map((x) => {
        const previous = x.metadata.annotations?.[SIM_CRASH];
        return {
          name: x.metadata.name,
          namespace: ds.namespace,
          node: nodeOf(x) ?? '',
          ...(previous ? { previous } : {}),
        };
      });
    return { nodes, workloads: [workloadKey(ds)], data: { pods } };
  },
  async inject(ctx, _p, plan) {
    await eachNode(pods(plan.data), (name) => annotate(ctx, plan.data, name, 'true'));
  },
  async revert(ctx, _p, plan) {
    await eachNode(pods(plan.data), (name) => annotate(ctx, plan.data, name, 'previous'));
  },
  describe: (p) =>
    `Make the CNI pod (${p.daemonSet ?? 'calico-node / flannel / ...'}) on ${nodesInWords(p.nodes)} crash, so pods there get no network; \`kubectl get po -n ${p.namespace ?? 'kube-system'} -o wide | grep ${nodeArg(p.nodes)}\` shows it CrashLoopBackOff.`,
};

function pods(data: Record<string, unknown> | undefined): string[] {
  return ((data?.['pods'] ?? []) as BrokenPod[]).map((x) => x.name);
}

async function annotate(
  ctx: PluginContext,
  data: Record<string, unknown> | undefined,
  name: string,
  want: 'true' | 'previous',
): Promise<void> {
  const pod = ((data?.['pods'] ?? []) as BrokenPod[]).find((x) => x.name === name);
  if (!pod) return;
  const value = want === 'true' ? 'true' : (pod.previous ?? null);
  try {
    await ctx.kube.patch(
      'pods',
      pod.name,
      { metadata: { annotations: { [SIM_CRASH]: value } } },
      { namespace: pod.namespace, type: 'merge' },
    );
  } catch (err) {
    // Recovery deletes the broken pod; the DaemonSet's new one was never broken.
    if (err instanceof KubeApiError && err.status === 404) return;
    throw err;
  }
}
