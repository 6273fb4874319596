import type { KubeObject } from '../../kube/objects.js';
import type { ParsedQuery, Store, StoreEvent, WatchSubscription } from '../store/store.js';
import type { WatchEncoder } from './watch-encoding.js';

/** A watch stream fed by a fan-out group: chunks of whole JSON lines, shared with the group's other members. */
export interface FanoutMember {
  deliver(chunk: string, events: number): void;
}

/** Characters of lines after which a group sends what it has without waiting for the end of the turn. */
const CHUNK_CHARS = 1 << 20;

/**
 * Watchers of the same resource with the same selectors, in plain JSON, receive the same bytes. A group
 * follows the store once for all of them, joins the lines of one turn of the loop into one string, and
 * hands that string to every member: with fifty watchers on all pods, each change is encoded and joined
 * once, and a watcher left behind by a slow client holds the shared chunks rather than its own copy of
 * every line. Chunks are strings, not Buffers: a Buffer per chunk counts as external memory, whose
 * churn makes V8 collect far more often than the copy per socket write costs.
 */
export class WatchFanout {
  private readonly groups = new Map<string, FanoutGroup>();

  constructor(
    private readonly store: Store,
    private readonly encoder: WatchEncoder,
  ) {}

  /**
   * Start feeding `member` every change of `resource` matching `query` from now on: changes already made
   * are the caller's to replay. Returns the function that stops it.
   */
  join(resource: string, query: ParsedQuery, member: FanoutMember): () => void {
    const key = JSON.stringify([resource, query.namespace ?? '', query.labels, query.fields]);
    let group = this.groups.get(key);
    if (!group) {
      const created = new FanoutGroup(this.encoder);
      created.subscribe(this.store, resource, query);
      this.groups.set(key, created);
      group = created;
    }
    const g = group;
    g.add(member);
    return () => {
      if (g.remove(member) === 0) {
        g.close();
        this.groups.delete(key);
      }
    };
  }

  /** Write out what every group has gathered this turn (before a bookmark, which must not overtake it). */
  flushAll(): void {
    for (const g of this.groups.values()) g.flushNow();
  }

  /** Groups following the store now (tests). */
  get size(): number {
    return this.groups.size;
  }
}

class FanoutGroup {
  private lines: string[] = [];
  /** The object of each line, and where its JSON starts in the line. */
  private objects: KubeObject[] = [];
  private starts: number[] = [];
  private chars = 0;
  /** Members, each with the first line of this turn it receives: one that joins mid-turn replayed the rest. */
  private readonly members = new Map<FanoutMember, number>();
  private sub: WatchSubscription | undefined;
  private scheduled = false;

  constructor(private readonly encoder: WatchEncoder) {}

  subscribe(store: Store, resource: string, query: ParsedQuery): void {
    this.sub = store.watch(resource, query, 0, (e) => this.push(e));
  }

  add(member: FanoutMember): void {
    this.members.set(member, this.lines.length);
  }

  remove(member: FanoutMember): number {
    this.members.delete(member);
    return this.members.size;
  }

  close(): void {
    this.sub?.stop();
    this.clearTurn();
  }

  private push(e: StoreEvent): void {
    const head = `{"type":"${e.type}","object":`;
    const line = `${head}${this.encoder.transientJson(e.object)}}\n`;
    this.lines.push(line);
    this.objects.push(e.object);
    this.starts.push(head.length);
    this.chars += line.length;
    if (this.chars >= CHUNK_CHARS) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  flushNow(): void {
    this.flush();
  }

  private flush(): void {
    const { lines, objects, starts } = this;
    if (lines.length === 0) return;
    this.clearTurn();
    let all: string | undefined;
    for (const [member, from] of this.members) {
      this.members.set(member, 0);
      if (from >= lines.length) continue;
      const chunk = from === 0 ? (all ??= lines.join('')) : lines.slice(from).join('');
      member.deliver(chunk, lines.length - from);
    }
    if (all === undefined) return;
    // Replays to watchers that reconnect take each object's JSON from the chunk, as it was sent.
    let pos = 0;
    for (let i = 0; i < lines.length; i++) {
      const length = lines[i]!.length;
      this.encoder.remember(objects[i]!, all, pos + starts[i]!, pos + length - 2);
      pos += length;
    }
  }

  private clearTurn(): void {
    this.lines = [];
    this.objects = [];
    this.starts = [];
    this.chars = 0;
  }
}
