import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '../errors.js';
import type { HostSpec } from './layout.js';

export interface GroundHost extends HostSpec {
  /** ssh's port on 127.0.0.1, published by docker. */
  sshPort?: number;
  /** The host's BMC (ipmi_sim) address on loopback. */
  bmc?: string;
}

/**
 * Everything a ground is and everything `up` created, written after each creation so that `down` removes
 * exactly that, even after an `up` that failed half way.
 */
export interface GroundState {
  version: 1;
  name: string;
  dir: string;
  createdAt: string;
  image?: string;
  subnet?: string;
  gateway?: string;
  hosts: GroundHost[];
  /** Bearer token of the API (the kubeconfig's user) and of the host channel. */
  token: string;
  bmcPort?: number;
  created: {
    network?: string;
    containers: string[];
    /** Processes started for the ground: the simulator daemon and the BMCs. */
    pids: { pid: number; what: string }[];
  };
}

/** What the simulator daemon says about itself (serve.json), once it listens and once it is ready. */
export interface ServeStatus {
  pid: number;
  phase: 'listening' | 'ready' | 'failed';
  apiUrl?: string;
  gatewayApiUrl?: string;
  channelUrl?: string;
  error?: string;
}

export const STATE_FILE = 'state.json';
export const SERVE_FILE = 'serve.json';

export function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, path);
}

export function saveState(s: GroundState): void {
  mkdirSync(s.dir, { recursive: true });
  writeJsonAtomic(join(s.dir, STATE_FILE), s);
}

export function loadState(dir: string): GroundState | undefined {
  const file = join(dir, STATE_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as GroundState;
  } catch (err) {
    throw new InvalidInputError(`${file} is not a proving-ground state file: ${(err as Error).message}`);
  }
}

export function readServe(dir: string): ServeStatus | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, SERVE_FILE), 'utf8')) as ServeStatus;
  } catch {
    return undefined;
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
