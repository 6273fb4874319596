import type { ControlPlaneComponent } from '../targets/target.js';
import { parseDuration } from '../kit/duration.js';
import { nodeArg, nodesInWords } from '../kit/describe.js';
import { FROM_FAULTS, nodeStep, type NodeStepParams } from '../kit/node-step.js';
import { componentParam, durationParam } from '../kit/schema.js';

export interface RestartStaticPodParams extends NodeStepParams {
  component: ControlPlaneComponent;
  pause?: string;
}

/** D10 and D4a's in-place restart: move the manifest out, let the kubelet stop the pod, move it back. */
export const restartStaticPod = nodeStep<RestartStaticPodParams>({
  needs: ['manifest'],
  name: 'restart-static-pod',
  summary:
    'Restart a control-plane static pod the runbook way: move its manifest out of /etc/kubernetes/manifests and back.',
  params: {
    component: componentParam,
    pause: durationParam(
      'How long the manifest stays out, so the kubelet notices and stops the pod. Default "20s" (the kubelet re-lists the directory every 20 s).',
    ),
  },
  required: ['component'],
  // While its manifest is out the component is down on the node; etcd's costs a member.
  takesDown: (p) => (p.component === 'etcd' ? { stopsEtcd: true } : {}),
  each: async (ctx, node, p) => {
    await ctx.nodes.manifest(node, p.component, 'out');
    await ctx.clock.sleep(parseDuration(p.pause ?? '20s', 'pause'), ctx.signal);
    await ctx.nodes.manifest(node, p.component, 'in');
  },
  describe: (p) =>
    `Restart ${p.component} on ${nodesInWords(p.nodes, FROM_FAULTS)}: \`mv /etc/kubernetes/manifests/${p.component}.yaml /etc/kubernetes/\`, wait ${p.pause ?? '20s'}, \`mv /etc/kubernetes/${p.component}.yaml /etc/kubernetes/manifests/\` on ${nodeArg(p.nodes, FROM_FAULTS)}.`,
});
