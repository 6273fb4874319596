import { randomUUID } from 'node:crypto';
import { accessSync, constants, rmSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { RealClock, type Clock } from '../engine/clock.js';
import { MARKER_FILE, trackProcess, type TrackedResource } from '../engine/resources.js';
import { errorMessage } from '../errors.js';
import { ETCD_PACKAGES_HINT, Etcdctl, shellQuote } from './etcdctl.js';
import { EtcdMemberError, EtcdMissingError } from './errors.js';

export interface LocalEtcdClusterOptions {
  /** Member names; default etcd1..etcd3. */
  names?: string[];
  heartbeatMs?: number;
  electionMs?: number;
  /** Keep the temp root (data dirs, logs, snapshots) after stop(), for post-mortems. */
  keepData?: boolean;
  /** Parent of the temp root; default the OS temp dir. */
  tmpParent?: string;
  etcdBinary?: string;
  etcdctlBinary?: string;
  /** Every command line run (etcd processes and etcdctl). */
  onCommand?: (line: string) => void;
  /** How long start() and member starts wait for health. Default 20 s. */
  startTimeoutMs?: number;
  clock?: Clock;
  /**
   * Told of the temp root before it is created and of each member process as it starts (synchronously, before
   * anything waits): what a drill's journal records so that `gameday rollback` can remove them if this
   * process dies without stopping them.
   */
  onResource?: (r: TrackedResource) => void;
}

/** running: process up; paused: SIGSTOPped; stopped: no process, data kept; removed: no longer a member here. */
export type MemberProcessState = 'running' | 'paused' | 'stopped' | 'removed';

export interface LocalMember {
  name: string;
  /** The "host" the member runs on; all are loopback here, the name is for reports. */
  node: string;
  dataDir: string;
  peerPort: number;
  clientPort: number;
  peerURL: string;
  clientURL: string;
  logFile: string;
  state: MemberProcessState;
  pid?: number;
}

export interface NewMemberSpec {
  name: string;
  /** Default `<root>/data/<name>`. */
  dataDir?: string;
  /** `name=peerURL,...` as `member add` printed it. */
  initialCluster: string;
  initialClusterState: 'new' | 'existing';
  /** Default the cluster's current token. */
  token?: string;
  /** Default: fresh free ports. */
  peerPort?: number;
  clientPort?: number;
  node?: string;
}

interface Child {
  process: { readonly pid?: number | undefined; kill(signal: NodeJS.Signals): boolean };
  exited: Promise<void>;
  done: boolean;
}

/** Clusters with live processes, for the process-exit backstop. */
const live = new Set<LocalEtcdCluster>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: SIGKILL every member and remove temp roots so that a crashed test
  // run or a Ctrl-C'd drill never leaves etcd listening on loopback.
  process.on('exit', () => {
    for (const c of live) c.killAllSync();
  });
}

/**
 * util-linux's setpriv (Essential in Debian, so in every install, minbase included) sets PR_SET_PDEATHSIG and
 * then execs etcd in the same process: the kernel SIGKILLs the member the moment this process dies, even by
 * SIGKILL, which no exit handler sees. Node cannot call prctl itself. Absent (not Linux), the members are
 * still stopped on a normal exit and by `gameday rollback` from the journal.
 */
let setpriv: string | null | undefined;
function pdeathsigWrapper(): string | undefined {
  if (setpriv === undefined) setpriv = (process.platform === 'linux' && findOnPath('setpriv')) || null;
  return setpriv ?? undefined;
}

export function findOnPath(binary: string): string | undefined {
  if (binary.includes('/')) return canExec(binary) ? binary : undefined;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, binary);
    if (canExec(p)) return p;
  }
  return undefined;
}

function canExec(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Which of etcd/etcdctl are missing from PATH (empty when both are there). */
export function missingEtcdBinaries(etcd = 'etcd', etcdctl = 'etcdctl'): string[] {
  return [etcd, etcdctl].filter((b) => findOnPath(b) === undefined);
}

export function assertEtcdInstalled(etcd = 'etcd', etcdctl = 'etcdctl'): void {
  const missing = missingEtcdBinaries(etcd, etcdctl);
  if (missing.length > 0) {
    throw new EtcdMissingError(`${missing.join(' and ')} not found on PATH: ${ETCD_PACKAGES_HINT}.`);
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Ports the OS says are free now (bound together, so they are distinct). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<import('node:net').Server>((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const a = s.address();
    if (a === null || typeof a === 'string') throw new Error('no port from a TCP listener');
    return a.port;
  });
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

/**
 * A real etcd cluster of separate processes on loopback, supervised for drills: each member's process can be
 * killed, stopped, frozen, resumed and started again with its data, and new members can join, as the
 * runbook does with static-pod manifests.
 */
export class LocalEtcdCluster {
  readonly names: string[];
  readonly etcdctlBinary: string;
  readonly clock: Clock;
  private readonly etcdBinary: string;
  private readonly heartbeatMs: number;
  private readonly electionMs: number;
  private readonly keepData: boolean;
  private readonly tmpParent: string;
  private readonly startTimeoutMs: number;
  private readonly onCommand: ((line: string) => void) | undefined;
  private readonly onResource: ((r: TrackedResource) => void) | undefined;
  private readonly children = new Map<string, Child>();
  private readonly memberTable = new Map<string, LocalMember>();
  private rootDir: string | undefined;
  private currentToken = '';
  private closing: Promise<void> | undefined;

  constructor(options: LocalEtcdClusterOptions = {}) {
    this.names = options.names ?? ['etcd1', 'etcd2', 'etcd3'];
    this.etcdBinary = options.etcdBinary ?? 'etcd';
    this.etcdctlBinary = options.etcdctlBinary ?? 'etcdctl';
    this.heartbeatMs = options.heartbeatMs ?? 100;
    this.electionMs = options.electionMs ?? 1000;
    this.keepData = options.keepData ?? false;
    this.tmpParent = options.tmpParent ?? tmpdir();
    this.startTimeoutMs = options.startTimeoutMs ?? 20_000;
    this.onCommand = options.onCommand;
    this.onResource = options.onResource;
    this.clock = options.clock ?? new RealClock();
  }

  /** The temp root holding data/, logs/ and snapshots/. */
  get root(): string {
    if (this.rootDir === undefined) throw new EtcdMemberError('The local etcd cluster has not been started.');
    return this.rootDir;
  }

  get token(): string {
    return this.currentToken;
  }

  /** Set by a restore, which creates a new logical cluster with its own token. */
  set token(t: string) {
    this.currentToken = t;
  }

  /** Every member this cluster knows of, removed ones included. */
  memberRecords(): LocalMember[] {
    return [...this.memberTable.values()].map((m) => ({ ...m }));
  }

  member(name: string): LocalMember {
    const m = this.memberTable.get(name);
    if (!m)
      throw new EtcdMemberError(`No etcd member named ${name} (known: ${[...this.memberTable.keys()].join(', ')}).`);
    return m;
  }

  /** Members whose process runs and is not frozen. */
  runningMembers(): LocalMember[] {
    return [...this.memberTable.values()].filter((m) => m.state === 'running');
  }

  /** Client URLs of members that answer (running, not paused), for etcdctl --endpoints. */
  liveEndpoints(): string[] {
    return this.runningMembers().map((m) => m.clientURL);
  }

  etcdctl(options: { commandTimeoutMs?: number; dialTimeoutMs?: number } = {}): Etcdctl {
    return new Etcdctl({
      binary: this.etcdctlBinary,
      endpoints: this.liveEndpoints(),
      ...options,
      ...(this.onCommand ? { onCommand: this.onCommand } : {}),
    });
  }

  async start(): Promise<void> {
    assertEtcdInstalled(this.etcdBinary, this.etcdctlBinary);
    if (this.rootDir !== undefined) throw new EtcdMemberError('The local etcd cluster is already started.');
    const root = join(this.tmpParent, `gameday-etcd-${randomUUID().slice(0, 12)}`);
    const marker = randomUUID();
    // Journalled before it exists: a crash from here on leaves a record of it.
    this.onResource?.({ kind: 'dir', path: root, marker, what: 'etcd data, logs and snapshots' });
    await mkdir(this.tmpParent, { recursive: true });
    await mkdir(root);
    this.rootDir = root;
    live.add(this);
    installExitHook();
    await writeFile(join(root, MARKER_FILE), `${marker}\n`);
    await mkdir(join(this.rootDir, 'data'), { recursive: true });
    await mkdir(join(this.rootDir, 'logs'), { recursive: true });
    this.currentToken = `gameday-${randomUUID().slice(0, 8)}`;
    const ports = await freePorts(this.names.length * 2);
    const initial: string[] = [];
    this.names.forEach((name, i) => {
      const m = this.record(name, ports[2 * i]!, ports[2 * i + 1]!, join(this.root, 'data', name), name);
      initial.push(`${name}=${m.peerURL}`);
    });
    try {
      for (const name of this.names) this.spawn(this.member(name), initial.join(','), 'new', this.currentToken);
      await this.waitHealthy(this.names, this.startTimeoutMs);
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** Kill every member, and remove the temp root unless keepData. Safe to call twice. */
  stop(): Promise<void> {
    this.closing ??= this.doStop();
    return this.closing;
  }

  close(): Promise<void> {
    return this.stop();
  }

  private async doStop(): Promise<void> {
    await Promise.all([...this.children.keys()].map((n) => this.signalAndWait(n, 'SIGKILL', 5000)));
    for (const m of this.memberTable.values()) if (m.state !== 'removed') m.state = 'stopped';
    live.delete(this);
    if (this.rootDir !== undefined && !this.keepData) await rm(this.rootDir, { recursive: true, force: true });
  }

  /** For the process-exit hook only. */
  killAllSync(): void {
    for (const c of this.children.values()) {
      if (c.done || c.process.pid === undefined) continue;
      try {
        process.kill(c.process.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (this.rootDir !== undefined && !this.keepData) rmSync(this.rootDir, { recursive: true, force: true });
  }

  /** SIGKILL: the host died. */
  async killMember(name: string): Promise<void> {
    this.member(name);
    await this.signalAndWait(name, 'SIGKILL', 5000);
  }

  /** SIGTERM and wait for the exit, as the kubelet does when the manifest is moved out; SIGKILL after 10 s. */
  async stopMember(name: string): Promise<void> {
    const m = this.member(name);
    const child = this.children.get(name);
    if (!child || child.done) return;
    if (m.state === 'paused') {
      // A stopped process keeps SIGTERM pending until it runs again.
      child.process.kill('SIGTERM');
      child.process.kill('SIGCONT');
    }
    await this.signalAndWait(name, 'SIGTERM', 10_000);
  }

  /** SIGSTOP: the member hangs; its sockets stay open and peers see it time out. */
  pauseMember(name: string): void {
    const m = this.member(name);
    const child = this.children.get(name);
    if (!child || child.done || m.state !== 'running') {
      throw new EtcdMemberError(`Cannot pause ${name}: it is ${m.state}.`);
    }
    child.process.kill('SIGSTOP');
    m.state = 'paused';
  }

  resumeMember(name: string): void {
    const m = this.member(name);
    const child = this.children.get(name);
    if (!child || child.done || m.state !== 'paused') {
      throw new EtcdMemberError(`Cannot resume ${name}: it is ${m.state}.`);
    }
    child.process.kill('SIGCONT');
    m.state = 'running';
  }

  /**
   * Start a stopped member again with its data dir (the manifest moved back): its WAL knows the cluster, so
   * `existing` with the current member list is only what the runbook's manifest says.
   */
  async restartMember(name: string, options: { waitHealthy?: boolean } = {}): Promise<void> {
    const m = this.member(name);
    if (m.state === 'running' || m.state === 'paused') {
      throw new EtcdMemberError(`Cannot restart ${name}: it is already ${m.state}.`);
    }
    if (m.state === 'removed') throw new EtcdMemberError(`Cannot restart ${name}: it was removed from the cluster.`);
    const initial = [...this.memberTable.values()]
      .filter((x) => x.state !== 'removed')
      .map((x) => `${x.name}=${x.peerURL}`)
      .join(',');
    this.spawn(m, initial, 'existing', this.currentToken);
    if (options.waitHealthy ?? true) await this.waitHealthy([name], this.startTimeoutMs);
  }

  /** Start a member process that is new to this supervisor (a member added with `member add`, a restored one). */
  async startNewMember(spec: NewMemberSpec, options: { waitHealthy?: boolean } = {}): Promise<LocalMember> {
    const existing = this.memberTable.get(spec.name);
    if (existing && (existing.state === 'running' || existing.state === 'paused')) {
      throw new EtcdMemberError(`Cannot start a new ${spec.name}: a process of that name is ${existing.state}.`);
    }
    const needed = (spec.peerPort === undefined ? 1 : 0) + (spec.clientPort === undefined ? 1 : 0);
    const ports = needed > 0 ? await freePorts(needed) : [];
    const peerPort = spec.peerPort ?? ports.shift()!;
    const clientPort = spec.clientPort ?? ports.shift()!;
    const m = this.record(
      spec.name,
      peerPort,
      clientPort,
      spec.dataDir ?? join(this.root, 'data', spec.name),
      spec.node ?? existing?.node ?? spec.name,
    );
    this.spawn(m, spec.initialCluster, spec.initialClusterState, spec.token ?? this.currentToken);
    if (options.waitHealthy ?? true) await this.waitHealthy([spec.name], this.startTimeoutMs);
    return { ...m };
  }

  /** Mark a member as gone from the cluster (after `member remove`, or replaced by a restore). */
  markRemoved(name: string): void {
    const m = this.member(name);
    if (m.state === 'running' || m.state === 'paused') {
      throw new EtcdMemberError(`Cannot mark ${name} removed while its process is ${m.state}.`);
    }
    m.state = 'removed';
  }

  /** Planned ports for a member about to be added (so `member add --peer-urls` can name them). */
  async allocatePorts(): Promise<{ peerPort: number; clientPort: number }> {
    const [peerPort, clientPort] = await freePorts(2);
    return { peerPort: peerPort!, clientPort: clientPort! };
  }

  /**
   * Wait until each named member answers `endpoint health` on its own endpoint. Fails early, with the tail of
   * its log, when a member's process exits meanwhile.
   */
  async waitHealthy(names: string[], timeoutMs: number = this.startTimeoutMs): Promise<void> {
    const ctl = new Etcdctl({ binary: this.etcdctlBinary, commandTimeoutMs: 1000, dialTimeoutMs: 500 });
    const deadline = this.clock.now() + timeoutMs;
    let last = 'client port not open yet';
    const check = async (): Promise<void> => {
      for (const name of names) {
        const child = this.children.get(name);
        if (!child || child.done) {
          throw new EtcdMemberError(
            `etcd member ${name} exited before becoming healthy. Last log lines:\n${await this.logTail(name)}`,
          );
        }
      }
      if (this.clock.now() >= deadline) {
        throw new EtcdMemberError(`etcd member(s) ${names.join(', ')} not healthy after ${timeoutMs} ms: ${last}`);
      }
    };
    // Cheap TCP probes until every client port listens: an etcdctl against a closed port would spend its
    // whole dial timeout, which is most of the time a restored member needs to start.
    for (const name of names) {
      while (!(await portOpen(this.member(name).clientPort))) {
        await check();
        await this.clock.sleep(20);
      }
    }
    for (;;) {
      await check();
      const report = await ctl.endpointHealth({ endpoints: names.map((n) => this.member(n).clientURL) });
      if (report.healthy) return;
      last = report.lines.map((l) => l.line).join('; ') || (report.error ?? '');
      await this.clock.sleep(100);
    }
  }

  async logTail(name: string, lines = 8): Promise<string> {
    try {
      const text = await readFile(this.member(name).logFile, 'utf8');
      return text.trimEnd().split('\n').slice(-lines).join('\n');
    } catch (err) {
      return `(no log: ${errorMessage(err)})`;
    }
  }

  private record(name: string, peerPort: number, clientPort: number, dataDir: string, node: string): LocalMember {
    const m: LocalMember = {
      name,
      node,
      dataDir,
      peerPort,
      clientPort,
      peerURL: `http://127.0.0.1:${peerPort}`,
      clientURL: `http://127.0.0.1:${clientPort}`,
      logFile: join(this.root, 'logs', `${name}.log`),
      state: 'stopped',
    };
    this.memberTable.set(name, m);
    return m;
  }

  private spawn(m: LocalMember, initialCluster: string, state: 'new' | 'existing', token: string): void {
    const args = [
      `--name=${m.name}`,
      `--data-dir=${m.dataDir}`,
      `--listen-peer-urls=${m.peerURL}`,
      `--initial-advertise-peer-urls=${m.peerURL}`,
      `--listen-client-urls=${m.clientURL}`,
      `--advertise-client-urls=${m.clientURL}`,
      `--initial-cluster=${initialCluster}`,
      `--initial-cluster-state=${state}`,
      `--initial-cluster-token=${token}`,
      `--heartbeat-interval=${this.heartbeatMs}`,
      `--election-timeout=${this.electionMs}`,
      '--logger=zap',
      '--log-outputs=stderr',
    ];
    this.onCommand?.([this.etcdBinary, ...args].map(shellQuote).join(' '));
    const wrapper = pdeathsigWrapper();
    const [file, argv] = wrapper
      ? [wrapper, ['--pdeathsig', 'KILL', '--', this.etcdBinary, ...args]]
      : [this.etcdBinary, args];
    const proc = execa(file, argv, {
      reject: false,
      stdin: 'ignore',
      stdout: { file: m.logFile, append: true },
      stderr: { file: m.logFile, append: true },
      // Its own process group: Ctrl-C at the terminal reaches gameday alone, which rolls the drill back in
      // order and then stops the members; SIGINT straight to them would take the survivors down mid-drill.
      // Exits are covered by the exit hook (SIGKILL, which a paused member acts on too), a death by the
      // parent-death signal, a lost process by the journal. Grace periods are ours (stopMember).
      detached: true,
      cleanup: false,
      forceKillAfterDelay: false,
    });
    if (proc.pid !== undefined) {
      const tracked = trackProcess(proc.pid, `etcd member ${m.name}`);
      if (tracked) this.onResource?.(tracked);
    }
    const child: Child = { process: proc, exited: Promise.resolve(), done: false };
    child.exited = proc
      .then(
        () => undefined,
        () => undefined,
      )
      .finally(() => {
        child.done = true;
        if (this.children.get(m.name) === child) {
          this.children.delete(m.name);
          const rec = this.memberTable.get(m.name);
          if (rec && rec.pid === proc.pid && rec.state !== 'removed') {
            rec.state = 'stopped';
            delete rec.pid;
          }
        }
      });
    this.children.set(m.name, child);
    m.state = 'running';
    if (proc.pid !== undefined) m.pid = proc.pid;
  }

  private async signalAndWait(name: string, signal: NodeJS.Signals, graceMs: number): Promise<void> {
    const child = this.children.get(name);
    if (!child || child.done) return;
    child.process.kill(signal);
    const t = this.clock.setTimer(graceMs, () => {
      if (!child.done) child.process.kill('SIGKILL');
    });
    await child.exited;
    t.cancel();
    const m = this.memberTable.get(name);
    if (m && m.state !== 'removed') {
      m.state = 'stopped';
      delete m.pid;
    }
  }
}
