import { errorMessage } from '../errors.js';
import type { Kube } from '../kube/kube.js';
import { conditionOf, type KubeObject } from '../kube/objects.js';
import { tryParseQuantity } from '../kube/quantity.js';
import type { ControlPlaneComponent, EtcdOps, NodeOps } from '../targets/target.js';
import { etcdctl, type CommandResult, type SnapshotBook } from './etcdctl-sim.js';
import {
  UNITS,
  containersOf,
  crictlPs,
  dfH,
  dockerPs,
  freeM,
  human,
  journalTime,
  kubeletJournal,
  systemctlStatus,
  unitKey,
  uptimeLine,
  type ServiceState,
} from './host-output.js';
import { parseCommandLine, type SimpleCommand } from './shell-words.js';

export type { CommandResult } from './etcdctl-sim.js';

/** What the node shell acts through: the simulated node's host operations, etcd, and the API. */
export interface ShellBackend {
  nodes: NodeOps;
  etcd: EtcdOps;
  kube: Kube;
  node: string;
  isMaster: boolean;
}

/**
 * What the shell remembers between commands. `gameday node exec` runs each command in its own process, so
 * the caller persists this (in the practice session file) and hands it back.
 */
export interface ShellState {
  /** Snapshots saved with etcdctl, by the path typed. */
  snapshots: SnapshotBook;
  /** Static-pod manifests moved out with mv: component -> the path the file is at now. */
  manifests: Record<string, string>;
  /** When this shell stopped or started a unit (ms), for `systemctl status` and the journal. */
  serviceSince: Record<string, number>;
}

export function emptyShellState(): ShellState {
  return { snapshots: {}, manifests: {}, serviceSince: {} };
}

export interface ShellResult extends CommandResult {
  /** The session ends: `exit`, or the host went down under the person's feet (`reboot`). */
  exit?: boolean;
}

export const MANIFEST_DIR = '/etc/kubernetes/manifests';
export const LOG_DIR = '/usr/local/tomcat/logs';
const COMPONENTS: readonly ControlPlaneComponent[] = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
];
const LOG_FILES = ['catalina.out', 'catalina.2026-01-01.log', 'localhost_access_log.2026-01-01.txt'];

export const SUPPORTED =
  'systemctl status|start|stop|restart|is-active kubelet|docker|containerd, journalctl -u <unit> [-n N], ' +
  'mv /etc/kubernetes/manifests/<component>.yaml <dir> (and back), ls, etcdctl (masters), docker ps, crictl ps, ' +
  'free -m, df -h, du -sh, echo/truncate/rm of log files under /usr/local/tomcat/logs, reboot, ipmitool power, ' +
  'hostname, uptime, date, exit; pipes to grep, head, tail, wc -l';

const ok = (stdout = ''): ShellResult => ({ stdout, stderr: '', exitCode: 0 });
const fail = (stderr: string, exitCode = 1): ShellResult => ({
  stdout: '',
  stderr: stderr.endsWith('\n') ? stderr : stderr + '\n',
  exitCode,
});

/** Commands that only read: the first one counts as the trainee starting to diagnose. */
const READ_ONLY = new Set([
  'systemctl status',
  'systemctl is-active',
  'journalctl',
  'ls',
  'docker ps',
  'crictl ps',
  'free',
  'df',
  'du',
  'hostname',
  'uptime',
  'date',
  'whoami',
  'help',
]);

/**
 * An interpreter of the host commands the runbooks use, acting on one simulated node through its backend.
 * No real shell runs: each command is parsed (quotes, pipes, `;`, `&&`, `||`, `>`) and the few the runbooks
 * need are simulated; anything else says it is not simulated and exits 127, as a shell does for an unknown
 * command.
 */
export class NodeShell {
  readonly state: ShellState;

  constructor(
    private readonly b: ShellBackend,
    private readonly now: () => number,
    state?: ShellState,
  ) {
    this.state = state ?? emptyShellState();
  }

  get prompt(): string {
    return `root@${this.b.node}:~# `;
  }

  /** Whether a command line only looks (for counting the first diagnostic command). */
  static isDiagnostic(line: string): boolean {
    try {
      const first = parseCommandLine(line)[0]?.pipeline[0]?.words ?? [];
      const words = stripPrefix(first);
      return (
        READ_ONLY.has(words[0] ?? '') || READ_ONLY.has(`${words[0]} ${words[1]}`) || /^etcdctl$/.test(words[0] ?? '')
      );
    } catch {
      return false;
    }
  }

  async run(line: string): Promise<ShellResult> {
    let list;
    try {
      list = parseCommandLine(line);
    } catch (err) {
      return fail(`-bash: ${errorMessage(err)}`, 2);
    }
    let stdout = '';
    let stderr = '';
    let last: ShellResult = ok();
    for (const { pipeline, after } of list) {
      if (after === '&&' && last.exitCode !== 0) continue;
      if (after === '||' && last.exitCode === 0) continue;
      last = await this.pipeline(pipeline);
      stdout += last.stdout;
      stderr += last.stderr;
      if (last.exit) break;
    }
    return { stdout, stderr, exitCode: last.exitCode, ...(last.exit ? { exit: true } : {}) };
  }

  private async pipeline(cmds: SimpleCommand[]): Promise<ShellResult> {
    const [first, ...filters] = cmds;
    let res = await this.simple(first!);
    for (const f of filters) {
      const words = stripPrefix(f.words);
      const filtered = filter(words, res.stdout);
      if (!filtered)
        return fail(
          `${words[0] ?? ''}: not simulated in a pipe on this node (pipes support grep, head, tail, wc -l, sort, cat)`,
          127,
        );
      res = { ...filtered, stderr: res.stderr + filtered.stderr };
    }
    return res;
  }

  private async simple(cmd: SimpleCommand): Promise<ShellResult> {
    const words = stripPrefix(cmd.words);
    const name = words[0] ?? '';
    const args = words.slice(1);
    // Out-of-band: the BMC answers even when the host does not.
    if (name === 'ipmitool') return this.ipmitool(args);
    if (name === 'exit' || name === 'logout') return { ...ok(), exit: true };
    if (name === 'help') return ok(`gameday node shell supports: ${SUPPORTED}\n`);
    const kubelet = await this.b.nodes.serviceState(this.b.node, 'kubelet');
    if (kubelet === 'unknown') {
      return {
        ...fail(
          `ssh: connect to host ${this.b.node} port 22: Connection timed out\n` +
            `(the host is down or hung; its BMC still answers: ipmitool power status|on|off|cycle)`,
          255,
        ),
      };
    }
    if (cmd.redirect) return this.redirected(name, args, cmd.redirect.path);
    switch (name) {
      case 'systemctl':
        return this.systemctl(args);
      case 'service':
        // SysV style: `service kubelet restart`.
        return args.length >= 2
          ? this.systemctl([args[1]!, args[0]!])
          : fail('Usage: service < option > | --status-all | [ service_name [ command | --full-restart ] ]');
      case 'journalctl':
        return this.journalctl(args);
      case 'mv':
        return this.mv(args);
      case 'ls':
        return this.ls(args);
      case 'etcdctl':
        if (!this.b.isMaster) return fail('-bash: etcdctl: command not found (etcd runs on the masters)', 127);
        return etcdctl(args, this.b.etcd, this.b.node, this.state.snapshots);
      case 'docker':
      case 'crictl':
        return this.ps(name, args);
      case 'free':
        return ok(freeM(await this.nodeObject(), await this.pods()));
      case 'df':
        return ok(dfH(await this.nodeObject()));
      case 'du':
        return this.du(args);
      case 'reboot':
        return this.reboot();
      case 'shutdown':
        if (args.includes('-r')) return this.reboot();
        return this.poweroff();
      case 'poweroff':
      case 'halt':
        return this.poweroff();
      case 'truncate':
        return this.truncate(args);
      case 'rm':
        return this.rm(args);
      case 'echo':
        return ok(args.filter((a) => a !== '-n' && a !== '-e').join(' ') + (args.includes('-n') ? '' : '\n'));
      case ':':
      case 'true':
        return ok();
      case 'false':
        return { ...ok(), exitCode: 1 };
      case 'hostname':
        return ok(this.b.node + '\n');
      case 'whoami':
        return ok('root\n');
      case 'date':
        return ok(new Date(this.now()).toUTCString().replace('GMT', 'UTC') + '\n');
      case 'uptime':
        return this.uptime();
      case 'kubectl':
        return fail(
          'kubectl: not simulated on this node: run kubectl from your own terminal with the practice kubeconfig',
          127,
        );
      case '':
        return ok();
      default:
        return fail(`${name}: not simulated on this node (gameday node shell supports: ${SUPPORTED})`, 127);
    }
  }

  // --- systemd

  private async systemctl(args: string[]): Promise<ShellResult> {
    const rest = args.filter((a) => !a.startsWith('-'));
    const [verb, unitName] = rest;
    if (verb === 'daemon-reload') return ok();
    if (!verb || !unitName) return fail('Too few arguments.');
    const key = unitKey(unitName);
    if (!key)
      return fail(
        `Unit ${unitName.endsWith('.service') ? unitName : `${unitName}.service`} could not be found.`,
        verb === 'status' ? 4 : 5,
      );
    const service = UNITS[key]!.service;
    switch (verb) {
      case 'status': {
        const state = await this.b.nodes.serviceState(this.b.node, service);
        const since = await this.since(key, state);
        const { text, exitCode } = systemctlStatus(key, state, since, this.now(), this.b.node);
        return { stdout: text, stderr: '', exitCode };
      }
      case 'is-active': {
        const state = await this.b.nodes.serviceState(this.b.node, service);
        return { stdout: `${state}\n`, stderr: '', exitCode: state === 'active' ? 0 : 3 };
      }
      case 'start':
      case 'stop':
      case 'restart': {
        const before = await this.b.nodes.serviceState(this.b.node, service);
        await this.b.nodes.service(this.b.node, service, verb);
        if (verb === 'restart' || (verb === 'start') !== (before === 'active')) {
          this.state.serviceSince[service] = this.now();
        }
        return ok();
      }
      case 'enable':
      case 'disable':
        return ok();
      default:
        return fail(`systemctl ${verb}: not simulated on this node (status, start, stop, restart, is-active)`, 127);
    }
  }

  /** When the unit entered its state: what this shell did, else what the node's Ready condition shows. */
  private async since(key: string, state: ServiceState): Promise<number> {
    const known = this.state.serviceSince[UNITS[key]!.service];
    if (known !== undefined) return known;
    const node = await this.nodeObject();
    const ready = node ? conditionOf(node, 'Ready') : undefined;
    const transition = Date.parse(ready?.lastTransitionTime ?? '');
    const created = Date.parse(node?.metadata.creationTimestamp ?? '');
    if (key === 'kubelet' && state !== 'active' && transition) return transition;
    return created || transition || this.now() - 3 * 86_400_000;
  }

  private async journalctl(args: string[]): Promise<ShellResult> {
    let unit: string | undefined;
    let lines: number | undefined;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '-u' || a === '--unit') unit = args[++i];
      else if (a.startsWith('--unit=')) unit = a.slice(7);
      else if (a.startsWith('-u') && a.length > 2) unit = a.slice(2);
      else if (a === '-n' || a === '--lines') lines = Number(args[++i]);
      else if (a.startsWith('--lines=')) lines = Number(a.slice(8));
      else if (/^-n\d+$/.test(a)) lines = Number(a.slice(2));
    }
    const key = unit ? unitKey(unit) : undefined;
    if (!key) return fail('journalctl: only -u kubelet|docker|containerd is simulated on this node');
    const now = this.now();
    const service = UNITS[key]!.service;
    const state = await this.b.nodes.serviceState(this.b.node, service);
    let out: string[];
    if (key === 'kubelet') {
      const runtime = await this.b.nodes.serviceState(this.b.node, 'container-runtime');
      out = kubeletJournal({
        node: this.b.node,
        now,
        kubelet: state,
        runtime,
        kubeletSince: await this.since('kubelet', state),
        nodeObject: await this.nodeObject(),
        apiserver: await this.apiserverAddress(),
      });
    } else {
      const since = await this.since(key, state);
      const u = UNITS[key]!;
      out =
        state === 'active'
          ? [`${journalTime(since)} ${this.b.node} systemd[1]: Started ${u.description}.`]
          : [
              `${journalTime(since)} ${this.b.node} systemd[1]: Stopping ${u.description}...`,
              `${journalTime(since)} ${this.b.node} systemd[1]: ${u.unit}: Deactivated successfully.`,
              `${journalTime(since)} ${this.b.node} systemd[1]: Stopped ${u.description}.`,
            ];
    }
    if (lines !== undefined && Number.isFinite(lines)) out = out.slice(-lines);
    const first = out.length
      ? `-- Logs begin at ${journalTime(now - 3 * 86_400_000)} UTC, end at ${journalTime(now)} UTC. --\n`
      : '-- No entries --\n';
    const follow =
      args.includes('-f') || args.includes('--follow')
        ? '(following with -f is not simulated: these are the last lines)\n'
        : '';
    return ok(first + out.map((l) => l + '\n').join('') + follow);
  }

  // --- files

  private async mv(args: string[]): Promise<ShellResult> {
    const paths = args.filter((a) => !a.startsWith('-'));
    if (paths.length !== 2)
      return fail(
        paths.length < 2
          ? 'mv: missing destination file operand'
          : 'mv: moving several files is not simulated on this node',
      );
    const [src, dst] = [normalize(paths[0]!), normalize(paths[1]!)];
    const srcDir = dirname(src);
    const srcComponent = componentOf(basename(src));
    if (srcDir === MANIFEST_DIR && srcComponent) {
      if (!this.b.isMaster || this.state.manifests[srcComponent] !== undefined)
        return fail(`mv: cannot stat '${paths[0]}': No such file or directory`);
      if (dst === MANIFEST_DIR || dirname(dst) === MANIFEST_DIR)
        return fail(
          `mv: renaming inside ${MANIFEST_DIR} is not simulated on this node: move the manifest out of the directory`,
        );
      const target = dst.endsWith('.yaml') ? dst : `${dst}/${srcComponent}.yaml`;
      await this.b.nodes.manifest(this.b.node, srcComponent, 'out');
      this.state.manifests[srcComponent] = target;
      return ok();
    }
    const intoManifests =
      dst === MANIFEST_DIR || (dirname(dst) === MANIFEST_DIR && componentOf(basename(dst)) === srcComponent);
    if (srcComponent && intoManifests) {
      const where = this.state.manifests[srcComponent];
      if (!this.b.isMaster || (where !== undefined && where !== src))
        return fail(`mv: cannot stat '${paths[0]}': No such file or directory`);
      await this.b.nodes.manifest(this.b.node, srcComponent, 'in');
      delete this.state.manifests[srcComponent];
      return ok();
    }
    // The runbook's restore moves etcd's data directory aside; the simulated restore does that itself.
    if (this.b.isMaster && /^\/var\/lib\/etcd\/?$/.test(src)) return ok();
    return fail(
      `mv: moving ${paths[0]} is not simulated on this node (only static-pod manifests out of ${MANIFEST_DIR} and back)`,
    );
  }

  private async ls(args: string[]): Promise<ShellResult> {
    const long = args.some((a) => /^-[a-zA-Z]*l/.test(a));
    const dir = normalize(args.find((a) => !a.startsWith('-')) ?? '/root');
    if (dir === MANIFEST_DIR) {
      const present = await this.manifestsPresent();
      if (!long) return ok(present.map((c) => `${c}.yaml`).join('\n') + (present.length ? '\n' : ''));
      return ok(
        `total ${present.length * 4}\n` +
          present.map((c) => `-rw------- 1 root root ${3000 + c.length * 97} Jan  1 00:00 ${c}.yaml\n`).join(''),
      );
    }
    if (dir === '/etc/kubernetes') {
      const entries = ['admin.conf', 'controller-manager.conf', 'kubelet.conf', 'manifests', 'pki', 'scheduler.conf'];
      for (const where of Object.values(this.state.manifests))
        if (dirname(where) === dir) entries.push(basename(where));
      return ok(entries.sort().join('\n') + '\n');
    }
    if (dir === LOG_DIR) {
      const pressure = await this.diskPressure();
      if (!long) return ok(LOG_FILES.join('\n') + '\n');
      const sizes = LOG_FILES.map((_, i) => (pressure ? [38, 6, 2][i]! * 2 ** 30 : [24, 3, 1][i]! * 2 ** 20));
      return ok(
        `total ${human(sizes.reduce((a, b) => a + b, 0))}\n` +
          LOG_FILES.map(
            (f, i) => `-rw-r----- 1 tomcat tomcat ${human(sizes[i]!).padStart(5)} Jan  1 00:00 ${f}\n`,
          ).join(''),
      );
    }
    const moved = Object.values(this.state.manifests)
      .filter((w) => dirname(w) === dir)
      .map(basename);
    if (moved.length) return ok(moved.join('\n') + '\n');
    return fail(`ls: listing ${dir} is not simulated on this node (${MANIFEST_DIR}, /etc/kubernetes, ${LOG_DIR})`);
  }

  private async du(args: string[]): Promise<ShellResult> {
    const dir = normalize(args.find((a) => !a.startsWith('-')) ?? '.');
    if (dir !== LOG_DIR) return fail(`du: ${dir} is not simulated on this node (${LOG_DIR} is)`);
    return ok(`${(await this.diskPressure()) ? '46G' : '28M'}\t${LOG_DIR}\n`);
  }

  /** `echo '' > f`, `: > f`, `cat /dev/null > f`, `> f`: truncating the log files relieves the disk. */
  private async redirected(name: string, args: string[], path: string): Promise<ShellResult> {
    const target = normalize(path);
    const truncating =
      name === '' || name === ':' || name === 'true' || name === 'echo' || (name === 'cat' && args[0] === '/dev/null');
    if (!truncating) return fail(`${name}: redirecting output to a file is not simulated on this node`, 127);
    if (isUnder(target, LOG_DIR)) {
      await this.b.nodes.relieve(this.b.node, 'disk');
      return ok();
    }
    if (target === '/dev/null') return ok();
    return fail(
      `-bash: ${path}: writing files is not simulated on this node (truncating log files under ${LOG_DIR} is)`,
    );
  }

  private async truncate(args: string[]): Promise<ShellResult> {
    const files: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!;
      if (a === '-s' || a === '--size') i++;
      else if (!a.startsWith('-')) files.push(normalize(a));
    }
    if (files.length === 0) return fail("truncate: missing file operand\nTry 'truncate --help' for more information.");
    if (!files.every((f) => isUnder(f, LOG_DIR)))
      return fail(`truncate: only log files under ${LOG_DIR} are simulated on this node`);
    await this.b.nodes.relieve(this.b.node, 'disk');
    return ok();
  }

  private async rm(args: string[]): Promise<ShellResult> {
    const files = args.filter((a) => !a.startsWith('-')).map(normalize);
    if (files.length === 0) return fail('rm: missing operand');
    if (!files.every((f) => isUnder(f, LOG_DIR)))
      return fail(`rm: only removing log files under ${LOG_DIR} is simulated on this node`);
    await this.b.nodes.relieve(this.b.node, 'disk');
    return ok();
  }

  // --- runtime, power, load

  private async ps(tool: 'docker' | 'crictl', args: string[]): Promise<ShellResult> {
    if (args[0] !== 'ps') return fail(`${tool} ${args[0] ?? ''}: not simulated on this node (${tool} ps [-a] is)`, 127);
    const runtime = await this.b.nodes.serviceState(this.b.node, 'container-runtime');
    if (runtime !== 'active') {
      return tool === 'docker'
        ? fail('Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?')
        : fail(
            'time="' +
              new Date(this.now()).toISOString() +
              '" level=fatal msg="validate service connection: validate CRI v1 runtime API for endpoint \\"unix:///var/run/dockershim.sock\\": rpc error: code = Unavailable desc = connection error: desc = \\"transport: Error while dialing: dial unix /var/run/dockershim.sock: connect: connection refused\\""',
          );
    }
    const rows = containersOf(await this.pods(), args.includes('-a') || args.includes('--all'));
    return ok(tool === 'docker' ? dockerPs(rows, this.now()) : crictlPs(rows, this.now()));
  }

  private async reboot(): Promise<ShellResult> {
    await this.b.nodes.power(this.b.node, 'off');
    await this.b.nodes.power(this.b.node, 'on');
    this.state.serviceSince = {};
    return { stdout: '', stderr: `Connection to ${this.b.node} closed by remote host.\n`, exitCode: 0, exit: true };
  }

  private async poweroff(): Promise<ShellResult> {
    await this.b.nodes.power(this.b.node, 'off');
    this.state.serviceSince = {};
    return {
      stdout: '',
      stderr: `Connection to ${this.b.node} closed by remote host.\n(power it on again with: ipmitool power on)\n`,
      exitCode: 0,
      exit: true,
    };
  }

  private async ipmitool(args: string[]): Promise<ShellResult> {
    const i = args.indexOf('power');
    const action = i >= 0 ? args[i + 1] : undefined;
    const state = await this.b.nodes.serviceState(this.b.node, 'kubelet');
    switch (action) {
      case 'status':
        return ok(`Chassis Power is ${state === 'unknown' ? 'off' : 'on'}\n`);
      case 'on':
        await this.b.nodes.power(this.b.node, 'on');
        return ok('Chassis Power Control: Up/On\n');
      case 'off':
        await this.b.nodes.power(this.b.node, 'off');
        return ok('Chassis Power Control: Down/Off\n');
      case 'cycle':
      case 'reset':
        await this.b.nodes.power(this.b.node, 'off');
        await this.b.nodes.power(this.b.node, 'on');
        return ok(`Chassis Power Control: ${action === 'cycle' ? 'Cycle' : 'Reset'}\n`);
      default:
        return fail(
          'ipmitool: only `ipmitool [-I lanplus -H <bmc> -U <user> -P <pass>] power status|on|off|cycle|reset` is simulated',
        );
    }
  }

  private async uptime(): Promise<ShellResult> {
    const node = await this.nodeObject();
    const cpus = Number(tryParseQuantity(node?.status?.capacity?.cpu as string | undefined) ?? 8);
    const ready = node ? conditionOf(node, 'Ready') : undefined;
    const kubelet = await this.b.nodes.serviceState(this.b.node, 'kubelet');
    // A node whose kubelet runs but whose status stopped arriving is often one whose CPU is starved.
    const loaded = kubelet === 'active' && ready?.status === 'Unknown';
    const booted = Date.parse(node?.metadata.creationTimestamp ?? '') || this.now() - 3 * 86_400_000;
    return ok(uptimeLine(this.now(), booted, cpus, loaded));
  }

  // --- what the API shows of this node

  private async nodeObject(): Promise<KubeObject | undefined> {
    return this.b.kube.get('nodes', this.b.node);
  }

  private async pods(): Promise<KubeObject[]> {
    const { items } = await this.b.kube.list('pods', { fieldSelector: `spec.nodeName=${this.b.node}` });
    return items.filter((p) => p.spec?.nodeName === this.b.node);
  }

  private async diskPressure(): Promise<boolean> {
    const node = await this.nodeObject();
    return node ? conditionOf(node, 'DiskPressure')?.status === 'True' : false;
  }

  /** Manifests in place: none on a worker; on a master, those whose mirror pod exists and that this shell did not move. */
  private async manifestsPresent(): Promise<ControlPlaneComponent[]> {
    if (!this.b.isMaster) return [];
    const pods = await this.pods();
    const mirrors = new Set(
      pods
        .filter((p) => p.metadata.annotations?.['kubernetes.io/config.mirror'] !== undefined)
        .map((p) => p.metadata.labels?.['component']),
    );
    // No mirror pod at all (the API lost them, or the kubelet has not started): trust the shell's own record.
    return COMPONENTS.filter((c) => this.state.manifests[c] === undefined && (mirrors.size === 0 || mirrors.has(c)));
  }

  private async apiserverAddress(): Promise<string> {
    try {
      const { items } = await this.b.kube.list('nodes');
      const master = items.find(
        (n) =>
          n.metadata.labels?.['node-role.kubernetes.io/master'] !== undefined ||
          n.metadata.labels?.['node-role.kubernetes.io/control-plane'] !== undefined,
      );
      const ip = (master?.status?.addresses as { type: string; address: string }[] | undefined)?.find(
        (a) => a.type === 'InternalIP',
      )?.address;
      return ip ?? master?.metadata.name ?? 'kube-apiserver';
    } catch {
      return 'kube-apiserver';
    }
  }
}

/** `sudo`, `ETCDCTL_API=3` and other leading assignments change nothing here. */
function stripPrefix(words: string[]): string[] {
  let i = 0;
  while (i < words.length && (words[i] === 'sudo' || /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i]!))) {
    i++;
    if (words[i - 1] === 'sudo') while (i < words.length && words[i]!.startsWith('-')) i++;
  }
  return words.slice(i);
}

/** The text filters a pipe may lead to. */
function filter(words: string[], input: string): ShellResult | undefined {
  const [name, ...args] = words;
  const lines = input.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const join = (ls: string[]): string => ls.map((l) => l + '\n').join('');
  const count = (): number => {
    const n =
      args.find((a) => /^-\d+$/.test(a)) ?? (args.includes('-n') ? `-${args[args.indexOf('-n') + 1]}` : undefined);
    return n ? Math.abs(Number(n)) : 10;
  };
  switch (name) {
    case 'grep':
    case 'egrep': {
      const invert = args.some((a) => /^-[a-zA-Z]*v/.test(a));
      const ignore = args.some((a) => /^-[a-zA-Z]*i/.test(a));
      const pattern = args.find((a) => !a.startsWith('-'));
      if (pattern === undefined)
        return { stdout: '', stderr: 'Usage: grep [OPTION]... PATTERNS [FILE]...\n', exitCode: 2 };
      let re: RegExp;
      try {
        re = new RegExp(pattern, ignore ? 'i' : '');
      } catch {
        re = new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), ignore ? 'i' : '');
      }
      const out = lines.filter((l) => re.test(l) !== invert);
      return { stdout: join(out), stderr: '', exitCode: out.length ? 0 : 1 };
    }
    case 'head':
      return ok(join(lines.slice(0, count())));
    case 'tail':
      return ok(join(lines.slice(-count())));
    case 'wc':
      return args.includes('-l') ? ok(`${lines.length}\n`) : undefined;
    case 'sort':
      return ok(join([...lines].sort()));
    case 'cat':
    case 'less':
    case 'more':
      return ok(join(lines));
    default:
      return undefined;
  }
}

function componentOf(file: string): ControlPlaneComponent | undefined {
  const c = file.replace(/\.yaml$/, '');
  return file.endsWith('.yaml') && (COMPONENTS as readonly string[]).includes(c)
    ? (c as ControlPlaneComponent)
    : undefined;
}

function normalize(path: string): string {
  const abs = path.startsWith('/') ? path : `/root/${path}`;
  const parts: string[] = [];
  for (const p of abs.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return '/' + parts.join('/');
}

function dirname(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

function isUnder(path: string, dir: string): boolean {
  return path.startsWith(dir + '/') && path.length > dir.length + 1;
}
