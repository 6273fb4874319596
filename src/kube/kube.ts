import type { KubeConfig } from '@kubernetes/client-node';
import type { KubeObject } from './objects.js';
import type { ResourceName } from './resources.js';

export interface ListOptions {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
}

export type PatchType = 'merge' | 'strategic' | 'json';

export interface DeleteOptions {
  namespace?: string | undefined;
  gracePeriodSeconds?: number | undefined;
  /** Background (default) or Foreground cascading. */
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan' | undefined;
}

export type EvictionResult = { evicted: true } | { evicted: false; status: number; message: string };

export interface WatchEvent {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
}

/**
 * A list+watch cache of one resource (an informer): it lists once, then follows the watch from the list's
 * resourceVersion, re-listing on 410 Gone. Each handled event calls the clock's notify(), so waits on it are
 * woken by the event that satisfies them, never by polling.
 */
export interface Informer {
  readonly resource: ResourceName;
  /** Resolves after the initial list has been loaded. */
  ready(): Promise<void>;
  items(): KubeObject[];
  get(name: string, namespace?: string): KubeObject | undefined;
  onEvent(listener: (e: WatchEvent) => void): () => void;
  stop(): void;
}

/**
 * Kubernetes API access for one cluster, built on @kubernetes/client-node. Every call is recorded in the
 * target's action log; in dry-run mode reads go through and writes are recorded but not sent.
 */
export interface Kube {
  readonly cluster: string;
  readonly config: KubeConfig;
  readonly dryRun: boolean;
  list(resource: ResourceName, options?: ListOptions): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  get(resource: ResourceName, name: string, namespace?: string): Promise<KubeObject | undefined>;
  create(resource: ResourceName, obj: KubeObject): Promise<KubeObject>;
  replace(resource: ResourceName, obj: KubeObject): Promise<KubeObject>;
  patch(
    resource: ResourceName,
    name: string,
    patch: unknown,
    options: { namespace?: string | undefined; type: PatchType },
  ): Promise<KubeObject>;
  delete(resource: ResourceName, name: string, options?: DeleteOptions): Promise<void>;
  /** POST pods/<name>/eviction (policy/v1): what `kubectl drain` does; a PDB refusal is not an exception. */
  evict(namespace: string, name: string): Promise<EvictionResult>;
  /** PATCH the scale subresource. */
  scale(
    resource: 'deployments' | 'statefulsets' | 'replicasets',
    namespace: string,
    name: string,
    replicas: number,
  ): Promise<void>;
  /** A list+watch cache; share one per resource per drill (see `informers`). */
  informer(resource: ResourceName, options?: ListOptions): Informer;
  /** GET a raw path (e.g. /readyz), returning the status code and body; never throws on HTTP errors. */
  raw(path: string): Promise<{ status: number; body: string }>;
  close(): void;
}
