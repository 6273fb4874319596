import { chmod } from 'node:fs/promises';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../../private-files.js';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { InfrastructureError } from '../../errors.js';
import type { CommandResult, CommandRunner, RunOptions } from '../common/command-runner.js';
import { CommandFailedError } from '../common/errors.js';
import type { EtcdHost } from '../common/etcd-host.js';
import { manifestImage } from '../common/etcd-manifest.js';
import { imageEtcdVersion, missingTool, parseToolVersion, toolsFor, type EtcdTools } from '../common/etcd-tools.js';
import { stamp } from '../common/runbook-etcd.js';
import type { ControlPlaneComponent, EtcdMember, EtcdSnapshot, NodeOps } from '../target.js';
import type { KindNode } from './kind-cluster.js';

/** kubeadm's certificate paths; the etcd static pod mounts /etc/kubernetes/pki/etcd at the same path. */
export const KIND_ETCDCTL_FLAGS = [
  '--endpoints',
  'https://127.0.0.1:2379',
  '--cacert',
  '/etc/kubernetes/pki/etcd/ca.crt',
  '--cert',
  '/etc/kubernetes/pki/etcd/server.crt',
  '--key',
  '/etc/kubernetes/pki/etcd/server.key',
];

/** What crictl exec says when the container is no longer there or no longer runs (a member stopped or restarted). */
const CONTAINER_GONE = /code = NotFound|container \S+ is not running|No such container/i;

/** What etcd answers a client that asked a learner what only a voting member can answer. */
const LEARNER = /rpc not supported for learner/;

/** A result the runner was told to let through, failed as the runner would have failed it. */
function failUnlessAllowed(r: CommandResult, options: RunOptions): CommandResult {
  if (r.exitCode === 0 || options.allowFailure === true) return r;
  const detail = (r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n');
  throw new CommandFailedError(
    `\`${r.text}\` exited with ${r.exitCode}${detail ? `:\n${detail}` : '.'}`,
    r.text,
    r.exitCode,
    r.stderr,
  );
}

/** Where snapshots are kept on a node (outside the etcd data directory, which a restore moves aside). */
const NODE_SNAPSHOT_DIR = '/var/lib/gameday';

/**
 * etcd on kind. kind's node image has no etcdctl; the etcd static pod's image does. So etcdctl runs inside
 * the etcd container of a control-plane node whose member is up, found with crictl:
 *
 *   docker exec gameday-control-plane crictl ps --name etcd -q          (read-only, gives <id>)
 *   docker exec gameday-control-plane crictl exec <id> etcdctl --endpoints https://127.0.0.1:2379 ...
 *
 * This works while the API is down (`kubectl exec` would not: it needs the apiserver and its etcd).
 * Kill and freeze act on the container's task with containerd's ctr, which the node image ships.
 * etcdctl and etcdutl are the etcd image's (registry.k8s.io/etcd carries both in /usr/local/bin from 3.5 on;
 * etcdctl only on 3.4): a member's container answers `etcdctl version` and `etcdutl version`, or, when none
 * runs, the image's tag says the version. A snapshot restore runs while no member runs, so it runs in a
 * one-off container of the etcd image, under a name of its own (a failed restore may leave its container):
 *
 *   ctr -n k8s.io run --rm --mount type=bind,src=/var/lib,... <etcd image> gameday-etcd-restore-<stamp>-<hex> \
 *       etcdutl snapshot restore ...
 */
export class KindEtcdHost implements EtcdHost {
  readonly dataDir = '/var/lib/etcd';
  readonly pkiDir = '/etc/kubernetes/pki/etcd';
  private readonly containerIds = new Map<string, string>();
  /** The etcd container etcdctl last ran in, per node, until crictl says it is gone. */
  private readonly execIds = new Map<string, string>();
  private readonly addresses = new Map<string, string>();

  constructor(
    readonly runner: CommandRunner,
    private readonly nodes: () => readonly KindNode[],
    private readonly nodeOps: NodeOps,
    private readonly network: string,
    private readonly snapshotDir: string,
  ) {}

  etcdNodes(): Promise<string[]> {
    return Promise.resolve(
      this.nodes()
        .filter((n) => n.role === 'control-plane')
        .map((n) => n.name),
    );
  }

  /** The control planes that run kube-apiserver: those with its manifest (a spare has none). */
  async apiserverNodes(): Promise<string[]> {
    const { active, parked } = this.manifestPaths('kube-apiserver');
    const out: string[] = [];
    const exists = async (n: string, path: string) =>
      (await this.onNode(n, ['test', '-e', path], { readOnly: true, allowFailure: true })).exitCode === 0;
    for (const n of await this.etcdNodes()) if ((await exists(n, active)) || (await exists(n, parked))) out.push(n);
    return out;
  }

  /** kubeadm names each stacked member after its node. */
  memberNameOf(node: string): string {
    return node;
  }

  /** By the address of its client URL when it is known (a member migrated keeps its name), else by name. */
  nodeOfMember(member: Pick<EtcdMember, 'name' | 'clientURL'>): string | undefined {
    const host = /^https?:\/\/\[?([^\]/]+?)\]?:\d+/.exec(member.clientURL)?.[1];
    const byAddress = [...this.addresses].find(([, a]) => a === host)?.[0];
    if (byAddress) return byAddress;
    return this.nodes().some((n) => n.name === member.name) ? member.name : undefined;
  }

  async nodeAddress(node: string): Promise<string> {
    const known = this.addresses.get(node);
    if (known) return known;
    const r = await this.runner.run(
      ['docker', 'inspect', '-f', `{{(index .NetworkSettings.Networks "${this.network}").IPAddress}}`, node],
      { readOnly: true },
    );
    const addr = r.stdout.trim();
    if (!addr || addr === '<no value>') {
      throw new InfrastructureError(`Node ${node} has no address on docker network "${this.network}" (disconnected?).`);
    }
    this.addresses.set(node, addr);
    return addr;
  }

  onNode(node: string, argv: string[], options?: RunOptions): Promise<CommandResult> {
    return this.runner.run(['docker', 'exec', ...(options?.input !== undefined ? ['-i'] : []), node, ...argv], options);
  }

  async tools(): Promise<EtcdTools | undefined> {
    for (const node of await this.etcdNodes()) {
      const id = await this.containerId(node);
      if (!id) continue;
      const ask = (tool: string) =>
        this.onNode(node, ['crictl', 'exec', id, tool, 'version'], { readOnly: true, allowFailure: true });
      const ctl = await ask('etcdctl');
      const version = parseToolVersion(ctl.stdout);
      if (ctl.exitCode !== 0 || !version) {
        throw missingTool('etcdctl', `the etcd container on ${node}`, 'here', "kind's etcd images carry it.");
      }
      const tools = toolsFor(version);
      if (tools.fileTool === 'etcdutl' && (await ask('etcdutl')).exitCode !== 0) {
        throw missingTool(
          'etcdutl',
          `the etcd container on ${node}`,
          version,
          'registry.k8s.io/etcd images carry it from 3.5 on (/usr/local/bin/etcdutl); use one of those.',
        );
      }
      return tools;
    }
    // No member runs (every one killed): the version is the etcd image's tag.
    for (const node of await this.etcdNodes()) {
      const image = await this.etcdImage(node);
      const version = image ? imageEtcdVersion(image) : undefined;
      if (version) return toolsFor(version);
    }
    return undefined;
  }

  /** The etcd static pod's image, from its manifest wherever it is. */
  private async etcdImage(node: string): Promise<string | undefined> {
    const { active, parked } = this.manifestPaths('etcd');
    for (const file of [active, parked]) {
      const r = await this.onNode(node, ['cat', file], { readOnly: true, allowFailure: true });
      const image = r.exitCode === 0 ? manifestImage(r.stdout) : undefined;
      if (image) return image;
    }
    return undefined;
  }

  manifest(node: string, component: ControlPlaneComponent, action: 'out' | 'in'): Promise<void> {
    return this.nodeOps.manifest(node, component, action);
  }

  manifestPaths(component: ControlPlaneComponent): { active: string; parked: string } {
    return { active: `/etc/kubernetes/manifests/${component}.yaml`, parked: `/etc/kubernetes/${component}.yaml` };
  }

  /** The running etcd container on `node`, or undefined. Always asked afresh: members come and go. */
  private async containerId(node: string): Promise<string | undefined> {
    const r = await this.onNode(node, ['crictl', 'ps', '--name', 'etcd', '-q'], { readOnly: true, allowFailure: true });
    const id = r.exitCode === 0 ? r.stdout.trim().split('\n')[0]?.trim() : undefined;
    if (id) this.containerIds.set(node, id);
    else this.containerIds.delete(node);
    return id || undefined;
  }

  async isRunning(node: string): Promise<boolean> {
    return (await this.containerId(node)) !== undefined;
  }

  async etcdctl(args: string[], options: RunOptions = {}): Promise<CommandResult> {
    const tried: string[] = [];
    let learner: CommandResult | undefined;
    const argv = (id: string) => ['crictl', 'exec', id, 'etcdctl', ...KIND_ETCDCTL_FLAGS, ...args];
    for (const node of await this.etcdNodes()) {
      // The container this node answered from last time, without asking crictl ps again: each docker exec
      // costs a few hundred milliseconds on a busy machine, and the data-safety writer runs one every 100 ms.
      let r: CommandResult | undefined;
      const cached = this.execIds.get(node);
      if (cached) {
        r = await this.onNode(node, argv(cached), { ...options, allowFailure: true });
        if (CONTAINER_GONE.test(r.stderr)) {
          this.execIds.delete(node);
          r = undefined;
        }
      }
      if (!r) {
        const id = await this.containerId(node);
        if (!id) {
          tried.push(node);
          continue;
        }
        this.execIds.set(node, id);
        r = await this.onNode(node, argv(id), { ...options, allowFailure: true });
      }
      // A learner answers almost nothing (member list, promote, put): ask a voting member, as kubeadm does.
      if (r.exitCode !== 0 && LEARNER.test(r.stderr)) {
        learner = r;
        tried.push(`${node} (a learner)`);
        continue;
      }
      return failUnlessAllowed(r, options);
    }
    if (learner) return failUnlessAllowed(learner, options);
    throw new InfrastructureError(
      `No etcd member is running to run \`etcdctl ${args.join(' ')}\` in (checked ${tried.join(', ')}).`,
    );
  }

  private async requireContainer(node: string, what: string): Promise<string> {
    const id = (await this.containerId(node)) ?? this.containerIds.get(node);
    if (!id) throw new InfrastructureError(`No etcd container on ${node} to ${what}.`);
    return id;
  }

  async killMember(node: string): Promise<void> {
    const id = this.containerIds.get(node) ?? (await this.containerId(node));
    // The kubelet may already have stopped it after its manifest left: then there is nothing to kill.
    if (id)
      await this.onNode(node, ['ctr', '-n', 'k8s.io', 'tasks', 'kill', '-s', 'SIGKILL', id], { allowFailure: true });
  }

  async pauseMember(node: string): Promise<void> {
    const id = await this.requireContainer(node, 'freeze');
    await this.onNode(node, ['ctr', '-n', 'k8s.io', 'tasks', 'pause', id]);
  }

  async resumeMember(node: string): Promise<void> {
    const id = this.containerIds.get(node) ?? (await this.requireContainer(node, 'resume'));
    await this.onNode(node, ['ctr', '-n', 'k8s.io', 'tasks', 'resume', id]);
  }

  async snapshotTarget(file: string): Promise<{ node: string; etcdctlPath: string }> {
    for (const node of await this.etcdNodes()) {
      // /var/lib/etcd is the only writable host directory the etcd container mounts.
      if (await this.isRunning(node)) return { node, etcdctlPath: `${this.dataDir}/${file}` };
    }
    throw new InfrastructureError('No etcd member is running to take a snapshot from.');
  }

  async snapshotStatus(node: string, etcdctlPath: string, tools: EtcdTools): Promise<CommandResult> {
    const id = await this.requireContainer(node, 'read the snapshot');
    return this.onNode(node, ['crictl', 'exec', id, tools.fileTool, 'snapshot', 'status', etcdctlPath, '-w', 'json']);
  }

  async keepSnapshot(node: string, etcdctlPath: string, file: string): Promise<string> {
    const onNode = `${NODE_SNAPSHOT_DIR}/${file}`;
    await this.onNode(node, ['mkdir', '-p', NODE_SNAPSHOT_DIR]);
    await this.onNode(node, ['mv', etcdctlPath, onNode]);
    // A copy outside the cluster: a lost node must not take the only snapshot with it.
    const local = resolve(this.snapshotDir, file);
    // A snapshot is every object of the cluster, Secrets included: the user's alone.
    if (!this.runner.dryRun) await ensurePrivateDir(this.snapshotDir);
    await this.runner.run(['docker', 'cp', `${node}:${onNode}`, local]);
    if (!this.runner.dryRun) await chmod(local, PRIVATE_FILE_MODE);
    return local;
  }

  async placeSnapshot(snapshot: EtcdSnapshot, node: string): Promise<string> {
    const file = snapshot.path.split('/').pop() ?? 'snapshot.db';
    const onNode = `${NODE_SNAPSHOT_DIR}/${file}`;
    await this.onNode(node, ['mkdir', '-p', NODE_SNAPSHOT_DIR]);
    await this.runner.run(['docker', 'cp', snapshot.path, `${node}:${onNode}`]);
    return onNode;
  }

  async restore(node: string, args: string[], tools: EtcdTools): Promise<void> {
    const image = await this.etcdImage(node);
    if (!image) throw new InfrastructureError(`No etcd manifest on ${node} to take the etcd image from.`);
    const name = `gameday-etcd-restore-${stamp(this.runner.clock.now()).toLowerCase()}-${randomBytes(3).toString('hex')}`;
    const r = await this.onNode(
      node,
      [
        'ctr',
        '-n',
        'k8s.io',
        'run',
        '--rm',
        '--mount',
        'type=bind,src=/var/lib,dst=/var/lib,options=rbind:rw',
        image,
        name,
        tools.fileTool,
        ...args,
      ],
      { allowFailure: true },
    );
    if (r.exitCode === 0) return;
    // ctr removes it on a clean exit only; a restore cut short leaves it behind.
    await this.onNode(node, ['ctr', '-n', 'k8s.io', 'containers', 'rm', name], { allowFailure: true });
    throw new CommandFailedError(
      `\`${r.text}\` exited with ${r.exitCode}:\n${(r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n')}`,
      r.text,
      r.exitCode,
      r.stderr,
    );
  }
}
