import type { Clock } from '../engine/clock.js';
import type { WatchTracker } from '../engine/watch-tracker.js';
import { Backoff } from './backoff.js';
import type { Informer, WatchEvent } from './kube.js';
import { objectKey, type KubeObject } from './objects.js';
import type { ResourceName } from './resources.js';

/** How an informer reaches the apiserver: one list, and one watch from a resourceVersion. */
export interface ListWatch {
  list(): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  /**
   * Watch from `resourceVersion`; `tag` marks the watch for the simulator's tracker. Resolves once the
   * stream is open, with what stops it; `done` is called once when the stream ends, for whatever reason.
   */
  watch(
    resourceVersion: string,
    tag: string | undefined,
    onEvent: (type: string, obj: KubeObject) => void,
    done: (err: unknown) => void,
  ): Promise<{ abort(): void }>;
}

export interface InformerOptions {
  clock: Clock;
  tracker?: WatchTracker | undefined;
  /** Jitter for the reconnect back-off, in [0, 1). */
  random: () => number;
}

/** A watch that ended sooner than this after it opened is a failure, as client-go's "very short watch". */
const SHORT_WATCH_MS = 1000;

/**
 * list, then watch from the list's resourceVersion; on 410 Gone list again. A watch the server closed after
 * it worked is reopened at once; one that failed, or closed at once, is reopened after client-go's reflector
 * back-off (800 ms doubling to 30 s, jittered, reset after 2 minutes without trouble), on the target's clock.
 * Every handled event wakes the clock's waiters and, on the simulator, releases the clock hold its arrival took.
 */
export class WatchInformer implements Informer {
  private readonly cache = new Map<string, KubeObject>();
  private readonly listeners = new Set<(e: WatchEvent) => void>();
  private readonly backoff: Backoff;
  private readonly readyPromise: Promise<void>;
  private rv = '';
  private stopped = false;
  private gone = false;
  private stream: { abort(): void } | undefined;
  private watchId: string | undefined;
  private watchOpenedAt = 0;

  constructor(
    readonly resource: ResourceName,
    private readonly source: ListWatch,
    private readonly o: InformerOptions,
  ) {
    this.backoff = new Backoff(o.clock, o.random);
    this.readyPromise = this.relist();
    // The first list's failure is reported through ready(); avoid an unhandled rejection meanwhile.
    this.readyPromise.catch(() => (this.failed = true));
  }

  /** The first list failed: this informer will never hold anything (the client makes a new one if asked again). */
  failed = false;

  ready(): Promise<void> {
    return this.readyPromise;
  }

  items(): KubeObject[] {
    return [...this.cache.values()];
  }

  get(name: string, namespace?: string): KubeObject | undefined {
    return this.cache.get(namespace ? `${namespace}/${name}` : name);
  }

  onEvent(listener: (e: WatchEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    this.stopped = true;
    this.stream?.abort();
    if (this.watchId) this.o.tracker?.closed(this.watchId);
  }

  private async relist(): Promise<void> {
    const { items, resourceVersion } = await this.source.list();
    const seen = new Set<string>();
    for (const obj of items) {
      const k = objectKey(obj);
      seen.add(k);
      const old = this.cache.get(k);
      this.cache.set(k, obj);
      if (!old) this.emit({ type: 'ADDED', object: obj });
      else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion)
        this.emit({ type: 'MODIFIED', object: obj });
    }
    for (const [k, obj] of [...this.cache]) {
      if (!seen.has(k)) {
        this.cache.delete(k);
        this.emit({ type: 'DELETED', object: obj });
      }
    }
    this.rv = resourceVersion;
    this.o.clock.notify();
    if (!this.stopped) await this.startWatch();
  }

  private async startWatch(): Promise<void> {
    const id = this.o.tracker?.newId();
    this.watchId = id;
    this.watchOpenedAt = this.o.clock.now();
    this.stream = await this.o.clock.track(
      this.source.watch(
        this.rv,
        id,
        (type, obj) => this.handle(type, obj, id),
        (err) => this.done(err, id),
      ),
      `watch ${this.resource}`,
    );
  }

  private handle(type: string, obj: KubeObject, id: string | undefined): void {
    try {
      if (type === 'BOOKMARK') {
        if (obj.metadata.resourceVersion) this.rv = obj.metadata.resourceVersion;
        return;
      }
      if (type === 'ERROR') {
        // 410 Gone: our resourceVersion is too old; list again when the stream closes.
        this.gone = true;
        return;
      }
      const k = objectKey(obj);
      if (type === 'DELETED') this.cache.delete(k);
      else this.cache.set(k, obj);
      if (obj.metadata.resourceVersion) this.rv = obj.metadata.resourceVersion;
      this.emit({ type: type as WatchEvent['type'], object: obj });
      this.o.clock.notify();
    } finally {
      if (id) this.o.tracker?.handled(id);
    }
  }

  private done(err: unknown, id: string | undefined): void {
    if (id) this.o.tracker?.closed(id);
    if (this.stopped) return;
    const relist = this.gone || (err as { statusCode?: number } | null)?.statusCode === 410;
    this.gone = false;
    const worked = !err && !relist && this.o.clock.now() - this.watchOpenedAt >= SHORT_WATCH_MS;
    this.o.clock.setTimer(
      worked ? 0 : this.backoff.next(),
      () => {
        if (this.stopped) return;
        const next = relist ? this.relist() : this.startWatch();
        this.o.clock.track(next, `rewatch ${this.resource}`).catch((e: unknown) => {
          if (this.stopped) return;
          this.gone ||= relist;
          this.done(e ?? new Error('rewatch failed'), undefined);
        });
      },
      `rewatch ${this.resource}`,
    );
  }

  private emit(e: WatchEvent): void {
    for (const l of this.listeners) l(e);
  }
}
