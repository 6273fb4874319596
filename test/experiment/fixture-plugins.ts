import type { PluginInfo, Registries } from '../../src/experiment/schema.js';

// Stand-ins for the real plugins, so these tests do not change as the real registries grow.
const plugin = (name: string, summary: string, params: Record<string, unknown>): PluginInfo => ({
  name,
  summary,
  params,
});

export const fixtureRegistries: Registries = {
  faults: {
    'stop-kubelet': plugin('stop-kubelet', 'Stops kubelet on the chosen nodes.', {
      type: 'object',
      properties: {
        nodes: {
          description: 'Which nodes to stop kubelet on.',
          // The shape the real node faults use: names, or a role and count, or the nodes the faults hit.
          oneOf: [
            {
              type: 'object',
              properties: {
                names: { type: 'array', items: { type: 'string' }, minItems: 1, description: 'Node names.' },
              },
              required: ['names'],
              additionalProperties: false,
            },
            {
              type: 'object',
              properties: {
                count: { type: 'integer', minimum: 1, description: 'How many nodes.' },
                role: { enum: ['worker', 'control-plane'], description: 'Only nodes of this role.' },
              },
              additionalProperties: false,
            },
            {
              type: 'object',
              properties: { from: { const: 'faults', description: 'The nodes the faults hit.' } },
              required: ['from'],
              additionalProperties: false,
            },
          ],
        },
      },
      required: ['nodes'],
    }),
    'power-off-node': plugin('power-off-node', 'Powers a node off.', {
      type: 'object',
      properties: { node: { type: 'string', description: 'The node to power off.' } },
    }),
    'kill-etcd-members': plugin('kill-etcd-members', 'Stops etcd members.', {
      type: 'object',
      properties: { count: { type: 'integer', minimum: 1, description: 'How many members.' } },
      required: ['count'],
    }),
  },
  recoverySteps: {
    'cordon-node': plugin('cordon-node', 'Cordons the affected node.', { type: 'object', properties: {} }),
    'restart-kubelet': plugin('restart-kubelet', 'Restarts kubelet on the affected node.', { type: 'object' }),
    'uncordon-node': plugin('uncordon-node', 'Uncordons the affected node.', { type: 'object', properties: {} }),
  },
  probes: {
    'nodes-ready': plugin('nodes-ready', 'Every node is Ready.', { type: 'object', properties: {} }),
    'node-not-ready': plugin('node-not-ready', 'The affected node is NotReady.', { type: 'object', properties: {} }),
    'workloads-available': plugin('workloads-available', 'Every workload has its desired replicas available.', {
      type: 'object',
      properties: {
        namespace: { type: 'string', description: 'Only workloads in this namespace.' },
        settle: {
          type: 'string',
          pattern: '^((\\d+(\\.\\d+)?)(ms|s|m|h))+$|^PT(\\d+(\\.\\d+)?H)?(\\d+(\\.\\d+)?M)?(\\d+(\\.\\d+)?S)?$',
          description: 'How long they must stay available.',
        },
      },
    }),
  },
};
