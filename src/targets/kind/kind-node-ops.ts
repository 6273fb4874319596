import type { Kube } from '../../kube/kube.js';
import type { KubeObject } from '../../kube/objects.js';
import type { CommandRunner } from '../common/command-runner.js';
import { UnsupportedOperationError } from '../common/errors.js';
import type {
  AddressOptions,
  ControlPlaneComponent,
  NewNodeSpec,
  NodeOps,
  NodeService,
  PowerAction,
  ServiceAction,
} from '../target.js';
import { requireNode, type KindNode } from './kind-cluster.js';

export const KIND_CANNOT_ADD =
  'kind cannot add a node to a running cluster: its nodes are fixed by kind-config.yaml at `kind create cluster`. ' +
  'Run this drill on the simulator or a lab cluster, or add the node to kind-config.yaml and recreate the cluster.';

export function kindCannotRemove(node: string): string {
  return (
    `kind cannot remove node ${node} for good (kind has no node removal). Power it off instead (docker stop ${node}), ` +
    'or run this drill on the simulator or a lab cluster.'
  );
}

/** Where an older gameday put its disk ballast on a node. */
const DISK_BALLAST = '/var/lib/gameday-ballast';

export interface KindNodeOpsOptions {
  runner: CommandRunner;
  nodes: () => readonly KindNode[];
  kube: () => Kube;
  /** The docker network kind attaches its nodes to ("kind"). */
  network: string;
  /** Namespace of the CPU-burner pods. */
  podNamespace: string;
  /** Image of the CPU burner pod: needs `sh`. */
  burnerImage: string;
}

const UNITS: Record<NodeService, string> = { kubelet: 'kubelet', 'container-runtime': 'containerd' };

/** Why kind cannot make each pressure happen (KindTarget.cannot, asked in preflight). */
export const KIND_CANNOT_PRESSURE: Record<'memory-pressure' | 'disk-pressure', string> = {
  'memory-pressure':
    "kind's nodes are containers sharing this machine's memory, and each kubelet counts the whole machine's memory as its capacity: " +
    'pressure on one node means filling the memory of the machine running kind (and gameday), which every node would feel. ' +
    'Run it on a lab cluster, or on the simulator.',
  'disk-pressure':
    "kind's kubeadm configuration turns disk-based eviction off (evictionHard nodefs.available and imagefs.available 0%), " +
    'so its kubelets never report DiskPressure. Run it on a lab cluster, or on the simulator.',
};

/**
 * Host-level operations on kind's node containers, each the docker command an SRE would type:
 *
 * - service:  docker exec <node> systemctl stop|start|restart kubelet|containerd
 * - power:    docker kill <node> (a crash), docker stop <node> (systemd's orderly shutdown: kind's nodes
 *             stop on SIGRTMIN+3), docker start <node>, on the address it had (docker network connect --ip)
 * - freeze:   docker pause / docker unpause <node>
 * - network:  docker network disconnect kind <node> / docker network connect [--ip <old>] kind <node>
 * - manifest: docker exec <node> mv /etc/kubernetes/manifests/<c>.yaml /etc/kubernetes/<c>.yaml, and back
 *
 * Limits, honestly: every kind node shares the host's kernel, memory, disk and CPUs. So memory and disk
 * pressure are refused (see CANNOT), and overload is a CPU-burning pod pinned to the node, which slows
 * every node on the machine and may not make the kubelet miss its heartbeats within the grace period.
 * Docker gives a restarted or reconnected node the first free address of the network, not its own: nodes
 * powered on in another order than they went down swap addresses. Each is put back on the address it had
 * (kind's network has a configured subnet, so `--ip` works), because etcd peers and the apiserver
 * certificate name it; only when another container holds that address does it take a free one.
 */
export class KindNodeOps implements NodeOps {
  private readonly addresses = new Map<string, string>();

  constructor(private readonly o: KindNodeOpsOptions) {}

  private node(name: string): KindNode {
    return requireNode(this.o.nodes(), name);
  }

  private docker(args: string[], options?: Parameters<CommandRunner['run']>[1]) {
    return this.o.runner.run(['docker', ...args], options);
  }

  async service(node: string, service: NodeService, action: ServiceAction): Promise<void> {
    this.node(node);
    await this.docker(['exec', node, 'systemctl', action, UNITS[service]]);
  }

  async power(node: string, action: PowerAction, options: AddressOptions = {}): Promise<void> {
    this.node(node);
    if (action === 'on') {
      const before = this.addresses.get(node) ?? options.address;
      if (before) await this.pinAddress(node, before);
      const r = await this.docker(['start', node], { allowFailure: Boolean(before) });
      if (r.exitCode !== 0) {
        // Another container took the address while the node was down: it comes back on a free one.
        await this.docker(['network', 'disconnect', '--force', this.o.network, node], { allowFailure: true });
        await this.docker(['network', 'connect', this.o.network, node]);
        await this.docker(['start', node]);
      }
      this.addresses.delete(node);
      return;
    }
    // Remember the address first: a container that is not running has none to read.
    await this.remember(node);
    // docker kill: SIGKILL to the node's systemd, a crash. docker stop: SIGRTMIN+3, kind's node image's
    // STOPSIGNAL, which systemd takes as "shut down in order".
    await this.docker([action === 'off' ? 'kill' : 'stop', node]);
  }

  async freeze(node: string, action: 'pause' | 'unpause'): Promise<void> {
    this.node(node);
    await this.docker([action, node]);
  }

  async network(node: string, action: 'disconnect' | 'connect', options: AddressOptions = {}): Promise<void> {
    this.node(node);
    const net = this.o.network;
    if (action === 'disconnect') {
      // Remember the address so that the node comes back on it: etcd peers and certificates name it.
      await this.remember(node);
      await this.docker(['network', 'disconnect', net, node]);
      return;
    }
    const ip = this.addresses.get(node) ?? options.address;
    if (!ip || !(await this.connectOn(node, ip))) await this.docker(['network', 'connect', net, node]);
    this.addresses.delete(node);
  }

  async address(node: string): Promise<string | undefined> {
    this.node(node);
    const r = await this.docker(
      ['inspect', '-f', `{{(index .NetworkSettings.Networks "${this.o.network}").IPAddress}}`, node],
      { readOnly: true, allowFailure: true },
    );
    const ip = r.stdout.trim();
    return r.exitCode === 0 && ip && ip !== '<no value>' ? ip : undefined;
  }

  private async remember(node: string): Promise<void> {
    const ip = await this.address(node);
    if (ip) this.addresses.set(node, ip);
  }

  /** `docker network connect --ip`: false when docker refuses (no configured subnet, address taken). */
  private async connectOn(node: string, ip: string): Promise<boolean> {
    const r = await this.docker(['network', 'connect', '--ip', ip, this.o.network, node], { allowFailure: true });
    return r.exitCode === 0;
  }

  /**
   * Before `docker start`: give the stopped node its old address back. Docker keeps a requested address
   * (IPAMConfig) across restarts, and otherwise hands out the next free one.
   */
  private async pinAddress(node: string, ip: string): Promise<void> {
    if ((await this.address(node)) === ip) return;
    await this.docker(['network', 'disconnect', '--force', this.o.network, node], { allowFailure: true });
    if (!(await this.connectOn(node, ip))) await this.docker(['network', 'connect', this.o.network, node]);
  }

  async manifest(node: string, component: ControlPlaneComponent, action: 'out' | 'in'): Promise<void> {
    if (this.node(node).role !== 'control-plane') {
      throw new UnsupportedOperationError(`${node} is a worker: it has no ${component} static pod.`);
    }
    const active = `/etc/kubernetes/manifests/${component}.yaml`;
    const parked = `/etc/kubernetes/${component}.yaml`;
    if (action === 'out') {
      await this.docker(['exec', node, 'mv', active, parked]);
      return;
    }
    // Already back (the runbook's own move ran before the fault's revert): nothing to do. Out is never a
    // no-op: a manifest someone had moved out before the drill must not be moved in by its revert.
    await this.docker(['exec', node, 'sh', '-c', `[ -e ${active} ] && [ ! -e ${parked} ] || mv ${parked} ${active}`]);
  }

  pressure(node: string, resource: 'memory' | 'disk'): Promise<void> {
    this.node(node);
    return Promise.reject(new UnsupportedOperationError(`${node}: ${KIND_CANNOT_PRESSURE[`${resource}-pressure`]}`));
  }

  async relieve(node: string, resource: 'memory' | 'disk'): Promise<void> {
    this.node(node);
    // Nothing to undo: pressure is refused before it changes anything. A ballast an older gameday left
    // behind (a file on the node, a pod) goes too.
    if (resource === 'disk') await this.docker(['exec', node, 'rm', '-f', DISK_BALLAST], { allowFailure: true });
    else await this.deletePod(podName('memory', node));
  }

  async overload(node: string, action: 'start' | 'stop'): Promise<void> {
    this.node(node);
    if (action === 'stop') {
      await this.deletePod(podName('cpu', node));
      return;
    }
    // Four busy loops per CPU the node sees, no limits: a load average of 4x the cores.
    await this.o.kube().create(
      'pods',
      this.pod(node, 'cpu', {
        name: 'burn',
        image: this.o.burnerImage,
        imagePullPolicy: 'IfNotPresent',
        command: [
          'sh',
          '-c',
          'n=$(( $(nproc) * 4 )); i=0; while [ $i -lt $n ]; do (while :; do :; done) & i=$((i+1)); done; wait',
        ],
      }),
    );
  }

  addNode(_spec: NewNodeSpec): Promise<string> {
    return Promise.reject(new UnsupportedOperationError(KIND_CANNOT_ADD));
  }

  removeNode(node: string): Promise<void> {
    return Promise.reject(new UnsupportedOperationError(kindCannotRemove(node)));
  }

  async serviceState(node: string, service: NodeService): Promise<'active' | 'inactive' | 'unknown'> {
    this.node(node);
    const r = await this.docker(['exec', node, 'systemctl', 'is-active', UNITS[service]], {
      readOnly: true,
      allowFailure: true,
    });
    const state = r.stdout.trim().split('\n').pop() ?? '';
    if (state === 'active' || state === 'reloading') return 'active';
    if (['inactive', 'failed', 'deactivating', 'activating'].includes(state)) return 'inactive';
    // docker exec itself failed: the node container is stopped or paused.
    return 'unknown';
  }

  private pod(node: string, what: 'memory' | 'cpu', container: Record<string, unknown>): KubeObject {
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: podName(what, node),
        namespace: this.o.podNamespace,
        labels: { 'app.kubernetes.io/managed-by': 'gameday', 'gameday.dev/ballast': what },
      },
      spec: {
        // Pinned past the scheduler, tolerating every taint: it stays on this node whatever the drill does.
        nodeName: node,
        tolerations: [{ operator: 'Exists' }],
        restartPolicy: 'Never',
        terminationGracePeriodSeconds: 0,
        containers: [container],
      },
    };
  }

  private async deletePod(name: string): Promise<void> {
    try {
      await this.o.kube().delete('pods', name, { namespace: this.o.podNamespace, gracePeriodSeconds: 0 });
    } catch (err) {
      if ((err as { status?: number }).status !== 404) throw err;
    }
  }
}

export function podName(what: 'memory' | 'cpu', node: string): string {
  return `gameday-${what === 'memory' ? 'ballast' : 'burner'}-${node}`.slice(0, 63).replace(/-+$/, '');
}
