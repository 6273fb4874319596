import type { ServerResponse } from 'node:http';
import type { KubeObject } from '../../kube/objects.js';
import type { ResourceName } from '../../kube/resources.js';
import { StoreError, type ParsedQuery, type StoreEvent, type WatchSubscription } from '../store/store.js';
import type { ApiContext } from './context.js';
import { sortByKey } from './list.js';
import { statusOf, ApiError } from './status.js';
import { tableHead, tableRow, type TableOptions } from './table.js';
import type { FanoutMember } from './watch-fanout.js';
import type { BookmarkTarget } from './bookmarks.js';

export interface WatchOptions {
  resource: ResourceName;
  kind: string;
  apiVersion: string;
  query: ParsedQuery;
  /** The request's resourceVersion: undefined or "0" starts with the current state as ADDED events. */
  resourceVersion: string | undefined;
  sendInitialEvents: boolean;
  table: TableOptions | undefined;
  partialMetadata: boolean;
  timeoutSeconds: number | undefined;
  /** allowWatchBookmarks: a BOOKMARK about once a minute. */
  allowBookmarks: boolean;
  /** gamedayWatch tag: events are counted on the WatchTracker while in flight. */
  tag: string | undefined;
}

/**
 * Events an untracked watcher may have waiting behind a full socket before it is closed, as kube-apiserver
 * closes a watcher whose buffer stays full ("Forcing watcher close due to unresponsiveness"): the client
 * watches again from the last version it saw. Without the bound, one slow client would hold every event
 * since it fell behind in memory.
 */
export const MAX_PENDING_EVENTS = 10_000;

/** Characters of queued lines joined into one chunk: events of one turn of the loop go out in few writes. */
const WRITE_BATCH = 256 << 10;

/**
 * One watch stream: JSON lines `{"type":..,"object":..}`. Starting from a resourceVersion replays the
 * store's history after it (or sends a 410 Expired ERROR event when it is too old); starting without one
 * sends the current state as ADDED first, as kube-apiserver does.
 *
 * Untracked plain-JSON watches then follow the store through the shared fan-out (one encoding per change
 * and one chunk per turn of the loop for all of them); tracked, Table and metadata-only watches follow it
 * one event at a time, each line written for them alone (a tracked event is counted as it is written).
 */
export class WatchStream implements FanoutMember, BookmarkTarget {
  private sub: WatchSubscription | undefined;
  private leave: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /**
   * What waits to be written (backpressure), from `pendingHead` on: lines of this stream and chunks shared
   * with a fan-out group, joined into chunks of up to WRITE_BATCH characters when written, with how many
   * events each holds in `pendingCounts`.
   */
  private pending: string[] = [];
  private pendingCounts: number[] = [];
  private pendingHead = 0;
  private pendingEvents = 0;
  private blocked = false;
  private flushScheduled = false;

  constructor(
    private readonly ctx: ApiContext,
    private readonly res: ServerResponse,
    private readonly o: WatchOptions,
    private readonly onClose: (w: WatchStream) => void,
  ) {}

  /** Writes the initial events synchronously, then follows the store. */
  start(): void {
    const { res, ctx, o } = this;
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    res.on('close', () => this.finish());
    const send = (e: StoreEvent): void => this.send(e.type, e.object);
    const rv = o.resourceVersion;
    // Replayed events and the bookmark are written before the first live event, whichever way it comes.
    const follow = (): void => {
      if (this.closed) return;
      if (!o.tag && !o.table && !o.partialMetadata) this.leave = ctx.fanout.join(o.resource, o.query, this);
      else this.sub = ctx.store.watch(o.resource, o.query, 0, send);
    };
    try {
      if (rv === undefined || rv === '' || rv === '0') {
        for (const obj of sortByKey(ctx.store.list(o.resource, o.query))) this.send('ADDED', obj);
        if (o.sendInitialEvents) this.writeBookmark(String(ctx.store.resourceVersion), true);
      } else {
        const from = Number(rv);
        if (!Number.isFinite(from) || from < 0)
          throw new ApiError(400, 'BadRequest', `invalid resource version: ${rv}`);
        // More to replay than an untracked watcher may have waiting: as if the version had left the watch cache.
        if (!o.tag && from > 0 && ctx.store.countSince(o.resource, o.query, from) > MAX_PENDING_EVENTS) {
          throw new StoreError('Gone', `too old resource version: ${from} (${ctx.store.resourceVersion - 1})`);
        }
        if (from > 0) ctx.store.replay(o.resource, o.query, from, send);
        if (o.sendInitialEvents) this.writeBookmark(String(ctx.store.resourceVersion), true);
      }
      follow();
    } catch (err) {
      if (err instanceof StoreError && err.reason === 'Gone') {
        this.writeLine({ type: 'ERROR', object: statusOf(new ApiError(410, 'Expired', err.message)) });
      } else if (err instanceof ApiError) {
        this.writeLine({ type: 'ERROR', object: statusOf(err) });
      } else throw err;
      this.end();
      return;
    }
    if (o.allowBookmarks) ctx.bookmarks.add(this);
    if (o.timeoutSeconds !== undefined && o.timeoutSeconds > 0) {
      // Socket timeouts are real time on every clock: they protect connections, not simulated behaviour.
      this.timer = setTimeout(() => this.end(), o.timeoutSeconds * 1000);
      this.timer.unref();
    }
  }

  /** Chunks of the fan-out group this stream follows. */
  deliver(chunk: string, events: number): void {
    if (this.closed || this.brokenByOutage()) return;
    this.write(chunk, events);
  }

  /** The last apiserver went down: its watch connections break. */
  private brokenByOutage(): boolean {
    if (!this.ctx.hooks.serving || this.ctx.hooks.serving()) return false;
    this.res.destroy();
    this.finish();
    return true;
  }

  private send(type: string, obj: KubeObject): void {
    if (this.closed || this.brokenByOutage()) return;
    let line: string;
    if (this.o.table) {
      const t = this.o.table;
      line = `{"type":"${type}","object":${tableHead(t, obj.metadata.resourceVersion ?? '')}${JSON.stringify(tableRow(obj, { ...t, now: this.ctx.clock.now() }))}]}}\n`;
    } else if (this.o.partialMetadata) {
      line =
        JSON.stringify({
          type,
          object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata },
        }) + '\n';
    } else {
      line = this.ctx.encoder.line(type, obj);
    }
    this.write(line);
    if (this.o.tag) this.ctx.tracker?.sent(this.o.tag);
  }

  /**
   * Queue a line or a shared chunk; the queue goes out at the end of this turn of the loop, consecutive
   * lines joined into chunks of up to WRITE_BATCH characters (a write per line per watcher costs more than
   * copying the bytes), and waits while the socket is full.
   */
  private write(data: string, events = 1): void {
    this.pending.push(data);
    this.pendingCounts.push(events);
    this.pendingEvents += events;
    // Events waiting behind a full socket: the client is too slow. Tracked watches hold the virtual clock
    // until handled: they never run away, and are never dropped.
    if (!this.o.tag && this.blocked && this.pendingEvents > MAX_PENDING_EVENTS) {
      this.dropUnresponsive();
      return;
    }
    if (this.blocked || this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => {
      this.flushScheduled = false;
      if (!this.blocked) this.flush();
    });
  }

  /** Write what is queued while the socket takes it. */
  private flush(): void {
    if (this.closed || this.res.writableEnded) return;
    const pending = this.pending;
    while (this.pendingHead < pending.length) {
      let size = pending[this.pendingHead]!.length;
      let end = this.pendingHead + 1;
      while (end < pending.length && size + pending[end]!.length <= WRITE_BATCH) size += pending[end++]!.length;
      const chunk =
        end - this.pendingHead === 1 ? pending[this.pendingHead]! : pending.slice(this.pendingHead, end).join('');
      for (let i = this.pendingHead; i < end; i++) {
        pending[i] = '';
        this.pendingEvents -= this.pendingCounts[i]!;
      }
      this.pendingHead = end;
      if (!this.res.write(chunk)) {
        this.blocked = true;
        this.res.once('drain', () => {
          this.blocked = false;
          this.flush();
        });
        break;
      }
    }
    if (this.pendingHead >= pending.length) this.clearPending();
    else if (this.pendingHead > 1024) {
      this.pending = pending.slice(this.pendingHead);
      this.pendingCounts = this.pendingCounts.slice(this.pendingHead);
      this.pendingHead = 0;
    }
  }

  private clearPending(): void {
    this.pending = [];
    this.pendingCounts = [];
    this.pendingHead = 0;
    this.pendingEvents = 0;
  }

  /** A periodic BOOKMARK at the current resourceVersion: every change up to it was written before it. */
  bookmark(): void {
    if (this.closed || this.brokenByOutage()) return;
    // Only an informer's resourceVersion moves with it: no wait depends on it, so it holds no clock.
    this.write(JSON.stringify(this.bookmarkEvent(String(this.ctx.store.resourceVersion), false)) + '\n');
    if (this.o.tag) this.ctx.tracker?.sentUnheld(this.o.tag);
  }

  private writeBookmark(rv: string, initialEventsEnd: boolean): void {
    this.writeLine(this.bookmarkEvent(rv, initialEventsEnd));
  }

  private bookmarkEvent(rv: string, initialEventsEnd: boolean): unknown {
    return {
      type: 'BOOKMARK',
      object: {
        kind: this.o.kind,
        apiVersion: this.o.apiVersion,
        metadata: {
          resourceVersion: rv,
          ...(initialEventsEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}),
        },
      },
    };
  }

  private writeLine(v: unknown): void {
    if (this.closed) return;
    this.write(JSON.stringify(v) + '\n');
    if (this.o.tag) this.ctx.tracker?.sent(this.o.tag);
  }

  /** Close the stream from the server side (timeout, shutdown): what is queued still goes out first. */
  end(): void {
    if (!this.res.writableEnded) {
      for (let i = this.pendingHead; i < this.pending.length; i++) this.res.write(this.pending[i]!);
      this.res.end();
    }
    this.finish();
  }

  /** A client too slow to follow: drop what waits for it and close, as kube-apiserver does. */
  private dropUnresponsive(): void {
    this.clearPending();
    this.end();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.clearPending();
    this.sub?.stop();
    this.leave?.();
    this.ctx.bookmarks.remove(this);
    if (this.timer) clearTimeout(this.timer);
    if (this.o.tag) this.ctx.tracker?.closed(this.o.tag);
    this.onClose(this);
  }
}
