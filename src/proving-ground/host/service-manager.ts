import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname } from 'node:path';
import { constants } from 'node:os';
import type { InitRequest, InitResponse, PodContainer, UnitStatus } from './protocol.js';
import type { UnitSpec } from './units.js';

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

interface Unit {
  spec: UnitSpec;
  status: UnitStatus;
  child?: ChildProcess | undefined;
  /** Started and not stopped by request: an exit is then a crash, and Restart= applies. */
  wanted: boolean;
  restartTimer?: NodeJS.Timeout | undefined;
  exited?: Promise<void>;
}

interface Pod {
  c: PodContainer;
  child?: ChildProcess | undefined;
  exited?: Promise<void>;
}

export interface ServiceManagerOptions {
  socket: string;
  units: UnitSpec[];
  /** How long `stop` waits after SIGTERM before SIGKILL (systemd's TimeoutStopSec; short: docker stop gives 10 s). */
  stopTimeoutMs?: number;
  log?: (line: string) => void;
}

/**
 * The host's PID-1 duties other than reaping (tini does that): supervise the units as systemd would (start,
 * stop with SIGTERM then SIGKILL to the unit's process group, Restart= after a crash), and run the static
 * pods' containers for the kubelet agent, as containerd's shims do: they belong to no unit, so stopping the
 * kubelet or containerd leaves them running (kind's containerd.service has KillMode=process).
 */
export class ServiceManager {
  private readonly units = new Map<string, Unit>();
  private readonly pods = new Map<string, Pod>();
  private server: Server | undefined;
  private shuttingDown = false;
  private readonly stopTimeoutMs: number;
  private readonly log: (line: string) => void;

  constructor(private readonly o: ServiceManagerOptions) {
    this.stopTimeoutMs = o.stopTimeoutMs ?? 3000;
    this.log = o.log ?? (() => undefined);
    for (const spec of o.units) {
      this.units.set(spec.name, {
        spec,
        wanted: false,
        status: {
          name: spec.name,
          description: spec.description,
          state: 'inactive',
          sub: 'dead',
          since: Date.now(),
          command: spec.command,
          log: spec.log,
        },
      });
    }
  }

  /** Listen on the socket and start every unit (they are all enabled). */
  async boot(): Promise<void> {
    mkdirSync(dirname(this.o.socket), { recursive: true });
    rmSync(this.o.socket, { force: true });
    this.server = createServer((conn) => {
      let buf = '';
      conn.on('data', (d) => {
        buf += d.toString('utf8');
        const nl = buf.indexOf('\n');
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = '';
        let req: InitRequest;
        try {
          req = JSON.parse(line) as InitRequest;
        } catch {
          conn.end(JSON.stringify({ ok: false, error: 'not JSON', code: 'bad-request' }) + '\n');
          return;
        }
        this.handle(req).then(
          (res) => conn.end(JSON.stringify(res) + '\n'),
          (err: unknown) =>
            conn.end(JSON.stringify({ ok: false, error: String((err as Error)?.message ?? err) }) + '\n'),
        );
      });
      conn.on('error', () => undefined);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.o.socket, () => resolve());
    });
    // Anyone may ask (systemctl is-active works for every user); the clients refuse changes to non-root.
    chmodSync(this.o.socket, 0o666);
    for (const u of this.units.values()) this.start(u);
  }

  async handle(req: InitRequest): Promise<InitResponse> {
    switch (req.op) {
      case 'status': {
        if (req.unit === undefined) return { ok: true, units: [...this.units.values()].map((u) => u.status) };
        const u = this.units.get(req.unit);
        return u ? { ok: true, units: [u.status] } : noUnit(req.unit);
      }
      case 'unit': {
        const u = this.units.get(req.unit);
        if (!u) return noUnit(req.unit);
        if (req.action === 'stop' || req.action === 'restart') await this.stop(u);
        if (req.action === 'start' || req.action === 'restart') this.start(u);
        return { ok: true, units: [u.status] };
      }
      case 'poweroff':
        setImmediate(() => void this.shutdown().then(() => process.exit(0)));
        return { ok: true };
      case 'pods':
        return { ok: true, pods: [...this.pods.values()].map((p) => p.c) };
      case 'pod-start':
        return { ok: true, id: this.startPod(req) };
      case 'pod-stop': {
        const p = this.findPod(req.id);
        if (!p) return noContainer(req.id);
        await this.stopPod(p, req.graceMs);
        return { ok: true, pods: [p.c] };
      }
      case 'pod-signal': {
        const p = this.findPod(req.id);
        if (!p) return noContainer(req.id);
        if (p.c.state === 'exited' || p.c.pid === undefined) {
          return { ok: false, error: `container ${p.c.id} is not running`, code: 'no-such-container' };
        }
        signalGroup(p.c.pid, req.signal);
        if (req.signal === 'SIGSTOP') p.c.state = 'paused';
        if (req.signal === 'SIGCONT') p.c.state = 'running';
        return { ok: true, pods: [p.c] };
      }
      case 'pod-remove': {
        const p = this.findPod(req.id);
        if (!p) return noContainer(req.id);
        if (p.c.state !== 'exited') return { ok: false, error: `container ${p.c.id} is running: stop it first` };
        this.pods.delete(p.c.id);
        return { ok: true };
      }
      default:
        return { ok: false, error: `unknown request ${JSON.stringify(req)}`, code: 'bad-request' };
    }
  }

  /** Stop everything as a shutdown does: the kubelet first, then the pods, the runtime and sshd. */
  async shutdown(): Promise<void> {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    const kubelet = this.units.get('kubelet');
    if (kubelet) await this.stop(kubelet);
    await Promise.all([...this.pods.values()].map((p) => this.stopPod(p, this.stopTimeoutMs)));
    await Promise.all([...this.units.values()].map((u) => this.stop(u)));
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    rmSync(this.o.socket, { force: true });
  }

  private start(u: Unit): void {
    u.wanted = true;
    if (u.restartTimer) clearTimeout(u.restartTimer);
    u.restartTimer = undefined;
    if (u.child || this.shuttingDown) return;
    const s = u.status;
    try {
      u.spec.before?.();
    } catch (err) {
      this.log(`${u.spec.name}: ExecStartPre failed: ${(err as Error).message}`);
      Object.assign(s, { state: 'failed', sub: 'failed', since: Date.now(), exitCode: 1 });
      delete s.pid;
      return;
    }
    const [cmd, ...args] = u.spec.command;
    const child = spawnLogged(cmd!, args, u.spec.log, {});
    u.child = child;
    Object.assign(s, { state: 'active', sub: 'running', since: Date.now() });
    delete s.exitCode;
    if (child.pid !== undefined) s.pid = child.pid;
    u.exited = new Promise((resolve) => {
      const done = (code: number): void => {
        if (u.child !== child) return resolve();
        u.child = undefined;
        delete s.pid;
        s.exitCode = code;
        s.since = Date.now();
        const crashed = u.wanted && !this.shuttingDown;
        const again = crashed && (u.spec.restart === 'always' || (u.spec.restart === 'on-failure' && code !== 0));
        if (again) {
          Object.assign(s, { state: 'activating', sub: 'auto-restart' });
          u.restartTimer = setTimeout(() => {
            u.restartTimer = undefined;
            if (u.wanted) this.start(u);
          }, u.spec.restartSec * 1000);
        } else if (crashed && code !== 0) {
          Object.assign(s, { state: 'failed', sub: 'failed' });
        } else {
          Object.assign(s, { state: 'inactive', sub: 'dead' });
        }
        this.log(`${u.spec.name}: exited with ${code}${again ? `, restarting in ${u.spec.restartSec} s` : ''}`);
        resolve();
      };
      child.on('exit', (code, signal) => done(exitCode(code, signal)));
      child.on('error', (err) => {
        this.log(`${u.spec.name}: ${err.message}`);
        done(203);
      });
    });
  }

  private async stop(u: Unit): Promise<void> {
    u.wanted = false;
    if (u.restartTimer) clearTimeout(u.restartTimer);
    u.restartTimer = undefined;
    const child = u.child;
    if (!child || child.pid === undefined) {
      if (u.status.state === 'activating')
        Object.assign(u.status, { state: 'inactive', sub: 'dead', since: Date.now() });
      return;
    }
    Object.assign(u.status, { state: 'deactivating', sub: 'stop-sigterm' });
    await killAndWait(child.pid, u.exited!, this.stopTimeoutMs);
  }

  private findPod(id: string): Pod | undefined {
    const exact = this.pods.get(id);
    if (exact) return exact;
    // crictl and ctr accept any unique prefix of an id.
    const matches = [...this.pods.values()].filter((p) => p.c.id.startsWith(id));
    return matches.length === 1 ? matches[0] : undefined;
  }

  private startPod(req: Extract<InitRequest, { op: 'pod-start' }>): string {
    const id = randomBytes(32).toString('hex');
    const now = Date.now();
    const c: PodContainer = {
      id,
      name: req.name,
      pod: req.pod,
      namespace: req.namespace,
      image: req.image,
      hash: req.hash,
      attempt: req.attempt,
      state: 'running',
      createdAt: now,
      startedAt: now,
      log: req.log,
      command: req.command,
    };
    const [cmd, ...args] = req.command;
    const child = spawnLogged(cmd!, args, req.log, req.env);
    const pod: Pod = { c, child };
    if (child.pid !== undefined) c.pid = child.pid;
    pod.exited = new Promise((resolve) => {
      const done = (code: number): void => {
        pod.child = undefined;
        Object.assign(c, { state: 'exited', exitCode: code, finishedAt: Date.now() });
        delete c.pid;
        resolve();
      };
      child.on('exit', (code, signal) => done(exitCode(code, signal)));
      child.on('error', () => done(128));
    });
    this.pods.set(id, pod);
    return id;
  }

  private async stopPod(p: Pod, graceMs: number): Promise<void> {
    const pid = p.c.pid;
    if (p.c.state === 'exited' || pid === undefined) return;
    // A frozen process cannot act on SIGTERM: thaw it first, as containerd does before killing a paused task.
    if (p.c.state === 'paused') signalGroup(pid, 'SIGCONT');
    await killAndWait(pid, p.exited!, graceMs);
  }
}

function noUnit(unit: string): InitResponse {
  return { ok: false, error: `Unit ${unit}.service not found.`, code: 'no-such-unit' };
}

function noContainer(id: string): InitResponse {
  return { ok: false, error: `container "${id}" does not exist`, code: 'no-such-container' };
}

/** A shell's view of how a process ended: its code, or 128 + the signal's number. */
function exitCode(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const n = signal ? (constants.signals as Record<string, number>)[signal] : undefined;
  return 128 + (n ?? 0);
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Gone already.
    }
  }
}

async function killAndWait(pid: number, exited: Promise<void>, graceMs: number): Promise<void> {
  signalGroup(pid, 'SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
  if ((await Promise.race([exited, late])) === 'late') {
    signalGroup(pid, 'SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}

/** Start a process in its own process group, its output appended to `log`. */
function spawnLogged(cmd: string, args: string[], log: string, env: Record<string, string>): ChildProcess {
  mkdirSync(dirname(log), { recursive: true });
  const fd = openSync(log, 'a');
  try {
    return spawn(cmd, args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { PATH, HOME: '/root', LANG: 'C.UTF-8', ...env },
    });
  } finally {
    closeSync(fd);
  }
}
