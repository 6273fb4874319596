/**
 * The Kubernetes release the simulator behaves as, in one place: what /version answers, what nodes report
 * as their kubelet and kube-proxy version, the control-plane images, and what the README says. Its
 * behaviour matches: node-monitor-grace-period 40 s is the default up to v1.31 (50 s from v1.32,
 * kubernetes#126287), evictions go through policy/v1, and kubectl v1.31 sends protobuf for typed writes.
 * A topology may still set `kubeletVersion` (with the behaviour it implies, e.g. nodeMonitorGracePeriod).
 */
export const KUBERNETES_VERSION = 'v1.31.6';

/** The etcd release kubeadm installs with that Kubernetes release (cmd/kubeadm/app/constants). */
export const ETCD_VERSION = '3.5.15';
