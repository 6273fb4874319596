import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { InvalidInputError } from '../errors.js';

/** kind's container labels, so the kind target finds the hosts as it finds kind's nodes. */
export const KIND_CLUSTER_LABEL = 'io.x-k8s.kind.cluster';
export const KIND_ROLE_LABEL = 'io.x-k8s.kind.role';
/** Ours: only containers with it are ever removed by `down` (a real kind cluster of the same name is not). */
export const GROUND_LABEL = 'dev.gameday.proving-ground';

export const DEFAULT_NAME = 'gameday';

export interface HostSpec {
  /** Container name, hostname and Kubernetes node name, as kind names nodes. */
  name: string;
  role: 'control-plane' | 'worker';
  ip: string;
}

export function checkName(name: string): string {
  if (!/^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$/.test(name)) {
    throw new InvalidInputError(
      `--name: expected a lowercase name of letters, digits and dashes (at most 32), as kind's cluster names are; got "${name}".`,
    );
  }
  return name;
}

/** Where a ground keeps its state, kubeconfig and lab profile: .gameday/proving-ground/<name> (cwd). */
export function defaultStateDir(name: string): string {
  return resolve('.gameday', 'proving-ground', name);
}

/** The private /24 a ground's network tries first (then the next ones): 10.213.<x>.0/24, x from the name. */
export function subnetCandidates(name: string): string[] {
  const x = createHash('sha256').update(name).digest()[0]!;
  return Array.from({ length: 24 }, (_, i) => `10.213.${(x + i * 7) % 256}.0/24`);
}

/** kind's node names on the ground's subnet: control planes at .11-.13, workers at .21-.23 (pinned). */
export function hostLayout(name: string, subnet: string, controlPlanes = 3, workers = 3): HostSpec[] {
  const base = subnet.replace(/\.0\/24$/, '');
  const hosts: HostSpec[] = [];
  for (let i = 1; i <= controlPlanes; i++) {
    hosts.push({ name: `${name}-control-plane${i === 1 ? '' : i}`, role: 'control-plane', ip: `${base}.${10 + i}` });
  }
  for (let i = 1; i <= workers; i++) {
    hosts.push({ name: `${name}-worker${i === 1 ? '' : i}`, role: 'worker', ip: `${base}.${20 + i}` });
  }
  return hosts;
}

export function gatewayOf(subnet: string): string {
  return subnet.replace(/\.0\/24$/, '.1');
}

export function networkName(name: string): string {
  return `gameday-pg-${name}`;
}

/** The kubeconfig context, as kind names it. */
export function contextName(name: string): string {
  return `kind-${name}`;
}
