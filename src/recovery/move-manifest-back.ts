import type { ControlPlaneComponent } from '../targets/target.js';
import { nodeArg, nodesInWords } from '../kit/describe.js';
import { FROM_FAULTS, nodeStep, type NodeStepParams } from '../kit/node-step.js';
import { componentParam } from '../kit/schema.js';

export interface MoveManifestBackParams extends NodeStepParams {
  component: ControlPlaneComponent;
}

/** D10/D4a: the kubelet starts the static pod again once its manifest is back. */
export const moveManifestBack = nodeStep<MoveManifestBackParams>({
  needs: ['manifest'],
  name: 'move-manifest-back',
  summary: 'Move a static-pod manifest back into /etc/kubernetes/manifests so the kubelet starts the component again.',
  params: { component: componentParam },
  required: ['component'],
  each: (ctx, node, p) => ctx.nodes.manifest(node, p.component, 'in'),
  describe: (p) =>
    `Move the ${p.component} manifest back on ${nodesInWords(p.nodes, FROM_FAULTS)}: \`mv /etc/kubernetes/${p.component}.yaml /etc/kubernetes/manifests/\` on ${nodeArg(p.nodes, FROM_FAULTS)}.`,
});
