import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../engine/clock.js';
import type { WatchTracker } from '../../engine/watch-tracker.js';
import type { KubeObject } from '../../kube/objects.js';
import type { Store } from '../store/store.js';
import type { WatchEncoder } from './watch-encoding.js';
import type { WatchFanout } from './watch-fanout.js';
import type { Bookmarks } from './bookmarks.js';

export interface ApiHooks {
  /**
   * Mutating+validating admission for create/update: may change obj (defaults) or throw
   * StoreError('Invalid', msg, causes) -> 422. `resource` is the plural (`pods`), or `pods/status` for
   * writes through the status subresource.
   */
  admit?(resource: string, obj: KubeObject, old: KubeObject | undefined): void;
  /** POST pods/<name>/eviction. */
  evict?(
    namespace: string,
    name: string,
  ):
    | { allowed: true }
    | { allowed: false; status: number; message: string; causes?: { reason?: string; message: string }[] };
  /**
   * GET pods/<name>/log: the container's log through the kubelet of the pod's node (undefined: the pod is on
   * no node the simulator runs, so there is nothing to read).
   */
  podLogs?(namespace: string, name: string, container: string, previous: boolean): ContainerLogResult | undefined;
  /** metrics.k8s.io: what metrics-server would report for the nodes and pods now. */
  metrics?(): { nodes: KubeObject[]; pods: KubeObject[] };
  /** Graceful pod deletion: called after deletionTimestamp is set; the kubelet side removes the pod later. */
  podDeleting?(pod: KubeObject): void;
  /** /readyz, /livez, /healthz: return failing check names, e.g. ['etcd'] when etcd has no quorum. */
  health?(): { failing: string[] };
  /**
   * gameday's own endpoints under /gameday/ (the control endpoint other processes use to reach a running
   * simulator's node and etcd operations). Not part of the Kubernetes API.
   */
  control?(req: IncomingMessage, res: ServerResponse, path: string): Promise<void>;
  /** False while every kube-apiserver of the cluster is down: requests then get their connection reset. */
  serving?(): boolean;
}

export interface LogLine {
  at: number;
  text: string;
}

/** One run of a container as the kubelet serves its log. */
export interface ContainerLog {
  /** The lines printed up to `now`. */
  lines(now: number): LogLine[];
  /** The run ended (or its pod is gone): `kubectl logs -f` stops after the last line. */
  ended(): boolean;
}

/** A log to stream, or the kubelet's (or the proxy's) error and HTTP code. */
export type ContainerLogResult = { log: ContainerLog } | { error: { code: number; message: string } };

/** What every handler of one simulated apiserver shares. */
export interface ApiContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly cluster: string;
  readonly hooks: ApiHooks;
  readonly tracker: WatchTracker | undefined;
  readonly gitVersion: string;
  /** Recent objects' JSON, shared by every watch. */
  readonly encoder: WatchEncoder;
  /** Untracked plain-JSON watches with the same resource and selectors, fed as one. */
  readonly fanout: WatchFanout;
  /** The periodic bookmarks of watches that allow them. */
  readonly bookmarks: Bookmarks;
  /** Next ClusterIP for a Service that asks for one. */
  nextClusterIp(): string;
}

/** RFC 3339 with seconds, as Kubernetes writes metav1.Time. */
export function timestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
