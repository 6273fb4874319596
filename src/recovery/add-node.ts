import type { PluginContext, RecoveryStep } from '../kit/plugin.js';
import type { NewNodeSpec } from '../targets/target.js';
import { paramsSchema, quantityParam } from '../kit/schema.js';

export interface AddNodeParams {
  nodeName?: string;
  role?: 'worker' | 'master';
  cpu?: string;
  memory?: string;
  labels?: Record<string, string>;
}

/** Where add-node leaves the names of the nodes it added, for remove-node and later steps. */
export function addedNodesKey(cluster: string): string {
  return `addedNodes:${cluster}`;
}

export function addedNodes(ctx: PluginContext): string[] {
  return (ctx.state.values.get(addedNodesKey(ctx.cluster)) as string[] | undefined) ?? [];
}

/** D3 "add a node or capacity", S4 scale out. */
export const addNode: RecoveryStep<AddNodeParams> = {
  name: 'add-node',
  // kind's nodes are fixed by kind-config.yaml.
  summary: 'Join a new node to the cluster (more capacity, or a replacement).',
  needs: ['add-node'],
  params: paramsSchema({
    nodeName: { type: 'string', minLength: 1, description: 'Name of the new node. Default: chosen by the target.' },
    role: { enum: ['worker', 'master'], description: 'Default worker.' },
    cpu: quantityParam('CPU capacity. Default: like the other workers.'),
    memory: quantityParam('Memory capacity. Default: like the other workers.'),
    labels: { type: 'object', additionalProperties: { type: 'string' }, description: 'Labels of the new node.' },
  }),
  async run(ctx, p) {
    const spec: NewNodeSpec = {};
    if (p.nodeName) spec.name = p.nodeName;
    if (p.role) spec.role = p.role;
    if (p.cpu) spec.cpu = p.cpu;
    if (p.memory) spec.memory = p.memory;
    if (p.labels) spec.labels = p.labels;
    const name = await ctx.nodes.addNode(spec);
    ctx.state.values.set(addedNodesKey(ctx.cluster), [...addedNodes(ctx), name]);
    ctx.note(`added node ${name}`);
  },
  willAdd: (p) => (p.nodeName ? { nodes: [p.nodeName] } : {}),
  describe: (p) =>
    `Add a ${p.role ?? 'worker'} node${p.nodeName ? ` ${p.nodeName}` : ''}${p.memory ? ` with ${p.memory} memory` : ''}: provision the host, then \`kubeadm join <apiserver> --token <token> --discovery-token-ca-cert-hash <hash>\`${p.role === 'master' ? ' --control-plane' : ''}.`,
};
