import type { Controller } from '../context.js';
import { DaemonSetController } from './daemonset.js';
import { DeploymentController } from './deployment.js';
import { DisruptionController } from './disruption.js';
import { EndpointsController } from './endpoints.js';
import { EndpointSliceController } from './endpointslice.js';
import { GarbageCollector } from './garbage-collector.js';
import { JobController } from './job.js';
import { NamespaceDefaultsController } from './namespace-defaults.js';
import { ReplicaSetController } from './replicaset.js';
import { Scheduler, type SchedulerOptions } from './scheduler.js';
import { StatefulSetController } from './statefulset.js';

export { evaluateEviction, type EvictionDecision } from './disruption.js';
export { deleteObject, deletePod, type DeleteOptions } from './delete.js';
export { Scheduler, type SchedulerOptions } from './scheduler.js';

/**
 * The control loops of kube-controller-manager and kube-scheduler this simulator models, one instance
 * each, for one cluster. Each acts only while its component is active (leader elected, apiserver up).
 */
export function controlPlaneControllers(options: { scheduler?: SchedulerOptions } = {}): Controller[] {
  return [
    new Scheduler(options.scheduler),
    new DeploymentController(),
    new ReplicaSetController(),
    new StatefulSetController(),
    new DaemonSetController(),
    new DisruptionController(),
    new EndpointsController(),
    new EndpointSliceController(),
    new GarbageCollector(),
    new JobController(),
    new NamespaceDefaultsController(),
  ];
}
