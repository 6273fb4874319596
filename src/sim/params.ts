import { KUBERNETES_VERSION } from './kubernetes-version.js';

/**
 * Kubernetes' defaults, as `../shared/reference/kubernetes-behaviour.md` records them with their sources.
 * A topology file may override any of them (e.g. nodeMonitorGracePeriod "50s" for v1.32+ behaviour).
 * All durations in milliseconds.
 */
export interface SimParams {
  nodeStatusUpdateFrequency: number;
  nodeStatusReportFrequency: number;
  nodeLeaseDuration: number;
  leaseRenewInterval: number;
  nodeMonitorPeriod: number;
  nodeMonitorGracePeriod: number;
  nodeStartupGracePeriod: number;
  /** Nodes per second the node controller may taint for eviction in a healthy zone. */
  nodeEvictionRate: number;
  secondaryNodeEvictionRate: number;
  largeClusterSizeThreshold: number;
  unhealthyZoneThreshold: number;
  defaultTolerationSeconds: number;
  backoffInitial: number;
  backoffMax: number;
  /** A container that ran this long resets its back-off. */
  backoffReset: number;
  terminationGracePeriod: number;
  probePeriod: number;
  probeFailureThreshold: number;
  /** How long pulling an image takes when it succeeds. */
  imagePullTime: number;
  /** How long a container takes from start to Ready when it has no readiness probe delay. */
  containerStartTime: number;
  /**
   * From `systemctl start kubelet` until the kubelet posts its first status (plugin and PLEG start-up).
   * An estimate: a few seconds on a healthy host.
   */
  kubeletStartTime: number;
  /** `systemctl start docker|containerd` returns once the daemon is up: a few seconds (an estimate). */
  runtimeStartTime: number;
  /** Host boot time after power on, until kubelet runs. */
  hostBootTime: number;
  /** kubelet re-lists the manifest directory this often (it also watches it with inotify). */
  staticPodRelist: number;
  /** Leader-election lease duration for controller-manager and scheduler. */
  leaderLeaseDuration: number;
  leaderRenewDeadline: number;
  leaderRetryPeriod: number;
  /** etcd */
  etcdElectionTimeout: number;
  etcdRequestTimeout: number;
  /** Kubernetes version nodes report and /version answers (default: KUBERNETES_VERSION). */
  kubeletVersion: string;
  /** kubelet hard eviction thresholds (--eviction-hard defaults). */
  evictionHardMemoryAvailable: string;
  evictionHardNodefsAvailable: string;
  /** A pressure condition stays True this long after the pressure is gone (--eviction-pressure-transition-period). */
  evictionPressureTransitionPeriod: number;
  /** The kubelet's eviction manager (housekeeping) runs this often and evicts at most one pod per run. */
  evictionMonitoringPeriod: number;
  /** The runtime not relisted for this long makes PLEG unhealthy (pleg relist threshold). */
  plegRelistThreshold: number;
  /** The kubelet notices a manifest moved in or out of the manifest directory (inotify) after this long. */
  staticPodInotifyDelay: number;
  /** Containers of a deleted pod take this long to stop (the pod goes after min(grace period, this)). */
  containerStopTime: number;
  /** A crashing container runs this long before it exits. */
  crashingContainerRunTime: number;
  /** A container using more memory than its limit runs this long before the OOM killer ends it. */
  oomKillAfter: number;
  /** The kubelet retries a pod it could not start (FailedMount, FailedCreatePodSandBox, config errors) this often. */
  podRetryPeriod: number;
  /**
   * Append kube-scheduler's preemption summary to FailedScheduling messages (` preemption: 0/7 nodes are
   * available: ...`), as v1.2x does. Default true; false gives the shorter message of older versions.
   */
  schedulerPreemptionMessage?: boolean;
}

export const DEFAULT_PARAMS: SimParams = {
  nodeStatusUpdateFrequency: 10_000,
  nodeStatusReportFrequency: 300_000,
  nodeLeaseDuration: 40_000,
  leaseRenewInterval: 10_000,
  nodeMonitorPeriod: 5_000,
  nodeMonitorGracePeriod: 40_000,
  nodeStartupGracePeriod: 60_000,
  nodeEvictionRate: 0.1,
  secondaryNodeEvictionRate: 0.01,
  largeClusterSizeThreshold: 50,
  unhealthyZoneThreshold: 0.55,
  defaultTolerationSeconds: 300,
  backoffInitial: 10_000,
  backoffMax: 300_000,
  backoffReset: 600_000,
  terminationGracePeriod: 30_000,
  probePeriod: 10_000,
  probeFailureThreshold: 3,
  imagePullTime: 2_000,
  containerStartTime: 3_000,
  kubeletStartTime: 5_000,
  runtimeStartTime: 3_000,
  hostBootTime: 60_000,
  staticPodRelist: 20_000,
  leaderLeaseDuration: 15_000,
  leaderRenewDeadline: 10_000,
  leaderRetryPeriod: 2_000,
  etcdElectionTimeout: 1_000,
  etcdRequestTimeout: 7_000,
  kubeletVersion: KUBERNETES_VERSION,
  evictionHardMemoryAvailable: '100Mi',
  evictionHardNodefsAvailable: '10%',
  evictionPressureTransitionPeriod: 300_000,
  evictionMonitoringPeriod: 10_000,
  plegRelistThreshold: 180_000,
  staticPodInotifyDelay: 1_000,
  containerStopTime: 2_000,
  crashingContainerRunTime: 1_000,
  oomKillAfter: 5_000,
  podRetryPeriod: 10_000,
};
