import { InfrastructureError } from '../../errors.js';
import type { Kube } from '../../kube/kube.js';
import type { KubeObject } from '../../kube/objects.js';
import type { CommandRunner } from '../common/command-runner.js';
import { UnsupportedOperationError } from '../common/errors.js';
import { ballastSize, quantityValue } from '../common/quantity.js';
import type { ControlPlaneComponent, NewNodeSpec, NodeOps, NodeService, ServiceAction } from '../target.js';
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

/** The file `pressure(node, 'disk', ...)` fills inside the node container. */
export const DISK_BALLAST = '/var/lib/gameday-ballast';

export interface KindNodeOpsOptions {
  runner: CommandRunner;
  nodes: () => readonly KindNode[];
  kube: () => Kube;
  /** The docker network kind attaches its nodes to ("kind"). */
  network: string;
  /** Namespace of the ballast and CPU-burner pods. */
  podNamespace: string;
  /** Image of the memory ballast pod: anything that sleeps; the pause image is on every kind node. */
  ballastImage: string;
  /** Image of the CPU burner pod: needs `sh`. */
  burnerImage: string;
}

const UNITS: Record<NodeService, string> = { kubelet: 'kubelet', 'container-runtime': 'containerd' };

/**
 * Host-level operations on kind's node containers, each the docker command an SRE would type:
 *
 * - service:  docker exec <node> systemctl stop|start|restart kubelet|containerd
 * - power:    docker stop <node> / docker start <node> (systemd in the node shuts down and boots)
 * - freeze:   docker pause / docker unpause <node>
 * - network:  docker network disconnect kind <node> / docker network connect [--ip <old>] kind <node>
 * - manifest: docker exec <node> mv /etc/kubernetes/manifests/<c>.yaml /etc/kubernetes/<c>.yaml, and back
 * - disk pressure: docker exec <node> fallocate -l <bytes> /var/lib/gameday-ballast (relieve: rm -f)
 *
 * Limits, honestly: every kind node shares the host's kernel, memory, disk and CPUs. So memory pressure is
 * a ballast pod pinned to the node whose *request* takes the memory (the scheduler then sees the node
 * full, as in drill D3) rather than real memory use, which would press on the CI machine itself; disk
 * pressure fills the host's disk, where the node's /var lives; and overload is a CPU-burning pod pinned
 * to the node, which slows every node on the machine and may not make the kubelet miss its heartbeats
 * within the grace period. A control-plane node that is powered off or disconnected can come back with
 * another IP address, which breaks its etcd member and apiserver certificate: kind does not pin addresses.
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

  async power(node: string, action: 'off' | 'on'): Promise<void> {
    this.node(node);
    await this.docker([action === 'off' ? 'stop' : 'start', node]);
  }

  async freeze(node: string, action: 'pause' | 'unpause'): Promise<void> {
    this.node(node);
    await this.docker([action, node]);
  }

  async network(node: string, action: 'disconnect' | 'connect'): Promise<void> {
    this.node(node);
    const net = this.o.network;
    if (action === 'disconnect') {
      // Remember the address so that the node comes back on it: etcd peers and certificates name it.
      const r = await this.docker(['inspect', '-f', `{{(index .NetworkSettings.Networks "${net}").IPAddress}}`, node], {
        readOnly: true,
        allowFailure: true,
      });
      const ip = r.stdout.trim();
      if (r.exitCode === 0 && ip && ip !== '<no value>') this.addresses.set(node, ip);
      await this.docker(['network', 'disconnect', net, node]);
      return;
    }
    const ip = this.addresses.get(node);
    if (ip) {
      // Docker accepts --ip only on networks with a user-configured subnet; otherwise connect plainly.
      const r = await this.docker(['network', 'connect', '--ip', ip, net, node], { allowFailure: true });
      if (r.exitCode === 0) {
        this.addresses.delete(node);
        return;
      }
    }
    await this.docker(['network', 'connect', net, node]);
    this.addresses.delete(node);
  }

  async manifest(node: string, component: ControlPlaneComponent, action: 'out' | 'in'): Promise<void> {
    if (this.node(node).role !== 'control-plane') {
      throw new UnsupportedOperationError(`${node} is a worker: it has no ${component} static pod.`);
    }
    const active = `/etc/kubernetes/manifests/${component}.yaml`;
    const parked = `/etc/kubernetes/${component}.yaml`;
    await this.docker(['exec', node, 'mv', ...(action === 'out' ? [active, parked] : [parked, active])]);
  }

  async pressure(node: string, resource: 'memory' | 'disk', amount: string): Promise<void> {
    this.node(node);
    if (resource === 'disk') {
      const bytes = await ballastSize(amount, () => this.diskUsage(node));
      await this.docker(['exec', node, 'fallocate', '-l', String(bytes), DISK_BALLAST]);
      return;
    }
    const bytes = await ballastSize(amount, () => this.memoryRequested(node));
    if (bytes <= 0)
      throw new InfrastructureError(`${node}'s memory is already requested up to ${amount}; no ballast needed.`);
    await this.o.kube().create(
      'pods',
      this.pod(node, 'memory', {
        name: 'ballast',
        image: this.o.ballastImage,
        imagePullPolicy: 'IfNotPresent',
        resources: { requests: { memory: String(bytes) }, limits: { memory: String(bytes) } },
      }),
    );
  }

  async relieve(node: string, resource: 'memory' | 'disk'): Promise<void> {
    this.node(node);
    if (resource === 'disk') {
      await this.docker(['exec', node, 'rm', '-f', DISK_BALLAST]);
      return;
    }
    await this.deletePod(podName('memory', node));
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

  /** The disk holding the node's /var/lib (the kubelet's nodefs), from df inside the node. */
  private async diskUsage(node: string): Promise<{ capacity: number; used: number }> {
    const r = await this.docker(['exec', node, 'df', '-B1', '--output=size,used', '/var/lib'], { readOnly: true });
    const nums = r.stdout.trim().split('\n').pop()?.trim().split(/\s+/).map(Number) ?? [];
    const [capacity, used] = nums;
    if (capacity === undefined || used === undefined || !Number.isFinite(capacity) || !Number.isFinite(used)) {
      throw new InfrastructureError(`Could not read ${node}'s disk usage from df: ${r.stdout}`);
    }
    return { capacity, used };
  }

  /** Allocatable memory and what the node's running pods already request: the scheduler's view. */
  private async memoryRequested(node: string): Promise<{ capacity: number; used: number }> {
    const kube = this.o.kube();
    const obj = await kube.get('nodes', node);
    const alloc = (obj?.status as { allocatable?: { memory?: string } } | undefined)?.allocatable?.memory;
    if (!alloc) throw new InfrastructureError(`Node ${node} reports no allocatable memory.`);
    const pods = await kube.list('pods', { fieldSelector: `spec.nodeName=${node}` });
    let used = 0;
    for (const p of pods.items) {
      const phase = (p.status as { phase?: string } | undefined)?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') continue;
      const spec = p.spec as { containers?: { resources?: { requests?: { memory?: string } } }[] } | undefined;
      for (const c of spec?.containers ?? []) {
        const m = c.resources?.requests?.memory;
        if (m) used += quantityValue(m);
      }
    }
    return { capacity: quantityValue(alloc), used };
  }
}

export function podName(what: 'memory' | 'cpu', node: string): string {
  return `gameday-${what === 'memory' ? 'ballast' : 'burner'}-${node}`.slice(0, 63).replace(/-+$/, '');
}
