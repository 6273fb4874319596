import type { ServerResponse } from 'node:http';
import type { KubeObject } from '../../kube/objects.js';
import type { ResourceName } from '../../kube/resources.js';
import { StoreError, type ParsedQuery, type StoreEvent, type WatchSubscription } from '../store/store.js';
import type { ApiContext } from './context.js';
import { sortByKey } from './list.js';
import { statusOf, ApiError } from './status.js';
import { tableHead, tableRow, type TableOptions } from './table.js';

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
  /** gamedayWatch tag: events are counted on the WatchTracker while in flight. */
  tag: string | undefined;
}

/**
 * The last event line encoded. The store hands one change to every watcher in turn, so one stringify serves
 * all of them; keeping only the last one retains nothing after the fan-out.
 */
let lastLine: { type: string; obj: KubeObject; text: string } | undefined;

function eventLine(type: string, obj: KubeObject): string {
  if (lastLine?.obj !== obj || lastLine.type !== type) {
    lastLine = { type, obj, text: `{"type":"${type}","object":${JSON.stringify(obj)}}\n` };
  }
  return lastLine.text;
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
 * One watch stream: JSON lines `{"type":..,"object":..}`, one chunk per event. Starting from a
 * resourceVersion replays the store's history after it (or sends a 410 Expired ERROR event when it is too
 * old); starting without one sends the current state as ADDED first, as kube-apiserver does.
 */
export class WatchStream {
  private sub: WatchSubscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  /**
   * Lines waiting to be written (backpressure); `pendingHead` is the next. Kept as strings: they are joined
   * into chunks anyway, and a byte buffer per line per event costs an allocation each.
   */
  private pending: string[] = [];
  private pendingHead = 0;
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
    try {
      if (rv === undefined || rv === '' || rv === '0') {
        for (const obj of sortByKey(ctx.store.list(o.resource, o.query))) this.send('ADDED', obj);
        if (o.sendInitialEvents) this.bookmark(String(ctx.store.resourceVersion), true);
        this.sub = ctx.store.watch(o.resource, o.query, 0, send);
      } else {
        const from = Number(rv);
        if (!Number.isFinite(from) || from < 0)
          throw new ApiError(400, 'BadRequest', `invalid resource version: ${rv}`);
        // More to replay than an untracked watcher may have waiting: as if the version had left the watch cache.
        if (!o.tag && from > 0 && ctx.store.countSince(o.resource, o.query, from) > MAX_PENDING_EVENTS) {
          throw new StoreError('Gone', `too old resource version: ${from} (${ctx.store.resourceVersion - 1})`);
        }
        this.sub = ctx.store.watch(o.resource, o.query, from, send);
        if (o.sendInitialEvents) this.bookmark(String(ctx.store.resourceVersion), true);
      }
    } catch (err) {
      if (err instanceof StoreError && err.reason === 'Gone') {
        this.writeLine({ type: 'ERROR', object: statusOf(new ApiError(410, 'Expired', err.message)) });
      } else if (err instanceof ApiError) {
        this.writeLine({ type: 'ERROR', object: statusOf(err) });
      } else throw err;
      this.end();
      return;
    }
    if (o.timeoutSeconds !== undefined && o.timeoutSeconds > 0) {
      // Socket timeouts are real time on every clock: they protect connections, not simulated behaviour.
      this.timer = setTimeout(() => this.end(), o.timeoutSeconds * 1000);
      this.timer.unref();
    }
  }

  private send(type: string, obj: KubeObject): void {
    if (this.closed) return;
    if (this.ctx.hooks.serving && !this.ctx.hooks.serving()) {
      // The last apiserver went down: its watch connections break.
      this.res.destroy();
      this.finish();
      return;
    }
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
      this.write(eventLine(type, obj));
      if (this.o.tag) this.ctx.tracker?.sent(this.o.tag);
      return;
    }
    this.write(line);
    if (this.o.tag) this.ctx.tracker?.sent(this.o.tag);
  }

  /**
   * Queue a line; the queue goes out at the end of this turn of the loop, many lines to one chunk of up to
   * WRITE_BATCH bytes (a write per line per watcher costs more than copying the bytes), and waits while the
   * socket is full.
   */
  private write(line: string): void {
    this.pending.push(line);
    // Lines waiting behind a full socket: the client is too slow. Tracked watches hold the virtual clock
    // until handled: they never run away, and are never dropped.
    if (!this.o.tag && this.blocked && this.pending.length - this.pendingHead > MAX_PENDING_EVENTS) {
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

  /** Write queued lines while the socket takes them. */
  private flush(): void {
    if (this.closed || this.res.writableEnded) return;
    while (this.pendingHead < this.pending.length) {
      let size = 0;
      let end = this.pendingHead;
      while (
        end < this.pending.length &&
        (end === this.pendingHead || size + this.pending[end]!.length <= WRITE_BATCH)
      ) {
        size += this.pending[end]!.length;
        end++;
      }
      const chunk =
        end - this.pendingHead === 1
          ? this.pending[this.pendingHead]!
          : this.pending.slice(this.pendingHead, end).join('');
      for (let i = this.pendingHead; i < end; i++) this.pending[i] = '';
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
    if (this.pendingHead >= this.pending.length) {
      this.pending = [];
      this.pendingHead = 0;
    } else if (this.pendingHead > 1024) {
      this.pending = this.pending.slice(this.pendingHead);
      this.pendingHead = 0;
    }
  }

  private bookmark(rv: string, initialEventsEnd: boolean): void {
    this.writeLine({
      type: 'BOOKMARK',
      object: {
        kind: this.o.kind,
        apiVersion: this.o.apiVersion,
        metadata: {
          resourceVersion: rv,
          ...(initialEventsEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}),
        },
      },
    });
  }

  private writeLine(v: unknown): void {
    if (this.closed) return;
    this.write(JSON.stringify(v) + '\n');
    if (this.o.tag) this.ctx.tracker?.sent(this.o.tag);
  }

  /** Close the stream from the server side (timeout, shutdown): what is queued still goes out first. */
  end(): void {
    if (!this.res.writableEnded) {
      if (this.pendingHead < this.pending.length) this.res.write(this.pending.slice(this.pendingHead).join(''));
      this.res.end();
    }
    this.finish();
  }

  /** A client too slow to follow: drop what waits for it and close, as kube-apiserver does. */
  private dropUnresponsive(): void {
    this.pending = [];
    this.pendingHead = 0;
    this.end();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.pendingHead = 0;
    this.sub?.stop();
    if (this.timer) clearTimeout(this.timer);
    if (this.o.tag) this.ctx.tracker?.closed(this.o.tag);
    this.onClose(this);
  }
}
