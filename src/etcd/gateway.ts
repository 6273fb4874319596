import { Agent, request } from 'node:https';
import { InfrastructureError, errorMessage } from '../errors.js';

/**
 * etcd's v3 JSON gateway (grpc-gateway in front of the KV service, served on every member's client port):
 * `POST <client URL>/v3/kv/{put,range,deleterange,txn}` with base64 keys and values. etcd 3.3 served it
 * under `/v3beta/`; 3.4 (Debian bookworm's) serves both `/v3/` and `/v3beta/`; 3.5 dropped `/v3beta/`.
 * So `/v3/` it is. One fetch per batch instead of one etcdctl process per write.
 */
export const GATEWAY_PATH = '/v3/kv';

export type GatewayOp = { put: string; value: string } | { delete: string };

/**
 * A client certificate for members that require one (kubeadm's etcd: --client-cert-auth, the apiserver
 * connecting with apiserver-etcd-client.crt), and the CA their server certificates are checked against.
 */
export interface EtcdTls {
  ca: string | Buffer;
  cert: string | Buffer;
  key: string | Buffer;
}

/**
 * unavailable: nothing committed (no quorum, no leader, nobody listening, our timeout): retry later.
 * rejected: etcd answered that this request can never succeed (too large, malformed): retrying is useless.
 */
export type GatewayFailure = 'unavailable' | 'rejected';

export class EtcdGatewayError extends InfrastructureError {
  constructor(
    message: string,
    readonly failure: GatewayFailure,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface GatewayKv {
  key: string;
  value: string;
  modRevision: number;
}

export interface RangeResult {
  revision: number;
  kvs: GatewayKv[];
  more: boolean;
}

interface Header {
  cluster_id?: string;
  revision?: string;
}

interface RawKv {
  key?: string;
  value?: string;
  mod_revision?: string;
}

interface RawResponse {
  header?: Header;
  kvs?: RawKv[];
  more?: boolean;
  succeeded?: boolean;
  deleted?: string;
  error?: string;
  message?: string;
  code?: number;
}

/**
 * gRPC codes etcd uses for requests that can never succeed as sent. Everything else (Unavailable for
 * `etcdserver: request timed out` and `no leader`, DeadlineExceeded, ResourceExhausted for `too many
 * requests`, ...) is an outage to wait out.
 */
const REJECTED_CODES = new Set([3, 5, 6, 7, 9, 11, 12, 16]);

/**
 * An AbortSignal that fires `ms` after now, but only once the event loop has had an I/O turn after the timer:
 * when the simulator kept the loop busy past the deadline, an answer already received is read first
 * instead of being thrown away as a timeout. Call `clear` when the request is over.
 */
export function lagTolerantTimeout(ms: number): { signal: AbortSignal; clear: () => void } {
  const controller = new AbortController();
  let immediate: NodeJS.Immediate | undefined;
  const timer = setTimeout(() => {
    // Two check-phase hops: the poll phase between them reads sockets, then promise jobs settle.
    immediate = setImmediate(() => {
      immediate = setImmediate(() => controller.abort(new DOMException('timed out', 'TimeoutError')));
    });
  }, ms);
  return {
    signal: controller.signal,
    clear: () => {
      clearTimeout(timer);
      if (immediate) clearImmediate(immediate);
    },
  };
}

const b64 = (s: string | Buffer): string => (typeof s === 'string' ? Buffer.from(s, 'utf8') : s).toString('base64');
const unb64 = (s: string | undefined): string => Buffer.from(s ?? '', 'base64').toString('utf8');

/**
 * A small client of the JSON gateway over a list of endpoints, as kube-apiserver's etcd client uses
 * `--etcd-servers`: it sticks to the member that last answered and fails over to the others within one
 * request's time budget.
 */
export class EtcdGateway {
  /** The cluster ID in the last response header (a snapshot restore makes a new one). */
  lastClusterId: string | undefined;
  private preferred: string | undefined;

  private readonly agent: Agent | undefined;

  constructor(
    private readonly endpoints: () => string[],
    private readonly timeoutMs: number,
    tls?: EtcdTls,
  ) {
    this.agent = tls ? new Agent({ ca: tls.ca, cert: tls.cert, key: tls.key, keepAlive: true }) : undefined;
  }

  /** All ops in one transaction: atomic, one Raft round trip. Keys must be distinct (etcd refuses duplicates). */
  async txn(ops: GatewayOp[], timeoutMs = this.timeoutMs): Promise<number> {
    const success = ops.map((op) =>
      'put' in op
        ? { request_put: { key: b64(op.put), value: b64(op.value) } }
        : { request_delete_range: { key: b64(op.delete) } },
    );
    const r = await this.call('txn', { success }, timeoutMs);
    return Number(r.header?.revision ?? 0);
  }

  /** A range of keys, linearizable (etcd's default): answering proves a leader with quorum. */
  async range(
    key: string | Buffer,
    rangeEnd: Buffer | undefined,
    options: { limit?: number; revision?: number } = {},
    timeoutMs = this.timeoutMs,
  ): Promise<RangeResult> {
    const body: Record<string, unknown> = { key: b64(key) };
    if (rangeEnd) body['range_end'] = b64(rangeEnd);
    if (options.limit !== undefined) body['limit'] = options.limit;
    if (options.revision !== undefined) body['revision'] = options.revision;
    const r = await this.call('range', body, timeoutMs);
    return {
      revision: Number(r.header?.revision ?? 0),
      kvs: (r.kvs ?? []).map((kv) => ({
        key: unb64(kv.key),
        value: unb64(kv.value),
        modRevision: Number(kv.mod_revision ?? 0),
      })),
      more: r.more === true,
    };
  }

  async deleteRange(key: string, rangeEnd: Buffer | undefined, timeoutMs = this.timeoutMs): Promise<number> {
    const body: Record<string, unknown> = { key: b64(key) };
    if (rangeEnd) body['range_end'] = b64(rangeEnd);
    const r = await this.call('deleterange', body, timeoutMs);
    return Number(r.deleted ?? 0);
  }

  /**
   * Ask every endpoint at once for a linearizable read of `key`; the first to answer wins and becomes the
   * preferred endpoint. Undefined when one answered, else why none did.
   */
  async probe(key: string, timeoutMs = this.timeoutMs): Promise<string | undefined> {
    const endpoints = this.endpoints();
    if (endpoints.length === 0) return 'no etcd endpoints configured';
    const done = new AbortController();
    const timeout = lagTolerantTimeout(timeoutMs);
    const signal = AbortSignal.any([timeout.signal, done.signal]);
    try {
      const winner = await Promise.any(
        endpoints.map(async (ep) => {
          const r = await this.post(ep, 'range', { key: b64(key) }, signal);
          return { ep, r };
        }),
      );
      this.preferred = winner.ep;
      this.noteHeader(winner.r.header);
      return undefined;
    } catch (err) {
      const errors = err instanceof AggregateError ? err.errors : [err];
      return errors.map((e) => errorMessage(e)).join('; ');
    } finally {
      timeout.clear();
      done.abort();
    }
  }

  private async call(method: string, body: unknown, timeoutMs: number): Promise<RawResponse> {
    const endpoints = this.endpoints();
    if (endpoints.length === 0) throw new EtcdGatewayError('No etcd endpoints are configured.', 'unavailable');
    const start = this.preferred !== undefined ? Math.max(0, endpoints.indexOf(this.preferred)) : 0;
    const order = [...endpoints.slice(start), ...endpoints.slice(0, start)];
    const timeout = lagTolerantTimeout(timeoutMs);
    const signal = timeout.signal;
    const errors: string[] = [];
    try {
      for (const [i, ep] of order.entries()) {
        if (signal.aborted) break;
        try {
          const r = await this.post(ep, method, body, signal);
          this.preferred = ep;
          this.noteHeader(r.header);
          return r;
        } catch (err) {
          if (err instanceof EtcdGatewayError && err.failure === 'rejected') throw err;
          errors.push(errorMessage(err));
          // The next request starts with the next member: a hung one would otherwise eat every request's
          // budget, the first of the list included.
          if (this.preferred === ep || this.preferred === undefined) this.preferred = order[(i + 1) % order.length];
        }
      }
    } finally {
      timeout.clear();
    }
    const skipped = order.length - errors.length;
    throw new EtcdGatewayError(
      `etcd ${method} failed on every endpoint within ${timeoutMs} ms: ${errors.join('; ')}` +
        (skipped > 0 ? ` (${skipped} endpoint(s) not tried: out of time)` : ''),
      'unavailable',
    );
  }

  private async post(endpoint: string, method: string, body: unknown, signal: AbortSignal): Promise<RawResponse> {
    let text: string;
    let status: number;
    try {
      const url = `${endpoint}${GATEWAY_PATH}/${method}`;
      if (this.agent && url.startsWith('https:')) {
        ({ status, text } = await httpsPost(url, JSON.stringify(body), this.agent, signal));
      } else {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal,
        });
        status = res.status;
        text = await res.text();
      }
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: string; message?: string } };
      if (e.name === 'TimeoutError' || e.name === 'AbortError') {
        throw new EtcdGatewayError(`${endpoint}: no answer in time (context deadline exceeded)`, 'unavailable');
      }
      const why = e.cause?.code ?? e.cause?.message ?? errorMessage(err);
      throw new EtcdGatewayError(`${endpoint}: ${why}`, 'unavailable', { cause: err });
    }
    let json: RawResponse | undefined;
    try {
      json = JSON.parse(text) as RawResponse;
    } catch {
      json = undefined;
    }
    if (status === 200 && json && json.error === undefined) return json;
    const message = json?.message ?? json?.error ?? `HTTP ${status}: ${text.slice(0, 200)}`;
    const code = json?.code;
    const rejected = code !== undefined ? REJECTED_CODES.has(code) : status === 404 || status === 400;
    throw new EtcdGatewayError(`${endpoint}: ${message}`, rejected ? 'rejected' : 'unavailable');
  }

  private noteHeader(header: Header | undefined): void {
    if (header?.cluster_id) this.lastClusterId = header.cluster_id;
  }

  /** Let go of kept-alive TLS connections. */
  close(): void {
    this.agent?.destroy();
  }
}

/** fetch cannot present a client certificate: a POST through node's https with the gateway's agent. */
function httpsPost(
  url: string,
  body: string,
  agent: Agent,
  signal: AbortSignal,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        signal,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', (err) =>
      reject(signal.aborted ? Object.assign(new Error('timed out'), { name: 'TimeoutError' }) : err),
    );
    req.end(body);
  });
}

/** The end of etcd's range for every key under `prefix` (the prefix with its last byte plus one). */
export function prefixRangeEnd(prefix: string): Buffer {
  const bytes = Buffer.from(prefix, 'utf8');
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      const end = Buffer.from(bytes.subarray(0, i + 1));
      end[i] = bytes[i]! + 1;
      return end;
    }
  }
  // All 0xff: etcd reads range_end "\0" as "every key from `key` on".
  return Buffer.from([0]);
}
