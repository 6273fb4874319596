import { CommandFailedError } from '../common/errors.js';
import { InfrastructureError, InvalidInputError } from '../../errors.js';
import type { CommandResult, RunOptions } from '../common/command-runner.js';
import type { EtcdHost } from '../common/etcd-host.js';
import { missingTool, parseToolVersion, toolsFor, type EtcdTools } from '../common/etcd-tools.js';
import type { ControlPlaneComponent, EtcdMember, EtcdSnapshot } from '../target.js';
import { SSH_UNREACHABLE, type LabHosts } from './lab-hosts.js';
import type { LabNodeOps } from './lab-node-ops.js';
import type { LabEtcd } from './profile.js';

const NODE_SNAPSHOT_DIR = '/var/lib/gameday';

/**
 * etcd on a lab cluster, as the runbook reaches it: etcdctl on a master host over ssh, with the profile's
 * certificates,
 *
 *   ssh user@master sudo env ETCDCTL_API=3 etcdctl --endpoints https://m1:2379,https://m2:2379,... \
 *       --cacert <ca> --cert <cert> --key <key> member list
 *
 * run on the first etcd node that answers ssh. Snapshots stay on that host under /var/lib/gameday (the
 * runbook keeps them on the master); restoring on another host needs the file copied there first.
 * etcdctl (and etcdutl on etcd 3.5 and later) must be on every etcd node: the profile's `etcd.etcdctl` and
 * `etcd.etcdutl`, default found through root's PATH under sudo; `tools()` checks them before anything runs.
 */
export class LabEtcdHost implements EtcdHost {
  readonly dataDir: string;
  readonly pkiDir: string;
  private preferred = 0;

  constructor(
    private readonly hosts: LabHosts,
    private readonly etcdConfig: LabEtcd,
    private readonly nodeOps: LabNodeOps,
  ) {
    this.dataDir = etcdConfig.dataDir ?? '/var/lib/etcd';
    // kubeadm keeps the etcd CA, server and peer certificates together: the CA's directory.
    this.pkiDir = etcdConfig.cacert.includes('/') ? etcdConfig.cacert.replace(/\/[^/]*$/, '') : '.';
  }

  private get etcdctlPath(): string {
    return this.etcdConfig.etcdctl ?? 'etcdctl';
  }

  private get etcdutlPath(): string {
    return this.etcdConfig.etcdutl ?? 'etcdutl';
  }

  /** Every etcd node that answers ssh must have the tools its etcd version needs: a restore may run on any. */
  async tools(): Promise<EtcdTools | undefined> {
    let found: EtcdTools | undefined;
    for (const node of this.etcdConfig.nodes) {
      const ctl = await this.hosts.onNodeArgv(node, ['env', 'ETCDCTL_API=3', this.etcdctlPath, 'version'], {
        readOnly: true,
        allowFailure: true,
      });
      if (!ctl.ran) return undefined;
      if (ctl.exitCode === SSH_UNREACHABLE) continue;
      const version = parseToolVersion(ctl.stdout);
      const fix = (tool: string, field: string): string =>
        `Install it there (etcd's release tarball has etcdctl and etcdutl), or set the lab profile's etcd.${field} to its path (${tool} runs as root under sudo, with sudo's PATH).`;
      if (ctl.exitCode !== 0 || !version) throw missingTool(this.etcdctlPath, node, 'here', fix('etcdctl', 'etcdctl'));
      const tools = toolsFor(version);
      if (tools.fileTool === 'etcdutl') {
        const utl = await this.hosts.onNodeArgv(node, [this.etcdutlPath, 'version'], {
          readOnly: true,
          allowFailure: true,
        });
        if (utl.exitCode !== 0 && utl.exitCode !== SSH_UNREACHABLE)
          throw missingTool(this.etcdutlPath, node, version, fix('etcdutl', 'etcdutl'));
      }
      found ??= tools;
    }
    return found;
  }

  async snapshotStatus(node: string, etcdctlPath: string, tools: EtcdTools): Promise<CommandResult> {
    const tool = tools.fileTool === 'etcdutl' ? [this.etcdutlPath] : ['env', 'ETCDCTL_API=3', this.etcdctlPath];
    return this.hosts.onNodeArgv(node, [...tool, 'snapshot', 'status', etcdctlPath, '-w', 'json']);
  }

  get runner() {
    return this.hosts.runner;
  }

  etcdNodes(): Promise<string[]> {
    return Promise.resolve([...this.etcdConfig.nodes]);
  }

  apiserverNodes(): Promise<string[]> {
    return Promise.resolve([...(this.etcdConfig.apiserverNodes ?? this.etcdConfig.nodes)]);
  }

  memberNameOf(node: string): string {
    const i = this.etcdConfig.nodes.indexOf(node);
    return (i >= 0 ? this.etcdConfig.names?.[i] : undefined) ?? node;
  }

  nodeOfMember(member: Pick<EtcdMember, 'name' | 'clientURL'>): string | undefined {
    const nodes = this.etcdConfig.nodes;
    const byName = nodes.find((n) => this.memberNameOf(n) === member.name);
    if (byName) return byName;
    const i = this.etcdConfig.endpoints.findIndex(
      (e) => e.replace(/\/+$/, '') === member.clientURL.replace(/\/+$/, ''),
    );
    return i >= 0 ? nodes[i] : undefined;
  }

  nodeAddress(node: string): Promise<string> {
    const i = this.etcdConfig.nodes.indexOf(node);
    const endpoint = i >= 0 ? this.etcdConfig.endpoints[i] : undefined;
    return Promise.resolve(endpoint ? new URL(endpoint).hostname : this.hosts.host(node));
  }

  onNode(node: string, argv: string[], options?: RunOptions): Promise<CommandResult> {
    return this.hosts.onNodeArgv(node, argv, options);
  }

  private connection(endpoints: readonly string[]): string[] {
    const e = this.etcdConfig;
    return ['--endpoints', endpoints.join(','), '--cacert', e.cacert, '--cert', e.cert, '--key', e.key];
  }

  /** etcdctl on the preferred etcd host, moving to the next when ssh cannot reach it. */
  private async onSomeHost(argv: (node: string) => string[], options: RunOptions): Promise<CommandResult> {
    const nodes = this.etcdConfig.nodes;
    const unreachable: string[] = [];
    for (let k = 0; k < nodes.length; k++) {
      const i = (this.preferred + k) % nodes.length;
      const node = nodes[i]!;
      const r = await this.hosts.onNodeArgv(node, argv(node), { ...options, allowFailure: true });
      if (r.exitCode === SSH_UNREACHABLE) {
        unreachable.push(node);
        continue;
      }
      this.preferred = i;
      if (r.exitCode !== 0 && options.allowFailure !== true) {
        throw new CommandFailedError(
          `\`${r.text}\` exited with ${r.exitCode}:\n${(r.stderr || r.stdout).trim()}`,
          r.text,
          r.exitCode,
          r.stderr,
        );
      }
      return r;
    }
    throw new InfrastructureError(`No etcd host answered ssh (${unreachable.join(', ')}).`);
  }

  etcdctl(args: string[], options: RunOptions = {}): Promise<CommandResult> {
    // `snapshot save` takes exactly one endpoint: the member on the host it runs on.
    const single = args[0] === 'snapshot' && args[1] === 'save';
    return this.onSomeHost((node) => {
      const i = this.etcdConfig.nodes.indexOf(node);
      const endpoints = single
        ? [this.etcdConfig.endpoints[i] ?? this.etcdConfig.endpoints[0]!]
        : this.etcdConfig.endpoints;
      return ['env', 'ETCDCTL_API=3', this.etcdctlPath, ...this.connection(endpoints), ...args];
    }, options);
  }

  async isRunning(node: string): Promise<boolean> {
    const r = await this.hosts.runTemplate('etcdRunning', node, {}, { readOnly: true, allowFailure: true });
    return r.exitCode === 0;
  }

  manifest(node: string, component: ControlPlaneComponent, action: 'out' | 'in'): Promise<void> {
    return this.nodeOps.manifest(node, component, action);
  }

  manifestPaths(component: ControlPlaneComponent): { active: string; parked: string } {
    const m = this.nodeOps.manifestName(component);
    return { active: `/etc/kubernetes/manifests/${m}`, parked: `/etc/kubernetes/${m}` };
  }

  async killMember(node: string): Promise<void> {
    await this.hosts.runTemplate('etcdKill', node, {}, { allowFailure: true });
  }

  async pauseMember(node: string): Promise<void> {
    await this.hosts.runTemplate('etcdPause', node, {});
  }

  async resumeMember(node: string): Promise<void> {
    await this.hosts.runTemplate('etcdResume', node, {});
  }

  async snapshotTarget(file: string): Promise<{ node: string; etcdctlPath: string }> {
    // `snapshot save` asks the member on the host it runs on: pick a host whose member runs (D4b's survivor),
    // or etcdctl waits on a dead one until the command's time limit.
    const nodes = this.etcdConfig.nodes;
    for (let k = 0; k < nodes.length; k++) {
      const i = (this.preferred + k) % nodes.length;
      if (await this.isRunning(nodes[i]!)) {
        this.preferred = i;
        break;
      }
    }
    await this.onSomeHost(() => ['mkdir', '-p', NODE_SNAPSHOT_DIR], {});
    return { node: this.etcdConfig.nodes[this.preferred]!, etcdctlPath: `${NODE_SNAPSHOT_DIR}/${file}` };
  }

  keepSnapshot(node: string, etcdctlPath: string): Promise<string> {
    return Promise.resolve(`${node}:${etcdctlPath}`);
  }

  placeSnapshot(snapshot: EtcdSnapshot, node: string): Promise<string> {
    const at = snapshot.path.indexOf(':/');
    const on = at > 0 ? snapshot.path.slice(0, at) : undefined;
    const path = at > 0 ? snapshot.path.slice(at + 1) : snapshot.path;
    if (on !== undefined && on !== node) {
      return Promise.reject(
        new InvalidInputError(
          `The snapshot is on ${on} (${path}); restoring on ${node} needs it there first: copy it to ${node}:${path} ` +
            `(scp through this machine), or restore the member on ${on}.`,
        ),
      );
    }
    return Promise.resolve(path);
  }

  async restore(node: string, args: string[], tools: EtcdTools): Promise<void> {
    if (tools.fileTool === 'etcdutl') {
      // etcdutl works on files only: it has no connection flags, and refuses them.
      await this.hosts.onNodeArgv(node, [this.etcdutlPath, ...args]);
      return;
    }
    const e = this.etcdConfig;
    // The runbook's own line passes the CA and certificate along; restore does not use them, but it is its line.
    await this.hosts.onNodeArgv(node, [
      'env',
      'ETCDCTL_API=3',
      this.etcdctlPath,
      ...args,
      '--cacert',
      e.cacert,
      '--cert',
      e.cert,
    ]);
  }
}
