import type { Timer } from '../../engine/clock.js';
import { InfrastructureError, InvalidInputError } from '../../errors.js';
import type {
  ControlPlaneComponent,
  NewNodeSpec,
  NodeOps,
  NodeService,
  PowerAction,
  ServiceAction,
} from '../../targets/target.js';
import { tryParseQuantity } from '../controllers/quantity.js';
import { StoreError } from '../store/store.js';
import type { TopologyNode } from '../topology/types.js';
import type { Hosts } from './hosts.js';
import { capacityOf } from './node-object.js';
import { nextNodeName } from './node-naming.js';
import { isMirrorPod } from './static-pods.js';

/**
 * Host-level operations on simulated hosts, as an SRE performs them with systemctl, IPMI, ip link, docker
 * pause and mv. Each is idempotent; an unknown node is an InvalidInputError. They record nothing: the target
 * wrapper logs actions.
 */
export class SimNodeOps implements NodeOps {
  private readonly boots = new Map<string, Timer>();

  constructor(private readonly hosts: Hosts) {}

  async service(node: string, service: NodeService, action: ServiceAction): Promise<void> {
    const { host, kubelet } = this.hosts.entry(node);
    const now = this.hosts.ctx.clock.now();
    if (service === 'kubelet') {
      if (action === 'stop' || action === 'restart') host.kubelet = 'stopped';
      if ((action === 'start' && host.kubelet !== 'running') || action === 'restart') {
        host.kubelet = 'running';
        const init = this.hosts.ctx.params.kubeletStartTime;
        host.kubeletInitialisedAt = now + init;
        this.hosts.ctx.clock.setTimer(init, () => kubelet.kick(), `kubelet start ${node}`);
      }
      return;
    }
    if (action === 'stop' || action === 'restart') {
      if (host.runtime === 'running') {
        // Containers keep running, as on kind and kubeadm hosts: containerd.service (and docker.service with
        // live-restore) has KillMode=process, so stopping the daemon leaves the shims and their containers be.
        // The kubelet only loses the runtime: the node turns NotReady and nothing can start or stop.
        host.runtime = 'stopped';
        host.runtimeDownSince = now;
      }
    }
    if (action === 'start' || action === 'restart') {
      if (host.runtime === 'stopped') await this.hosts.ctx.clock.sleep(this.hosts.ctx.params.runtimeStartTime);
      if (host.runtime === 'stopped') {
        host.runtime = 'running';
        host.runtimeDownSince = undefined;
      }
      kubelet.kick();
    }
    this.hosts.emitChange(node);
  }

  async power(node: string, action: PowerAction): Promise<void> {
    const { host, kubelet } = this.hosts.entry(node);
    // An orderly shutdown ends the same way here: the simulated kubelet has no graceful node shutdown.
    if (action !== 'on') {
      this.boots.get(node)?.cancel();
      this.boots.delete(node);
      if (host.power === 'off') return;
      host.power = 'off';
      host.frozen = false;
      kubelet.containersDied(255, 'Unknown');
      this.hosts.emitChange(node);
      return;
    }
    if (host.power !== 'off') return;
    host.power = 'booting';
    const ctx = this.hosts.ctx;
    this.boots.set(
      node,
      ctx.clock.setTimer(
        ctx.params.hostBootTime,
        () => {
          this.boots.delete(node);
          if (!this.hosts.has(node) || host.power !== 'booting') return;
          host.power = 'on';
          host.kubelet = 'running';
          host.runtime = 'running';
          host.runtimeDownSince = undefined;
          host.overloaded = false;
          host.memoryPressureBytes = 0;
          host.bootId = this.hosts.uuid();
          kubelet.kick();
          this.hosts.emitChange(node);
        },
        `host ${node} boot`,
      ),
    );
  }

  async network(node: string, action: 'disconnect' | 'connect'): Promise<void> {
    const { host, kubelet } = this.hosts.entry(node);
    const want = action === 'disconnect' ? 'partitioned' : 'connected';
    if (host.network === want) return;
    host.network = want;
    if (want === 'connected') kubelet.kick();
    this.hosts.emitChange(node);
  }

  async freeze(node: string, action: 'pause' | 'unpause'): Promise<void> {
    const { host, kubelet } = this.hosts.entry(node);
    const want = action === 'pause';
    if (host.frozen === want) return;
    host.frozen = want;
    if (!want) kubelet.kick();
    this.hosts.emitChange(node);
  }

  async manifest(node: string, component: ControlPlaneComponent, action: 'out' | 'in'): Promise<void> {
    const { host } = this.hosts.entry(node);
    if (!host.isMaster) {
      throw new InvalidInputError(
        `Node "${node}" is not a master: it has no /etc/kubernetes/manifests/${component}.yaml.`,
      );
    }
    this.hosts.setManifest(node, component, action === 'in');
  }

  /**
   * A ballast outside Kubernetes, with the meaning it has on a lab host: a quantity is taken on top of what
   * is in use; a share of capacity is a level to fill up to (what the pods use counts towards it);
   * "leave:<quantity>" fills until only that much is available.
   */
  async pressure(node: string, resource: 'memory' | 'disk', amount: string): Promise<void> {
    const { host, kubelet } = this.hosts.entry(node);
    const cap = capacityOf(host);
    const total = resource === 'memory' ? cap.memoryBytes : cap.diskBytes;
    const pct = /^(\d+(?:\.\d+)?)%$/.exec(amount.trim());
    const leave = /^leave:(.+)$/.exec(amount.trim())?.[1];
    const leaveBytes = leave !== undefined ? tryParseQuantity(leave) : undefined;
    const level = pct ? (Number(pct[1]) / 100) * total : leaveBytes !== undefined ? total - leaveBytes : undefined;
    const used =
      level !== undefined
        ? Math.max(0, level - kubelet.podsUse(resource))
        : leave === undefined
          ? tryParseQuantity(amount)
          : undefined;
    if (used === undefined || used < 0) {
      throw new InvalidInputError(
        `pressure amount: expected a Kubernetes quantity ("30Gi") or a percentage of capacity ("95%"), got ${JSON.stringify(amount)}.`,
      );
    }
    if (resource === 'memory') host.memoryPressureBytes = Math.min(used, total);
    else host.diskPressureBytes = Math.min(used, total);
  }

  async relieve(node: string, resource: 'memory' | 'disk'): Promise<void> {
    const { host } = this.hosts.entry(node);
    if (resource === 'memory') host.memoryPressureBytes = 0;
    else host.diskPressureBytes = 0;
  }

  async overload(node: string, action: 'start' | 'stop'): Promise<void> {
    const { host, kubelet } = this.hosts.entry(node);
    const want = action === 'start';
    if (host.overloaded === want) return;
    host.overloaded = want;
    if (want) {
      const own = this.hosts.ctx.store
        .podsOnNode(node)
        .filter(
          (p) =>
            !p.metadata.deletionTimestamp && !isMirrorPod(p) && p.metadata.ownerReferences?.[0]?.kind !== 'DaemonSet',
        );
      host.overloadPods = new Set(own.map((p) => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`));
      host.overloadPodsAtStart = host.overloadPods.size;
    } else {
      host.overloadPods = undefined;
    }
    if (!want) kubelet.kick();
    this.hosts.emitChange(node);
  }

  async addNode(spec: NewNodeSpec): Promise<string> {
    const names = this.hosts.names();
    const name = spec.name ?? nextNodeName(names, spec.role ?? 'worker', this.hosts.ctx.cluster);
    const role = spec.role ?? 'worker';
    const like = names.map((n) => this.hosts.host(n).spec).find((s) => s.role === role);
    const node: TopologyNode = { name, role };
    const cpu = spec.cpu ?? like?.cpu;
    const memory = spec.memory ?? like?.memory;
    if (cpu !== undefined) node.cpu = cpu;
    if (memory !== undefined) node.memory = memory;
    if (like?.disk !== undefined) node.disk = like.disk;
    if (like?.pods !== undefined) node.pods = like.pods;
    if (like?.zone !== undefined) node.zone = like.zone;
    if (spec.labels) node.labels = { ...spec.labels };
    this.hosts.addNode(node, { joining: true });
    return name;
  }

  async removeNode(node: string): Promise<void> {
    this.hosts.entry(node);
    const store = this.hosts.ctx.store;
    try {
      if (store.get('leases', 'kube-node-lease', node)) store.remove('leases', 'kube-node-lease', node);
      if (store.get('nodes', undefined, node)) store.remove('nodes', undefined, node);
    } catch (err) {
      if (err instanceof StoreError && err.reason === 'Unavailable') {
        throw new InfrastructureError(`Cannot remove node "${node}": the apiserver cannot write (${err.message}).`, {
          cause: err,
        });
      }
      throw err;
    }
    this.boots.get(node)?.cancel();
    this.boots.delete(node);
    this.hosts.forget(node);
  }

  async serviceState(node: string, service: NodeService): Promise<'active' | 'inactive' | 'unknown'> {
    const { host } = this.hosts.entry(node);
    if (!host.alive) return 'unknown';
    const state = service === 'kubelet' ? host.kubelet : host.runtime;
    return state === 'running' ? 'active' : 'inactive';
  }
}
