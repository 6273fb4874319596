import type { Clock } from '../engine/clock.js';
import type { Random } from '../engine/random.js';
import type { EventRecorder } from './events.js';
import type { SimParams } from './params.js';
import type { Store } from './store/store.js';
import type { WorkQueue } from './work-queue.js';

export type ControlPlaneComponentName = 'kube-apiserver' | 'kube-controller-manager' | 'kube-scheduler';

/** Which control-plane components are serving, as leader election and static pods decide. */
export interface ControlPlaneState {
  /** kube-apiserver: at least one instance up (the VIP moves); the others: a leader holds the lease. */
  active(component: ControlPlaneComponentName): boolean;
  /** Called whenever `active` may have changed for a component. */
  onChange(listener: (component: ControlPlaneComponentName) => void): () => void;
}

/** What every simulated component of one cluster shares. */
export interface SimContext {
  readonly cluster: string;
  readonly store: Store;
  readonly clock: Clock;
  readonly random: Random;
  readonly params: SimParams;
  readonly queue: WorkQueue;
  readonly events: EventRecorder;
  readonly controlPlane: ControlPlaneState;
}

/** A control loop of the simulated cluster (scheduler, ReplicaSet controller, node-lifecycle, ...). */
export interface Controller {
  readonly name: string;
  start(ctx: SimContext): void;
  stop(): void;
}
