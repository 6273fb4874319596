/**
 * What a host's kubelet agent tells the simulator on the host channel (`POST <channel>/hosts/<node>`), besides
 * what it writes through the Kubernetes API (its Lease and node status). The simulator's model of the node
 * (its pods, its control-plane components, which etcd members the apiserver uses) follows these reports.
 */
export interface HostReport {
  node: string;
  /** New at every boot: a change means the host was power-cycled and its containers are gone. */
  bootID: string;
  agentPid: number;
  /** The agent is stopping (systemctl stop kubelet): the node's kubelet is gone from now. */
  stopping?: boolean;
  /** containerd answers on its socket. */
  runtime: 'active' | 'inactive';
  staticPods: StaticPodReport[];
}

export interface StaticPodReport {
  /** The manifest's metadata.name: etcd, kube-apiserver, kube-controller-manager, kube-scheduler. */
  name: string;
  hash: string;
  /**
   * running/paused/exited: the agent runs this pod's process. waiting: it will (back-off, or stopping an old
   * version). simulated: no binary for it here (kube-apiserver and friends): the simulator models it.
   */
  state: 'running' | 'paused' | 'exited' | 'waiting' | 'simulated';
  restarts: number;
  pid?: number;
  /** kube-apiserver's --etcd-servers, loopback addresses replaced by the host's own. */
  etcdServers?: string[];
}
