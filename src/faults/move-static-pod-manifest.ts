import type { Fault, FaultPlan, PluginContext } from '../kit/plugin.js';
import { resolveNodes, type NodeSelector } from '../kit/selectors.js';
import type { ControlPlaneComponent } from '../targets/target.js';
import { nodeArg, nodesInWords } from '../kit/describe.js';
import { eachNode } from '../kit/node-fault.js';
import { componentParam, nodesParam, paramsSchema } from '../kit/schema.js';

export interface MoveStaticPodManifestParams {
  component: ControlPlaneComponent;
  nodes?: NodeSelector;
}

const DEFAULT_NODES: NodeSelector = { role: 'master', count: 1 };

/** D10 (and D4a's in-place restart): the kubelet removes a static pod whose manifest leaves the directory. */
export const moveStaticPodManifest: Fault<MoveStaticPodManifestParams> = {
  name: 'move-static-pod-manifest',
  summary:
    'Move a control-plane static-pod manifest out of /etc/kubernetes/manifests so the kubelet stops it; revert moves it back.',
  needs: ['manifest'],
  params: paramsSchema(
    {
      component: componentParam,
      nodes: nodesParam('The masters to hit. Default: one master picked with the run seed.'),
    },
    ['component'],
  ),
  async plan(ctx: PluginContext, p: MoveStaticPodManifestParams): Promise<FaultPlan> {
    const nodes = await resolveNodes(ctx, p.nodes ?? DEFAULT_NODES);
    // Only etcd's own manifest costs an etcd member; the others leave etcd running on the master.
    return { nodes, ...(p.component === 'etcd' ? { stopsEtcd: true } : {}), data: { component: p.component } };
  },
  async inject(ctx, p, plan) {
    await eachNode(plan.nodes ?? [], (n) => ctx.nodes.manifest(n, p.component, 'out'));
  },
  async revert(ctx, p, plan) {
    await eachNode(plan.nodes ?? [], (n) => ctx.nodes.manifest(n, p.component, 'in'));
  },
  describe: (p) =>
    `Stop ${p.component} on ${nodesInWords(p.nodes, DEFAULT_NODES)} by moving its static-pod manifest out: \`mv /etc/kubernetes/manifests/${p.component}.yaml /etc/kubernetes/\` on ${nodeArg(p.nodes, DEFAULT_NODES)}.`,
};
