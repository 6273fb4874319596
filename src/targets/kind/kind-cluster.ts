import { InfrastructureError, InvalidInputError } from '../../errors.js';
import type { CommandRunner } from '../common/command-runner.js';

/** The label kind puts on every container of a cluster, with the cluster's name as value. */
export const KIND_CLUSTER_LABEL = 'io.x-k8s.kind.cluster';
export const KIND_ROLE_LABEL = 'io.x-k8s.kind.role';

export interface KindNode {
  /** Container name, which is also the Kubernetes node name ("gameday-control-plane2"). */
  name: string;
  role: 'control-plane' | 'worker';
  /** The docker networks the container is attached to (kind's own is "kind"). */
  networks?: string[];
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
      `{{.Names}}\t{{.Label "${KIND_ROLE_LABEL}"}}\t{{.Networks}}`,
    ],
    { readOnly: true },
  );
  const nodes: KindNode[] = [];
  for (const line of r.stdout.split('\n')) {
    const [name, role, networks] = line.trim().split('\t');
    if (!name) continue;
    // kind's external-load-balancer container (HA clusters) is not a Kubernetes node.
    if (role === 'control-plane' || role === 'worker') {
      nodes.push({ name, role, ...(networks ? { networks: networks.split(',').filter(Boolean) } : {}) });
    }
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

/**
 * The docker network the nodes are on: kind's "kind", or the one KIND_EXPERIMENTAL_DOCKER_NETWORK named
 * when the cluster was made (the nodes then share that one network instead).
 */
export function nodesNetwork(nodes: readonly KindNode[]): string {
  const env = process.env['KIND_EXPERIMENTAL_DOCKER_NETWORK'];
  if (env) return env;
  const lists = nodes.map((n) => n.networks ?? []);
  const shared = lists.reduce((a, b) => a.filter((x) => b.includes(x)), lists[0] ?? []);
  return shared.includes('kind') || shared.length !== 1 ? 'kind' : shared[0]!;
}
