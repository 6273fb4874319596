import type { ControlPlaneComponent } from '../../targets/target.js';
import type { TopologyNode } from '../topology/types.js';

export const STATIC_COMPONENTS: readonly ControlPlaneComponent[] = [
  'etcd',
  'kube-apiserver',
  'kube-controller-manager',
  'kube-scheduler',
];

/**
 * One simulated machine: what an SRE changes with IPMI, systemctl, ip link, docker pause and mv. The kubelet
 * (kubelet.ts) reads it; it holds no Kubernetes logic.
 */
export class HostState {
  power: 'on' | 'off' | 'booting' = 'on';
  frozen = false;
  kubelet: 'running' | 'stopped' = 'running';
  /** A started kubelet is active (systemd says so) but posts nothing until it has initialised. */
  kubeletInitialisedAt = 0;
  runtime: 'running' | 'stopped' = 'running';
  network: 'connected' | 'partitioned' = 'connected';
  overloaded = false;
  /**
   * The pods running on the node when it became overloaded and still there: the load is theirs, so moving
   * at least half of them away ends it (D7: 迁移节点上部分负载过高的服务).
   */
  overloadPods: Set<string> | undefined;
  overloadPodsAtStart = 0;
  registryReachable = true;
  /** Manifests in /etc/kubernetes/manifests. */
  readonly manifests = new Set<ControlPlaneComponent>();
  /** Bytes of memory and disk used outside Kubernetes (a runaway process, a filling log volume). */
  memoryPressureBytes = 0;
  diskPressureBytes = 0;
  /** Images on the machine's disk (they survive reboots). */
  readonly images = new Set<string>();
  bootId: string;
  /** When the runtime went down (for the PLEG message). */
  runtimeDownSince: number | undefined;
  /** A node that joins the cluster reports NotReady until its first full status sync. */
  joining = false;
  /**
   * A real host's kubelet agent renews this node's Lease and posts its status (the proving ground): the
   * model then writes neither, and its `kubelet` state follows the agent (see sim/host-binding).
   */
  agentBound = false;

  constructor(
    readonly spec: TopologyNode,
    /** Position in the cluster, for the pod CIDR. */
    readonly index: number,
    readonly ip: string,
    bootId: string,
  ) {
    this.bootId = bootId;
  }

  get name(): string {
    return this.spec.name;
  }

  get isMaster(): boolean {
    return this.spec.role === 'master';
  }

  /** Processes run: powered and not frozen. */
  get alive(): boolean {
    return this.power === 'on' && !this.frozen;
  }
}
