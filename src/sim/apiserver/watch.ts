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

/** Serialized objects, shared by every watcher that sends the same object (one stringify per change). */
const encoded = new WeakMap<KubeObject, string>();

function encode(o: KubeObject): string {
  let s = encoded.get(o);
  if (s === undefined) {
    s = JSON.stringify(o);
    encoded.set(o, s);
  }
  return s;
}

/**
 * One watch stream: JSON lines `{"type":..,"object":..}`, one chunk per event. Starting from a
 * resourceVersion replays the store's history after it (or sends a 410 Expired ERROR event when it is too
 * old); starting without one sends the current state as ADDED first, as kube-apiserver does.
 */
export class WatchStream {
  private sub: WatchSubscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly ctx: ApiContext,
    private readonly res: ServerResponse,
    private readonly o: WatchOptions,
    private readonly onClose: (w: WatchStream) => void,
  ) {}

  /** Writes the initial events synchronously, then follows the store. */
  start(): void {
    const { res, ctx, o } = this;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
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
        if (!Number.isFinite(from) || from < 0) throw new ApiError(400, 'BadRequest', `invalid resource version: ${rv}`);
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
      line = JSON.stringify({ type, object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata } }) + '\n';
    } else {
      line = `{"type":"${type}","object":${encode(obj)}}\n`;
    }
    this.res.write(line);
    if (this.o.tag) this.ctx.tracker?.sent(this.o.tag);
  }

  private bookmark(rv: string, initialEventsEnd: boolean): void {
    this.writeLine({
      type: 'BOOKMARK',
      object: {
        kind: this.o.kind,
        apiVersion: this.o.apiVersion,
        metadata: { resourceVersion: rv, ...(initialEventsEnd ? { annotations: { 'k8s.io/initial-events-end': 'true' } } : {}) },
      },
    });
  }

  private writeLine(v: unknown): void {
    if (this.closed) return;
    this.res.write(JSON.stringify(v) + '\n');
    if (this.o.tag) this.ctx.tracker?.sent(this.o.tag);
  }

  /** Close the stream from the server side (timeout, shutdown). */
  end(): void {
    if (!this.res.writableEnded) this.res.end();
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.sub?.stop();
    if (this.timer) clearTimeout(this.timer);
    if (this.o.tag) this.ctx.tracker?.closed(this.o.tag);
    this.onClose(this);
  }
}
