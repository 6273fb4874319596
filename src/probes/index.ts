import type { Probe } from '../kit/plugin.js';
import { allWorkloadsAvailable } from './all-workloads-available.js';
import { apiWritable } from './api-writable.js';
import { etcdDataIntact } from './etcd-data-intact.js';
import { etcdHealthy } from './etcd-healthy.js';
import { etcdWriter } from './etcd-writer.js';
import { httpOk } from './http-ok.js';
import { leaderElected } from './leader-elected.js';
import { noNotReadyNodes } from './no-notready-nodes.js';
import { noPendingPods } from './no-pending-pods.js';
import { nodeReady } from './node-ready.js';
import { nodeSchedulable } from './node-schedulable.js';
import { podPendingWithReason } from './pod-pending-with-reason.js';
import { podStatus } from './pod-status.js';
import { podsMoved } from './pods-moved.js';
import { podsRunning } from './pods-running.js';
import { serviceEndpoints } from './service-endpoints.js';
import { staticPodRunning } from './static-pod-running.js';
import { workloadAvailable } from './workload-available.js';

/** Every probe an experiment may name as `type`, keyed by that name (equal to the module's file name). */
export const probes = {
  'all-workloads-available': allWorkloadsAvailable,
  'api-writable': apiWritable,
  'etcd-data-intact': etcdDataIntact,
  'etcd-healthy': etcdHealthy,
  'etcd-writer': etcdWriter,
  'http-ok': httpOk,
  'leader-elected': leaderElected,
  'no-notready-nodes': noNotReadyNodes,
  'no-pending-pods': noPendingPods,
  'node-ready': nodeReady,
  'node-schedulable': nodeSchedulable,
  'pod-pending-with-reason': podPendingWithReason,
  'pod-status': podStatus,
  'pods-moved': podsMoved,
  'pods-running': podsRunning,
  'service-endpoints': serviceEndpoints,
  'static-pod-running': staticPodRunning,
  'workload-available': workloadAvailable,
} satisfies Record<string, Probe<any>>;
