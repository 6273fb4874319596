/**
 * The host's service manager (init.ts) and its clients (systemctl, crictl, ctr, the kubelet agent) talk over
 * one unix socket, one JSON request and one JSON answer per line. Everything under host/ runs inside the
 * proving ground's host containers on Debian's Node.js 18: it imports only node's built-ins, its siblings
 * and `yaml` (shipped next to it), never the rest of gameday.
 */
import { connect } from 'node:net';

export const RUN_DIR = '/run/gameday';
export const INIT_SOCKET = `${RUN_DIR}/init.sock`;
/** Written by init at every boot; /run is a tmpfs, so a power cycle gives a new one. */
export const BOOT_ID_FILE = `${RUN_DIR}/boot-id`;
/** Where the proving ground puts this host's settings (node name, API, host channel, boot delay). */
export const HOST_CONFIG = '/etc/gameday/host.json';

export type UnitState = 'active' | 'activating' | 'deactivating' | 'inactive' | 'failed';

export interface UnitStatus {
  name: string;
  description: string;
  state: UnitState;
  /** systemd's sub-state: running, dead, exited, auto-restart, start, stop-sigterm. */
  sub: string;
  pid?: number;
  since: number;
  exitCode?: number;
  command: string[];
  log?: string;
}

/** A static pod's container as the runtime knows it (crictl ps, ctr tasks). */
export interface PodContainer {
  /** 64 hex digits, as containerd ids are. */
  id: string;
  /** The container's name in the manifest ("etcd"). */
  name: string;
  /** The pod: "<manifest name>-<node>". */
  pod: string;
  namespace: string;
  image: string;
  /** The manifest's hash when the agent started it (kubernetes.io/config.hash). */
  hash: string;
  attempt: number;
  state: 'running' | 'paused' | 'exited';
  pid?: number;
  createdAt: number;
  startedAt: number;
  finishedAt?: number;
  exitCode?: number;
  log: string;
  command: string[];
}

export type InitRequest =
  | { op: 'unit'; action: 'start' | 'stop' | 'restart'; unit: string }
  | { op: 'status'; unit?: string }
  | { op: 'poweroff' }
  | { op: 'pods' }
  | {
      op: 'pod-start';
      name: string;
      pod: string;
      namespace: string;
      image: string;
      hash: string;
      attempt: number;
      command: string[];
      env: Record<string, string>;
      log: string;
    }
  | { op: 'pod-stop'; id: string; graceMs: number }
  | { op: 'pod-signal'; id: string; signal: 'SIGKILL' | 'SIGTERM' | 'SIGSTOP' | 'SIGCONT' }
  | { op: 'pod-remove'; id: string };

export type InitResponse =
  | { ok: true; units?: UnitStatus[]; pods?: PodContainer[]; id?: string }
  | { ok: false; error: string; code?: 'no-such-unit' | 'no-such-container' | 'bad-request' };

/** Thrown when the socket is not there: the host is booting or init is gone, as systemd's bus would be. */
export class InitUnreachable extends Error {}

/** One request to init. */
export function askInit(req: InitRequest, socket = INIT_SOCKET, timeoutMs = 130_000): Promise<InitResponse> {
  return new Promise((resolve, reject) => {
    const conn = connect(socket);
    let buf = '';
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new Error(`init did not answer within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    conn.on('connect', () => conn.write(JSON.stringify(req) + '\n'));
    conn.on('data', (d) => {
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      conn.end();
      try {
        resolve(JSON.parse(buf.slice(0, nl)) as InitResponse);
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
    conn.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') reject(new InitUnreachable(err.code));
      else reject(err);
    });
  });
}

/** A unit name as systemctl accepts it: "kubelet" or "kubelet.service". */
export function unitName(arg: string): string {
  return arg.replace(/\.service$/, '');
}
