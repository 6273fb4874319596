import type { KubeObject } from '../../kube/objects.js';
import type { Clock } from '../../engine/clock.js';
import { matchFields, matchLabels, parseFieldSelector, parseLabelSelector, type Requirement } from './selectors.js';

/**
 * The simulated apiserver's storage: every object of every resource of one cluster, with a global
 * resourceVersion (etcd's revision) and a bounded event history for watches.
 *
 * Objects handed out are shared, never copied: callers must treat them as read-only and write through
 * `create`/`update`. That keeps lists of 150,000 pods cheap.
 */
export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  resource: string;
  object: KubeObject;
  /** The object before this change (MODIFIED and DELETED), for controllers. */
  old?: KubeObject | undefined;
  rv: number;
}

export interface ListQuery {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  fieldSelector?: string | undefined;
}

export interface ParsedQuery {
  namespace?: string | undefined;
  labels: Requirement[];
  fields: Requirement[];
}

export type StoreErrorReason = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Invalid' | 'Unavailable' | 'Gone';

/** Mapped by the apiserver to a Kubernetes Status (404, 409, 409, 422, 500/504, 410). */
export class StoreError extends Error {
  constructor(
    readonly reason: StoreErrorReason,
    message: string,
    readonly causes: { field: string; message: string; reason?: string }[] = [],
  ) {
    super(message);
  }
}

/** The whole content of a Store, as `exportState` gives it. */
export interface StoreState {
  revision: number;
  objects: Record<string, KubeObject[]>;
}

export interface WatchSubscription {
  stop(): void;
}

const HISTORY = 100_000;

export class Store {
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  /** Watch history: entries from `historyStart` on are live (dropping from the front of a big array costs O(n)). */
  private history: StoreEvent[] = [];
  private historyStart = 0;
  private rv = 1;
  private uidSeq = 0;
  private readonly listeners = new Set<(e: StoreEvent) => void>();
  /** The listeners as an array, rebuilt when they change: every write notifies them. */
  private listenerList: ((e: StoreEvent) => void)[] = [];
  private readonly podsByNode = new Map<string, Map<string, KubeObject>>();
  /** Pods by the uid of their controller (ReplicaSet, StatefulSet, ...), and pods without one by namespace. */
  private readonly podsByController = new Map<string, Map<string, KubeObject>>();
  private readonly orphanPods = new Map<string, Map<string, KubeObject>>();
  /** When set and returning a message, writes fail as etcd fails them without quorum. */
  availability: () => string | undefined = () => undefined;

  constructor(
    readonly clock: Clock,
    private readonly uidPrefix = 'sim',
  ) {}

  get resourceVersion(): number {
    return this.rv;
  }

  /** The oldest resourceVersion a watch can still start from. */
  get oldestWatchableVersion(): number {
    return this.history[this.historyStart]?.rv ?? this.rv;
  }

  static key(namespace: string | undefined, name: string): string {
    return namespace ? `${namespace}/${name}` : name;
  }

  static parse(q: ListQuery = {}): ParsedQuery {
    return {
      namespace: q.namespace,
      labels: parseLabelSelector(q.labelSelector),
      fields: parseFieldSelector(q.fieldSelector),
    };
  }

  private table(resource: string): Map<string, KubeObject> {
    let t = this.objects.get(resource);
    if (!t) {
      t = new Map();
      this.objects.set(resource, t);
    }
    return t;
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(resource)?.get(Store.key(namespace, name));
  }

  /** Objects matching the query. A parsed query may be passed to avoid re-parsing in hot loops. */
  list(resource: string, query: ListQuery | ParsedQuery = {}): KubeObject[] {
    const q: ParsedQuery = 'labels' in query ? query : Store.parse(query);
    const nodeName = q.fields.find((f) => f.key === 'spec.nodeName' && f.op === '=');
    let source: Iterable<KubeObject>;
    if (resource === 'pods' && nodeName) source = this.podsByNode.get(nodeName.values[0] ?? '')?.values() ?? [];
    else source = this.objects.get(resource)?.values() ?? [];
    const out: KubeObject[] = [];
    for (const o of source) {
      if (q.namespace && o.metadata.namespace !== q.namespace) continue;
      if (!matchLabels(o, q.labels) || !matchFields(o, q.fields)) continue;
      out.push(o);
    }
    return out;
  }

  /** Pods bound to a node, from an index (kubelets and the node controller ask this constantly). */
  podsOnNode(node: string): KubeObject[] {
    return [...(this.podsByNode.get(node)?.values() ?? [])];
  }

  /**
   * Pods whose controller reference names `uid`, from an index (controllers claim their pods on every sync;
   * listing a namespace of thousands of pods each time is too slow). Order: when each was first indexed.
   */
  podsControlledBy(uid: string): KubeObject[] {
    return [...(this.podsByController.get(uid)?.values() ?? [])];
  }

  /** Pods of a namespace without a controller reference (controllers may adopt them). */
  orphanPodsIn(namespace: string): KubeObject[] {
    return [...(this.orphanPods.get(namespace)?.values() ?? [])];
  }

  count(resource: string): number {
    return this.objects.get(resource)?.size ?? 0;
  }

  private checkAvailable(): void {
    const why = this.availability();
    if (why) throw new StoreError('Unavailable', why);
  }

  /** Store a copy of `input` (`owned`: `input` itself, which the caller hands over and never touches again). */
  create(resource: string, input: KubeObject, owned = false): KubeObject {
    this.checkAvailable();
    const obj = owned ? input : copyJson(input);
    const meta = obj.metadata;
    if (!meta.name && meta.generateName) meta.name = [meta.generateName, this.suffix()].join('');
    if (!meta.name)
      throw new StoreError('Invalid', 'name or generateName is required', [
        {
          field: 'metadata.name',
          message: 'Required value: name or generateName is required',
          reason: 'FieldValueRequired',
        },
      ]);
    const key = Store.key(meta.namespace, meta.name);
    const table = this.table(resource);
    if (table.has(key)) throw new StoreError('AlreadyExists', `${resource} "${meta.name}" already exists`);
    meta.uid ??= this.newUid();
    meta.creationTimestamp ??= this.timestamp();
    if (obj.spec !== undefined && meta.generation === undefined) meta.generation = 1;
    meta.resourceVersion = String(++this.rv);
    delete meta.deletionTimestamp;
    table.set(key, obj);
    this.index(resource, undefined, obj);
    this.emit({ type: 'ADDED', resource, object: obj, rv: this.rv });
    return obj;
  }

  /**
   * Replace an object. With `expectedVersion`, fail with Conflict if it changed since (optimistic
   * concurrency, as kube-apiserver does for PUT with metadata.resourceVersion).
   */
  update(resource: string, input: KubeObject, expectedVersion?: string): KubeObject {
    return this.put(resource, copyJson(input), expectedVersion);
  }

  /**
   * Store the object `derive` builds from the current one without changing it: the new object may share
   * parts with the current one (`{ ...cur, status }`), which a deep copy would not. Cheaper than `mutate`
   * for large objects, since stored objects are read-only. Returns undefined if the object is gone.
   */
  transform(
    resource: string,
    namespace: string | undefined,
    name: string,
    derive: (cur: KubeObject) => KubeObject,
  ): KubeObject | undefined {
    const cur = this.get(resource, namespace, name);
    if (!cur) return undefined;
    const next = derive(cur);
    if (next.metadata === cur.metadata) next.metadata = { ...cur.metadata };
    return this.put(resource, next);
  }

  /** Apply `mutate` to a copy of the current object and store it. Returns undefined if the object is gone. */
  mutate(
    resource: string,
    namespace: string | undefined,
    name: string,
    mutate: (o: KubeObject) => void,
  ): KubeObject | undefined {
    const cur = this.get(resource, namespace, name);
    if (!cur) return undefined;
    const copy = copyJson(cur);
    mutate(copy);
    return this.put(resource, copy);
  }

  /** Store `obj`, which the store now owns (no copy). */
  private put(resource: string, obj: KubeObject, expectedVersion?: string): KubeObject {
    this.checkAvailable();
    const meta = obj.metadata;
    const key = Store.key(meta.namespace, meta.name);
    const table = this.table(resource);
    const old = table.get(key);
    if (!old) throw new StoreError('NotFound', `${resource} "${meta.name}" not found`);
    if (expectedVersion && expectedVersion !== old.metadata.resourceVersion) {
      throw new StoreError(
        'Conflict',
        `Operation cannot be fulfilled on ${resource} "${meta.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    if (old.metadata.uid) meta.uid = old.metadata.uid;
    if (old.metadata.creationTimestamp) meta.creationTimestamp = old.metadata.creationTimestamp;
    if (old.metadata.deletionTimestamp) {
      meta.deletionTimestamp = old.metadata.deletionTimestamp;
      if (old.metadata.deletionGracePeriodSeconds !== undefined) {
        meta.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
      }
    }
    if (old.metadata.generation !== undefined || obj.spec !== undefined) {
      const gen = old.metadata.generation ?? 1;
      meta.generation = sameJson(old.spec, obj.spec) ? gen : gen + 1;
    }
    if (old.metadata.resourceVersion !== undefined) meta.resourceVersion = old.metadata.resourceVersion;
    if (sameJson(old, obj)) return old; // no-op updates do not bump the resourceVersion, as in kube-apiserver
    meta.resourceVersion = String(++this.rv);
    table.set(key, obj);
    this.index(resource, old, obj);
    this.emit({ type: 'MODIFIED', resource, object: obj, old, rv: this.rv });
    return obj;
  }

  /** Remove an object now (graceful pod deletion is the apiserver's and kubelet's business, not the store's). */
  remove(resource: string, namespace: string | undefined, name: string): KubeObject {
    this.checkAvailable();
    const key = Store.key(namespace, name);
    const table = this.table(resource);
    const old = table.get(key);
    if (!old) throw new StoreError('NotFound', `${resource} "${name}" not found`);
    table.delete(key);
    this.index(resource, old, undefined);
    const gone = { ...old, metadata: { ...old.metadata, resourceVersion: String(++this.rv) } };
    this.emit({ type: 'DELETED', resource, object: gone, old, rv: this.rv });
    return gone;
  }

  /** A deep copy of every object, as an etcd snapshot holds them (revision = the current resourceVersion). */
  exportState(): StoreState {
    const objects: Record<string, KubeObject[]> = {};
    for (const [resource, table] of this.objects) objects[resource] = structuredClone([...table.values()]);
    return { revision: this.rv, objects };
  }

  /**
   * Replace every object with a snapshot's (an etcd restore). Works without quorum: it is how quorum comes
   * back. The resourceVersion keeps counting up (as `etcdutl snapshot restore --bump-revision` makes it) and
   * every difference is emitted as a change, so watches and controllers follow the restored content.
   */
  importState(state: StoreState): void {
    const wanted = new Map<string, Map<string, KubeObject>>();
    for (const [resource, items] of Object.entries(state.objects)) {
      const m = new Map<string, KubeObject>();
      for (const o of items) m.set(Store.key(o.metadata.namespace, o.metadata.name), structuredClone(o));
      wanted.set(resource, m);
    }
    for (const [resource, table] of this.objects) {
      const keep = wanted.get(resource);
      for (const [key, old] of [...table]) {
        if (keep?.has(key)) continue;
        table.delete(key);
        this.index(resource, old, undefined);
        const gone = { ...old, metadata: { ...old.metadata, resourceVersion: String(++this.rv) } };
        this.emit({ type: 'DELETED', resource, object: gone, old, rv: this.rv });
      }
    }
    for (const [resource, items] of wanted) {
      const table = this.table(resource);
      for (const [key, obj] of items) {
        const old = table.get(key);
        if (old && JSON.stringify(old) === JSON.stringify(obj)) continue;
        obj.metadata.resourceVersion = String(++this.rv);
        table.set(key, obj);
        this.index(resource, old, obj);
        this.emit(
          old
            ? { type: 'MODIFIED', resource, object: obj, old, rv: this.rv }
            : { type: 'ADDED', resource, object: obj, rv: this.rv },
        );
      }
    }
  }

  /** Every change, synchronously, in order: controllers subscribe here. */
  onChange(listener: (e: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    this.listenerList = [...this.listeners];
    return () => this.removeListener(listener);
  }

  private removeListener(listener: (e: StoreEvent) => void): boolean {
    const had = this.listeners.delete(listener);
    this.listenerList = [...this.listeners];
    return had;
  }

  /**
   * Events after `fromVersion` matching the query, then live ones. Throws Gone if `fromVersion` is older
   * than the history kept (the client must re-list, as with a real apiserver's 410).
   */
  watch(resource: string, query: ParsedQuery, fromVersion: number, send: (e: StoreEvent) => void): WatchSubscription {
    const matches = eventMatcher(resource, query);
    if (fromVersion > 0) this.replay(resource, query, fromVersion, send);
    const listener = (e: StoreEvent): void => {
      if (matches(e)) send(e);
    };
    this.listeners.add(listener);
    this.listenerList = [...this.listeners];
    return { stop: () => this.removeListener(listener) };
  }

  /** The events after `fromVersion` matching the query, from the history (Gone as `watch` throws it). */
  replay(resource: string, query: ParsedQuery, fromVersion: number, send: (e: StoreEvent) => void): void {
    const matches = eventMatcher(resource, query);
    const h = this.history;
    for (let i = this.historyIndexAfter(fromVersion); i < h.length; i++) if (matches(h[i]!)) send(h[i]!);
  }

  /**
   * The objects matching the query as they were at resourceVersion `at` (etcd's range at a revision), from
   * the current state and the watch history: each object changed since is taken back to its last version
   * at or before `at`. Undefined when that needs history no longer kept (etcd would say compacted).
   */
  listAt(resource: string, query: ParsedQuery, at: number): KubeObject[] | undefined {
    if (at < this.oldestWatchableVersion - 1 || at > this.rv) return undefined;
    const h = this.history;
    const from = this.historyIndexAfter(at);
    const state = new Map<string, KubeObject | undefined>();
    for (const o of this.objects.get(resource)?.values() ?? [])
      state.set(Store.key(o.metadata.namespace, o.metadata.name), o);
    const keyOf = (e: StoreEvent): string => Store.key(e.object.metadata.namespace, e.object.metadata.name);
    // The first change of each object after `at`...
    const firstAfter = new Map<string, StoreEvent>();
    for (let i = from; i < h.length; i++) {
      const e = h[i]!;
      if (e.resource !== resource) continue;
      const k = keyOf(e);
      if (!firstAfter.has(k)) firstAfter.set(k, e);
    }
    // ... undone by its last change at or before `at`, when the history still has it.
    const unresolved = new Set(firstAfter.keys());
    for (let i = from - 1; i >= this.historyStart && unresolved.size > 0; i--) {
      const e = h[i]!;
      if (e.resource !== resource) continue;
      const k = keyOf(e);
      if (!unresolved.delete(k)) continue;
      state.set(k, e.type === 'DELETED' ? undefined : e.object);
    }
    for (const k of unresolved) {
      // Created after `at`: it did not exist then. Otherwise its version then is older than the history.
      if (firstAfter.get(k)?.type !== 'ADDED') return undefined;
      state.set(k, undefined);
    }
    const out: KubeObject[] = [];
    for (const o of state.values()) {
      if (!o) continue;
      if (query.namespace && o.metadata.namespace !== query.namespace) continue;
      if (!matchLabels(o, query.labels) || !matchFields(o, query.fields)) continue;
      out.push(o);
    }
    return out;
  }

  /** How many events a watch from `fromVersion` would replay (Gone as `watch` throws it). */
  countSince(resource: string, query: ParsedQuery, fromVersion: number): number {
    const matches = eventMatcher(resource, query);
    const h = this.history;
    let n = 0;
    for (let i = this.historyIndexAfter(fromVersion); i < h.length; i++) if (matches(h[i]!)) n++;
    return n;
  }

  /** The position in the history of the first event after `fromVersion`; Gone if it left the history. */
  private historyIndexAfter(fromVersion: number): number {
    if (fromVersion < this.oldestWatchableVersion - 1) {
      throw new StoreError('Gone', `too old resource version: ${fromVersion} (${this.oldestWatchableVersion - 1})`);
    }
    const h = this.history;
    let i = this.historyStart;
    // Versions only grow: find the first event after fromVersion by bisection.
    for (let hi = h.length; i < hi;) {
      const mid = (i + hi) >>> 1;
      if (h[mid]!.rv > fromVersion) hi = mid;
      else i = mid + 1;
    }
    return i;
  }

  private emit(e: StoreEvent): void {
    // Watches replay type and object only: not keeping `old` lets previous versions be collected.
    this.history.push(e.old ? { type: e.type, resource: e.resource, object: e.object, rv: e.rv } : e);
    if (this.history.length - this.historyStart > HISTORY) {
      this.historyStart++;
      if (this.historyStart >= HISTORY) {
        this.history = this.history.slice(this.historyStart);
        this.historyStart = 0;
      }
    }
    // The list is replaced, never changed, when listeners come or go: a listener added now misses this event.
    for (const l of this.listenerList) l(e);
  }

  private index(resource: string, old: KubeObject | undefined, cur: KubeObject | undefined): void {
    if (resource !== 'pods') return;
    const oldNode = old?.spec?.nodeName as string | undefined;
    const newNode = cur?.spec?.nodeName as string | undefined;
    const key = Store.key((cur ?? old)?.metadata.namespace, (cur ?? old)?.metadata.name ?? '');
    if (oldNode && oldNode !== newNode) this.podsByNode.get(oldNode)?.delete(key);
    if (newNode && cur) indexAdd(this.podsByNode, newNode, key, cur);
    const oldOwner = old ? controllerUid(old) : undefined;
    const newOwner = cur ? controllerUid(cur) : undefined;
    if (old && oldOwner !== newOwner) {
      if (oldOwner !== undefined) indexDelete(this.podsByController, oldOwner, key);
      else indexDelete(this.orphanPods, old.metadata.namespace ?? '', key);
    }
    if (cur) {
      if (newOwner !== undefined) indexAdd(this.podsByController, newOwner, key, cur);
      else indexAdd(this.orphanPods, cur.metadata.namespace ?? '', key, cur);
    }
  }

  private lastStampMs = Number.NaN;
  private lastStamp = '';

  /** Now in RFC 3339 seconds; objects created at one instant share the string (150,000 pods, a few instants). */
  private timestamp(): string {
    const now = this.clock.now();
    if (now !== this.lastStampMs) {
      this.lastStamp = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
      this.lastStampMs = now;
    }
    return this.lastStamp;
  }

  private uidHead: string | undefined;

  /** A uid for an object about to be created (a Job's selector names its uid before it is stored). */
  newUid(): string {
    const n = (++this.uidSeq).toString(16).padStart(12, '0');
    this.uidHead ??= `${this.uidPrefix
      .padEnd(8, '0')
      .slice(0, 8)
      .replace(/[^0-9a-f]/g, 'a')}-0000-4000-8000-`;
    // Joined into one flat string: a concatenation keeps its pieces, three strings per object.
    return [this.uidHead, n].join('');
  }

  private suffix(): string {
    const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
    let n = ++this.uidSeq * 2654435761;
    let s = '';
    for (let i = 0; i < 5; i++) {
      s += alphabet[n % alphabet.length];
      n = Math.floor(n / alphabet.length) + 7;
    }
    return s;
  }
}

function eventMatcher(resource: string, query: ParsedQuery): (e: StoreEvent) => boolean {
  return (e) =>
    e.resource === resource &&
    (!query.namespace || e.object.metadata.namespace === query.namespace) &&
    matchLabels(e.object, query.labels) &&
    matchFields(e.object, query.fields);
}

function controllerUid(o: KubeObject): string | undefined {
  const refs = o.metadata.ownerReferences;
  if (!refs) return undefined;
  for (const r of refs) if (r.controller === true) return r.uid;
  return undefined;
}

function indexAdd(index: Map<string, Map<string, KubeObject>>, by: string, key: string, o: KubeObject): void {
  let m = index.get(by);
  if (!m) {
    m = new Map();
    index.set(by, m);
  }
  m.set(key, o);
}

function indexDelete(index: Map<string, Map<string, KubeObject>>, by: string, key: string): void {
  const m = index.get(by);
  if (!m) return;
  m.delete(key);
  if (m.size === 0) index.delete(by);
}

/**
 * A deep copy of a JSON-like value. Unlike structuredClone it keeps strings shared (structuredClone makes a
 * new copy of every string: with 150,000 pods, every "IfNotPresent" and "default-scheduler" many times
 * over) and it is faster on small objects. Anything that is not a plain object or array goes to
 * structuredClone.
 */
export function copyJson<T>(v: T): T {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copyJson(v[i] as unknown);
    return out as T;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return structuredClone(v);
  const out: Record<string, unknown> = {};
  for (const k in v) {
    const x = copyJson((v as Record<string, unknown>)[k]);
    if (k === '__proto__')
      Object.defineProperty(out, k, { value: x, enumerable: true, writable: true, configurable: true });
    else out[k] = x;
  }
  return out as T;
}

/**
 * Deep equality of JSON values with an early exit: most updates differ in their status, found quickly;
 * cheaper than comparing two JSON.stringify outputs of a whole pod. Absent and undefined are equal.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let na = 0;
  for (const k in ao) {
    if (ao[k] === undefined) continue;
    na++;
    if (!sameJson(ao[k], bo[k])) return false;
  }
  let nb = 0;
  for (const k in bo) if (bo[k] !== undefined) nb++;
  return na === nb;
}
