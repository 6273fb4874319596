import { readFileSync } from 'node:fs';
import { HOST_CONFIG } from './protocol.js';

/** What the proving ground tells a host about itself (written into /etc/gameday/host.json). */
export interface HostConfig {
  /** The Kubernetes node name (also the container's hostname). */
  node: string;
  /** The host's address on the proving ground's network. */
  internalIP: string;
  /** How long the host takes from power-on until its units start, in ms (a kind node's systemd takes a few s). */
  bootDelayMs: number;
  /** The simulator's host channel, where the agent reports what runs here (see sim/host-binding). */
  channel: { url: string; token: string };
}

export function readHostConfig(path = HOST_CONFIG): HostConfig {
  return JSON.parse(readFileSync(path, 'utf8')) as HostConfig;
}
