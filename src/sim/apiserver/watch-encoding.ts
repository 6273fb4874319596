import type { KubeObject } from '../../kube/objects.js';

/**
 * Recent objects whose JSON is kept: enough for the replays a reconnecting watcher may ask
 * (MAX_PENDING_EVENTS) with room to spare.
 */
export const ENCODING_CACHE = 25_000;

/**
 * An object's JSON: a string of its own, or the characters [start, end) of a chunk a fan-out group
 * wrote, which is kept anyway while watchers still have it queued.
 */
interface Encoding {
  rv: string | undefined;
  text: string;
  start: number;
  end: number;
}

/**
 * Keeps each recent object's JSON, as kube-apiserver's watch cache keeps each object's serialization
 * (cachingObject): fifty watchers, and watchers that reconnect and replay the history, all send the same
 * bytes instead of serializing the object again each. Bounded, oldest first out, so it never holds more
 * than the recent changes whatever the cluster's size.
 *
 * Live changes are kept as positions in the chunk that carried them rather than as strings of their own:
 * a string per change, kept past the turn it was made in, is copied by every young-generation collection
 * it survives, and at 750,000 pod changes that copying was a large share of the simulator's time.
 */
export class WatchEncoder {
  private readonly cache = new Map<KubeObject, Encoding>();
  /**
   * The cached objects in the order they came, as a ring: evicting through the Map's own order
   * (`keys().next()`) walks over every entry deleted before it, which grows with the churn.
   */
  private readonly order: (KubeObject | undefined)[];
  private next = 0;
  /** How many times an object was actually serialized (tests and benchmarks). */
  serialized = 0;

  constructor(private readonly capacity = ENCODING_CACHE) {
    this.order = new Array<KubeObject | undefined>(capacity);
  }

  /**
   * The object's JSON, kept for the next to ask. Stored objects are read-only; the resourceVersion check
   * still catches an object changed in place by a write that bypassed the store's copy-on-write.
   */
  objectJson(obj: KubeObject): string {
    const cached = this.cached(obj);
    if (cached !== undefined) return cached;
    const json = this.serialize(obj);
    this.keep(obj, json, 0, json.length);
    return json;
  }

  /** The object's JSON for a line about to be joined into a chunk (`remember` keeps it from there). */
  transientJson(obj: KubeObject): string {
    return this.cached(obj) ?? this.serialize(obj);
  }

  /** The object's JSON is chars [start, end) of `chunk`: keep that, unless it is kept already. */
  remember(obj: KubeObject, chunk: string, start: number, end: number): void {
    const hit = this.cache.get(obj);
    if (hit?.rv === obj.metadata.resourceVersion) return;
    this.keep(obj, chunk, start, end);
  }

  /** One line of a JSON watch stream. */
  line(type: string, obj: KubeObject): string {
    return `{"type":"${type}","object":${this.objectJson(obj)}}\n`;
  }

  clear(): void {
    this.cache.clear();
    this.order.fill(undefined);
    this.next = 0;
  }

  private cached(obj: KubeObject): string | undefined {
    const hit = this.cache.get(obj);
    if (hit === undefined || hit.rv !== obj.metadata.resourceVersion) return undefined;
    return hit.start === 0 && hit.end === hit.text.length ? hit.text : hit.text.slice(hit.start, hit.end);
  }

  private serialize(obj: KubeObject): string {
    this.serialized++;
    return JSON.stringify(obj);
  }

  private keep(obj: KubeObject, text: string, start: number, end: number): void {
    const rv = obj.metadata.resourceVersion;
    const hit = this.cache.get(obj);
    if (hit !== undefined) {
      hit.rv = rv;
      hit.text = text;
      hit.start = start;
      hit.end = end;
      return;
    }
    const evicted = this.order[this.next];
    if (evicted !== undefined) this.cache.delete(evicted);
    this.order[this.next] = obj;
    this.next = (this.next + 1) % this.capacity;
    this.cache.set(obj, { rv, text, start, end });
  }
}
