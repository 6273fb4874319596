import { InfrastructureError, InvalidInputError } from '../../errors.js';
import type { CommandRunner } from '../common/command-runner.js';

/** The label kind puts on every container of a cluster, with the cluster's name as value. */
export const KIND_CLUSTER_LABEL = 'io.x-k8s.kind.cluster';
export const KIND_ROLE_LABEL = 'io.x-k8s.kind.role';

export interface KindNode {
  /** Container name, which is also the Kubernetes node name ("gameday-control-plane2"). */
  name: string;
  role: 'control-plane' | 'worker';
}

/**
 * The node containers of a kind cluster, as `docker ps` shows them. Stopped ones are included (-a): a
 * node a crashed drill powered off must still be found to be powered on again.
 */
export async function findKindNodes(runner: CommandRunner, cluster: string): Promise<KindNode[]> {
  const r = await runner.run(
    [
      'docker',
      'ps',
      '-a',
      '--filter',
      `label=${KIND_CLUSTER_LABEL}=${cluster}`,
      '--format',
      `{{.Names}}\t{{.Label "${KIND_ROLE_LABEL}"}}`,
    ],
    { readOnly: true },
  );
  const nodes: KindNode[] = [];
  for (const line of r.stdout.split('\n')) {
    const [name, role] = line.trim().split('\t');
    if (!name) continue;
    // kind's external-load-balancer container (HA clusters) is not a Kubernetes node.
    if (role === 'control-plane' || role === 'worker') nodes.push({ name, role });
  }
  if (nodes.length === 0) {
    throw new InfrastructureError(
      `No kind cluster "${cluster}": \`docker ps\` shows no node containers labelled ${KIND_CLUSTER_LABEL}=${cluster}. ` +
        `Create it with \`kind create cluster --name ${cluster} --config kind-config.yaml\`.`,
    );
  }
  return nodes.sort((a, b) => (a.role === b.role ? a.name.localeCompare(b.name) : a.role === 'control-plane' ? -1 : 1));
}

export function requireNode(nodes: readonly KindNode[], name: string): KindNode {
  const n = nodes.find((x) => x.name === name);
  if (!n) {
    throw new InvalidInputError(
      `No node "${name}" in this kind cluster; its nodes are ${nodes.map((x) => x.name).join(', ')}.`,
    );
  }
  return n;
}
