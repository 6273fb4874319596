/**
 * A simulated platform: clusters, their nodes, etcd members and workloads. `schemas/topology.schema.json`
 * describes the JSON form; `default-topology.ts` is the Qingzhou platform of the drill catalogue.
 */
export interface Topology {
  $schema?: string;
  /** Overrides of Kubernetes' defaults (see src/sim/params.ts), durations as strings ("50s"). */
  params?: Record<string, string | number | boolean>;
  /**
   * The platform's image registry. Without it every image pulls; with it only the images listed (and the
   * control plane's own), and any other goes ErrImagePull then ImagePullBackOff.
   */
  registry?: TopologyRegistry;
  clusters: TopologyCluster[];
}

export interface TopologyRegistry {
  /** Image references (`hub.qingzhou.io/nsf/nsf-server:3.2.0`, `redis:4.0.14`), or `<repository>:*` for every tag. */
  images: string[];
}

export interface TopologyCluster {
  name: string;
  nodes: TopologyNode[];
  /** Nodes running etcd members; default: every master. */
  etcdMembers?: string[];
  /** Workloads in shorthand, expanded into Deployments, StatefulSets, DaemonSets and PDBs. */
  workloads?: TopologyWorkload[];
  /** Any other Kubernetes objects, created as they are (ConfigMaps, Services, ...). */
  manifests?: Record<string, unknown>[];
}

export interface TopologyNode {
  name: string;
  role: 'master' | 'worker';
  /** Kubernetes quantities. Defaults: 8 CPUs, 32Gi, 110 pods, 100Gi ephemeral storage. */
  cpu?: string;
  memory?: string;
  pods?: number;
  disk?: string;
  zone?: string;
  /** The node's InternalIP; default: its name when that is an IPv4 address, else 172.18.0.x. */
  ip?: string;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
}

export interface TopologyWorkload {
  kind: 'Deployment' | 'StatefulSet' | 'DaemonSet';
  namespace: string;
  name: string;
  replicas?: number;
  image?: string;
  /** Per container: Kubernetes quantities. */
  requests?: { cpu?: string; memory?: string };
  limits?: { cpu?: string; memory?: string };
  /** Simulated working-set memory of each container; above the limit it is OOMKilled. */
  memoryUsage?: string;
  /** Simulated log volume written under logPath, for the disk drills. */
  logPath?: string;
  ports?: number[];
  labels?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  tolerations?: Record<string, unknown>[];
  affinity?: Record<string, unknown>;
  /** A PodDisruptionBudget for the workload. */
  pdb?: { minAvailable?: number | string; maxUnavailable?: number | string };
  /** Run in the host's network namespace (CNI agents, kube-proxy): such pods need no pod network. */
  hostNetwork?: boolean;
  /** Readiness/liveness probes on the container (simulated: they pass unless a fault makes them fail). */
  probes?: boolean;
  /** A Service in front of it. */
  service?: { port: number; targetPort?: number };
  /** ConfigMaps or Secrets it mounts (a missing one blocks container creation, D9 Error). */
  configMaps?: string[];
}
