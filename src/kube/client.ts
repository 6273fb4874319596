import { AsyncLocalStorage } from 'node:async_hooks';
import {
  AppsV1Api,
  CoreV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  ServerConfiguration,
  Watch,
  createConfiguration,
  setHeaderOptions,
  type ApiConstructor,
  type ApiType,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Clock } from '../engine/clock.js';
import { REQUEST_HEADER, WATCH_TAG_PARAM, type WatchTracker } from '../engine/watch-tracker.js';
import type { ActionLog } from '../targets/target.js';
import { KubeApiError, toKubeApiError } from './errors.js';
import type { DeleteOptions, EvictionResult, Informer, Kube, ListOptions, PatchType } from './kube.js';
import type { KubeObject } from './objects.js';
import { Random } from '../engine/random.js';
import { WatchInformer, type ListWatch } from './informer.js';
import { RESOURCES, apiVersionOf, resourcePath, type ResourceName } from './resources.js';

export interface KubeOptions {
  cluster: string;
  config: KubeConfig;
  clock: Clock;
  actions: ActionLog;
  dryRun: boolean;
  /** Set on the simulator's virtual clock: tags watches so the clock waits for their events. */
  tracker?: WatchTracker | undefined;
  /** Jitter of the informers' reconnect back-off, in [0, 1); default: see jitterSource. */
  random?: (() => number) | undefined;
}

/**
 * On the virtual clock a drill must replay exactly, so each informer's jitter comes from a generator seeded
 * with its own key (informers still spread out, as jitter is for); on a real clock, from Math.random.
 */
function jitterSource(clock: Clock, key: string): () => number {
  if (clock.mode === 'real') return Math.random;
  let seed = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) seed = Math.imul(seed ^ key.charCodeAt(i), 0x01000193);
  const random = new Random(seed);
  return () => random.next();
}

const PATCH_CONTENT_TYPE: Record<PatchType, string> = {
  merge: PatchStrategy.MergePatch,
  strategic: PatchStrategy.StrategicMergePatch,
  json: PatchStrategy.JsonPatch,
};

/** client-node hands back model instances with Date fields; gameday works on the JSON the apiserver sent. */
function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** The id of the request being made, for the REQUEST_HEADER of whatever client-node sends meanwhile. */
const requestId = new AsyncLocalStorage<string>();

/**
 * client-node's API clients, which on the simulator's virtual clock name each request (REQUEST_HEADER) so
 * that the apiserver can lift the request's hold on the clock while it parks it in a clock wait.
 */
function apiClient<T extends ApiType>(kc: KubeConfig, type: ApiConstructor<T>, tracked: boolean): T {
  if (!tracked) return kc.makeApiClient(type);
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('No active cluster!');
  return new type(
    createConfiguration({
      baseServer: new ServerConfiguration(cluster.server, {}),
      authMethods: { default: kc },
      promiseMiddleware: [
        {
          pre: async (ctx) => {
            const id = requestId.getStore();
            if (id) ctx.setHeaderParam(REQUEST_HEADER, id);
            return ctx;
          },
          post: async (res) => res,
        },
      ],
    }),
  );
}

export function createKube(options: KubeOptions): Kube {
  return new ClientKube(options);
}

/** KubernetesObjectApi on a configuration of our own, with the kubeconfig's default namespace as makeApiClient sets it. */
class ObjectApi extends KubernetesObjectApi {
  static withNamespaceOf(kc: KubeConfig, api: ObjectApi): ObjectApi {
    api.setDefaultNamespace(kc);
    return api;
  }
}

/** Counts requests per cluster, for the benchmark of API requests per drill. */
export interface RequestCounter {
  requests: number;
  watches: number;
}

class ClientKube implements Kube {
  readonly cluster: string;
  readonly config: KubeConfig;
  readonly dryRun: boolean;
  readonly counter: RequestCounter = { requests: 0, watches: 0 };
  private readonly objects: KubernetesObjectApi;
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly informers = new Map<string, WatchInformer>();

  constructor(private readonly o: KubeOptions) {
    this.cluster = o.cluster;
    this.config = o.config;
    this.dryRun = o.dryRun;
    const tracked = o.tracker !== undefined;
    this.objects = tracked
      ? ObjectApi.withNamespaceOf(o.config, apiClient(o.config, ObjectApi, true))
      : KubernetesObjectApi.makeApiClient(o.config);
    this.core = apiClient(o.config, CoreV1Api, tracked);
    this.apps = apiClient(o.config, AppsV1Api, tracked);
  }

  /** Run a request holding the clock (through the tracker, which the apiserver may ask to lift the hold). */
  private hold<T>(label: string, fn: () => Promise<T>): Promise<T> {
    const tracker = this.o.tracker;
    if (!tracker) return this.o.clock.track(fn(), label);
    return tracker.request(label, (id) => requestId.run(id, fn));
  }

  private async call<T>(label: string, fn: () => Promise<T>): Promise<T> {
    this.counter.requests++;
    try {
      return await this.hold(`api ${label}`, fn);
    } catch (err) {
      // A kept-alive connection the server closed as it was reused (an apiserver that restarted, a served
      // simulator whose masters were powered on again): a read is sent once more, on a fresh connection. A
      // write is not: it may have landed.
      if (!label.startsWith('GET ') || !connectionReset(err)) throw toKubeApiError(err, `${this.cluster}: ${label}`);
      this.counter.requests++;
      try {
        return await this.hold(`api ${label}`, fn);
      } catch (again) {
        throw toKubeApiError(again, `${this.cluster}: ${label}`);
      }
    }
  }

  private record(text: string): void {
    this.o.actions.record({ at: this.o.clock.now(), cluster: this.cluster, kind: 'api', text, dryRun: this.dryRun });
  }

  async list(
    resource: ResourceName,
    options: ListOptions = {},
  ): Promise<{ items: KubeObject[]; resourceVersion: string }> {
    const r = RESOURCES[resource];
    const res = await this.call(`GET ${resourcePath(r, options.namespace)}`, () =>
      this.objects.list(
        apiVersionOf(r),
        r.kind,
        r.namespaced ? options.namespace : undefined,
        undefined,
        undefined,
        undefined,
        options.fieldSelector,
        options.labelSelector,
      ),
    );
    const out = plain(res) as unknown as { items: KubeObject[]; metadata?: { resourceVersion?: string } };
    return { items: out.items ?? [], resourceVersion: out.metadata?.resourceVersion ?? '' };
  }

  async get(resource: ResourceName, name: string, namespace?: string): Promise<KubeObject | undefined> {
    const r = RESOURCES[resource];
    try {
      const obj = await this.call(`GET ${resourcePath(r, namespace, name)}`, () =>
        this.objects.read({
          apiVersion: apiVersionOf(r),
          kind: r.kind,
          metadata: { name, ...(namespace ? { namespace } : {}) },
        }),
      );
      return plain(obj) as unknown as KubeObject;
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  async create(resource: ResourceName, obj: KubeObject): Promise<KubeObject> {
    const r = RESOURCES[resource];
    const body = { apiVersion: apiVersionOf(r), kind: r.kind, ...obj };
    const label = `POST ${resourcePath(r, obj.metadata.namespace)} (${obj.metadata.name || obj.metadata.generateName || ''})`;
    this.record(label);
    if (this.dryRun) return body;
    const out = await this.call(label, () => this.objects.create(body as unknown as KubernetesObject));
    return plain(out) as unknown as KubeObject;
  }

  async replace(resource: ResourceName, obj: KubeObject): Promise<KubeObject> {
    const r = RESOURCES[resource];
    const body = { apiVersion: apiVersionOf(r), kind: r.kind, ...obj };
    const label = `PUT ${resourcePath(r, obj.metadata.namespace, obj.metadata.name)}`;
    this.record(label);
    if (this.dryRun) return body;
    const out = await this.call(label, () => this.objects.replace(body as unknown as KubernetesObject));
    return plain(out) as unknown as KubeObject;
  }

  async patch(
    resource: ResourceName,
    name: string,
    patch: unknown,
    options: { namespace?: string | undefined; type: PatchType },
  ): Promise<KubeObject> {
    const r = RESOURCES[resource];
    const label = `PATCH ${resourcePath(r, options.namespace, name)} (${options.type}) ${JSON.stringify(patch)}`;
    this.record(label);
    if (this.dryRun) return { apiVersion: apiVersionOf(r), kind: r.kind, metadata: { name } };
    if (options.type === 'json') {
      // KubernetesObjectApi addresses the object through the body, which a JSON patch (an array) lacks.
      const res = await this.request(
        'PATCH',
        resourcePath(r, options.namespace, name),
        patch,
        PATCH_CONTENT_TYPE.json,
        label,
      );
      return res as KubeObject;
    }
    const header = {
      apiVersion: apiVersionOf(r),
      kind: r.kind,
      metadata: { name, ...(options.namespace ? { namespace: options.namespace } : {}) },
    };
    // The object API addresses the object through the body's metadata: a patch of metadata (annotations,
    // labels) must keep the name and namespace.
    const own = (patch as { metadata?: object }).metadata;
    const body = { ...header, ...(patch as object), ...(own ? { metadata: { ...own, ...header.metadata } } : {}) };
    const out = await this.call(label, () =>
      this.objects.patch(
        body as KubernetesObject,
        undefined,
        undefined,
        'gameday',
        undefined,
        PATCH_CONTENT_TYPE[options.type] as PatchStrategy,
      ),
    );
    return plain(out) as unknown as KubeObject;
  }

  async delete(resource: ResourceName, name: string, options: DeleteOptions = {}): Promise<void> {
    const r = RESOURCES[resource];
    const grace = options.gracePeriodSeconds !== undefined ? ` gracePeriodSeconds=${options.gracePeriodSeconds}` : '';
    const label = `DELETE ${resourcePath(r, options.namespace, name)}${grace}`;
    this.record(label);
    if (this.dryRun) return;
    try {
      await this.call(label, () =>
        this.objects.delete(
          {
            apiVersion: apiVersionOf(r),
            kind: r.kind,
            metadata: { name, ...(options.namespace ? { namespace: options.namespace } : {}) },
          },
          undefined,
          undefined,
          options.gracePeriodSeconds,
          undefined,
          options.propagationPolicy ?? 'Background',
        ),
      );
    } catch (err) {
      if (err instanceof KubeApiError && err.status === 404) return;
      throw err;
    }
  }

  async evict(namespace: string, name: string): Promise<EvictionResult> {
    const label = `POST ${resourcePath(RESOURCES.pods, namespace, name)}/eviction`;
    this.record(label);
    if (this.dryRun) return { evicted: true };
    try {
      await this.call(label, () =>
        this.core.createNamespacedPodEviction({
          name,
          namespace,
          body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
        }),
      );
      return { evicted: true };
    } catch (err) {
      if (err instanceof KubeApiError && (err.status === 429 || err.status === 404 || err.status === 500)) {
        if (err.status === 404) return { evicted: true };
        return { evicted: false, status: err.status, message: err.message };
      }
      throw err;
    }
  }

  async scale(
    resource: 'deployments' | 'statefulsets' | 'replicasets',
    namespace: string,
    name: string,
    replicas: number,
  ): Promise<void> {
    const label = `PATCH ${resourcePath(RESOURCES[resource], namespace, name)}/scale (merge) {"spec":{"replicas":${replicas}}}`;
    this.record(label);
    if (this.dryRun) return;
    const body = { spec: { replicas } };
    const opts = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
    await this.call(label, async () => {
      if (resource === 'deployments') await this.apps.patchNamespacedDeploymentScale({ name, namespace, body }, opts);
      else if (resource === 'statefulsets')
        await this.apps.patchNamespacedStatefulSetScale({ name, namespace, body }, opts);
      else await this.apps.patchNamespacedReplicaSetScale({ name, namespace, body }, opts);
    });
  }

  informer(resource: ResourceName, options: ListOptions = {}): Informer {
    const key = `${resource}|${options.namespace ?? ''}|${options.labelSelector ?? ''}|${options.fieldSelector ?? ''}`;
    let inf = this.informers.get(key);
    // One whose first list failed (the API did not answer then) is dead: whoever asks again gets a fresh one.
    if (!inf || inf.failed) {
      inf?.stop();
      inf = new WatchInformer(resource, this.listWatch(resource, options), {
        clock: this.o.clock,
        tracker: this.o.tracker,
        random: this.o.random ?? jitterSource(this.o.clock, `${this.cluster}|${key}`),
      });
      this.informers.set(key, inf);
    }
    return inf;
  }

  private listWatch(resource: ResourceName, options: ListOptions): ListWatch {
    const r = RESOURCES[resource];
    return {
      list: () => this.list(resource, options),
      watch: (resourceVersion, tag, onEvent, done) => {
        this.counter.watches++;
        const query: Record<string, string | number | boolean | undefined> = {
          resourceVersion,
          allowWatchBookmarks: true,
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
          ...(tag ? { [WATCH_TAG_PARAM]: tag } : {}),
        };
        return new Watch(this.o.config).watch(
          resourcePath(r, r.namespaced ? options.namespace : undefined),
          query,
          onEvent,
          done,
        );
      },
    };
  }

  async raw(path: string): Promise<{ status: number; body: string }> {
    this.counter.requests++;
    const { status, text } = await this.hold(`api GET ${path}`, () => this.fetch('GET', path));
    return { status, body: text };
  }

  /** A request client-node has no typed call for, with client-node's own connection and auth settings. */
  private async request(
    method: string,
    path: string,
    body: unknown,
    contentType: string,
    label: string,
  ): Promise<unknown> {
    this.counter.requests++;
    const { status, text } = await this.hold(`api ${label}`, () => this.fetch(method, path, body, contentType));
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (status >= 400) {
      const st = parsed as { message?: string; reason?: string } | undefined;
      throw new KubeApiError(status, st?.reason ?? '', `${this.cluster}: ${label}: ${st?.message ?? `HTTP ${status}`}`);
    }
    return parsed;
  }

  private async fetch(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<{ status: number; text: string }> {
    const cluster = this.config.getCurrentCluster();
    if (!cluster) throw new KubeApiError(0, 'NoCluster', `${this.cluster}: the kubeconfig has no current cluster`);
    const init = (await this.config.applyToFetchOptions({})) as Record<string, unknown>;
    const headers = new Headers(init.headers as Record<string, string> | undefined);
    if (contentType) headers.set('Content-Type', contentType);
    const id = requestId.getStore();
    if (id) headers.set(REQUEST_HEADER, id);
    const fetchImpl = (await import('node-fetch')).default;
    try {
      const res = await fetchImpl(cluster.server + path, {
        ...(init as object),
        method,
        headers: Object.fromEntries(headers.entries()),
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: res.status, text: await res.text() };
    } catch (err) {
      throw toKubeApiError(err, `${this.cluster}: ${method} ${path}`);
    }
  }

  close(): void {
    for (const inf of this.informers.values()) inf.stop();
    this.informers.clear();
  }
}

/** The server closed the connection before answering ("socket hang up", ECONNRESET). */
function connectionReset(err: unknown): boolean {
  for (let e: unknown = err, i = 0; e instanceof Error && i < 4; e = (e as { cause?: unknown }).cause, i++) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ECONNRESET' || /socket hang up|ECONNRESET/.test(e.message)) return true;
  }
  return false;
}
