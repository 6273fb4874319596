import type { KubeObject } from '../../kube/objects.js';

/** Recent objects whose JSON is kept: enough for the replays a reconnecting watcher may ask (MAX_PENDING_EVENTS) with room to spare. */
export const ENCODING_CACHE = 25_000;

/**
 * Keeps each recent object's JSON, as kube-apiserver's watch cache keeps each object's serialization
 * (cachingObject): fifty watchers, and watchers that reconnect and replay the history, all send the same
 * bytes instead of serializing the object again each. Bounded, oldest first out, so it never holds more
 * than the recent changes whatever the cluster's size.
 */
export class WatchEncoder {
  private readonly cache = new Map<KubeObject, { rv: string | undefined; json: string }>();
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
   * The object's JSON. Stored objects are read-only; the resourceVersion check still catches an object
   * changed in place by a write that bypassed the store's copy-on-write.
   */
  objectJson(obj: KubeObject): string {
    const rv = obj.metadata.resourceVersion;
    const hit = this.cache.get(obj);
    if (hit !== undefined) {
      if (hit.rv === rv) return hit.json;
      hit.rv = rv;
      hit.json = JSON.stringify(obj);
      this.serialized++;
      return hit.json;
    }
    const json = JSON.stringify(obj);
    this.serialized++;
    const evicted = this.order[this.next];
    if (evicted !== undefined) this.cache.delete(evicted);
    this.order[this.next] = obj;
    this.next = (this.next + 1) % this.capacity;
    this.cache.set(obj, { rv, json });
    return json;
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
}
