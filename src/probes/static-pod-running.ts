import type { Probe } from '../kit/plugin.js';
import { resolveNodes, type NodeSelector } from '../kit/selectors.js';
import type { KubeObject } from '../kube/objects.js';
import type { ControlPlaneComponent } from '../targets/target.js';
import { nodesInWords } from '../kit/describe.js';
import { FROM_FAULTS } from '../kit/node-step.js';
import { isRunningAndReady, kubectlStatus, nodeOf } from '../kit/pods.js';
import { caches, watchHandle } from '../kit/probe.js';
import { componentParam, nodesParam, paramsSchema } from '../kit/schema.js';

export interface StaticPodRunningParams {
  component: ControlPlaneComponent;
  nodes?: NodeSelector;
}

/** The mirror pod of `component` on `node`: kubeadm names it <component>-<node> and labels it component=<component>. */
export function mirrorPodOf(pods: KubeObject[], component: string, node: string): KubeObject | undefined {
  return pods.find(
    (p) =>
      p.metadata.namespace === 'kube-system' &&
      nodeOf(p) === node &&
      (p.metadata.labels?.['component'] === component || p.metadata.name === `${component}-${node}`),
  );
}

/** D10 verify: the kubelet recreated the component's static pod and it is Running and Ready. */
export const staticPodRunning: Probe<StaticPodRunningParams> = {
  name: 'static-pod-running',
  summary: 'The static (mirror) pod of a control-plane component is Running and Ready on the nodes.',
  mode: 'watch',
  params: paramsSchema(
    {
      component: componentParam,
      nodes: nodesParam('The masters. Default: the nodes the faults hit.'),
    },
    ['component'],
  ),
  async start(ctx, p) {
    const names = await resolveNodes(ctx, p.nodes ?? FROM_FAULTS);
    const [pods] = await caches(ctx, ['pods', { namespace: 'kube-system' }]);
    return watchHandle(() => {
      const states = names.map((node) => {
        const pod = mirrorPodOf(pods!.items(), p.component, node);
        if (!pod) return { ok: false, text: `no ${p.component} pod on ${node}` };
        return {
          ok: isRunningAndReady(pod),
          text: `${pod.metadata.name} ${kubectlStatus(pod)}${isRunningAndReady(pod) ? ' ready' : ''}`,
        };
      });
      return { ok: states.every((s) => s.ok), observed: states.map((s) => s.text).join('; ') };
    });
  },
  describe: (p) =>
    `${p.component} static pod Running and Ready on ${nodesInWords(p.nodes, FROM_FAULTS)} (\`kubectl get po -n kube-system -o wide | grep ${p.component}\`)`,
};
