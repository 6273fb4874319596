import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Socket } from 'node:net';
import type { Clock } from '../../engine/clock.js';
import type { WatchTracker } from '../../engine/watch-tracker.js';
import { KUBERNETES_VERSION } from '../kubernetes-version.js';
import type { Store } from '../store/store.js';
import type { ApiContext, ApiHooks } from './context.js';
import { finishNamespace } from './deletion.js';
import { apiGroup, apiGroupList, apiResourceList, apiVersions, versionInfo } from './discovery.js';
import { ETCD_CHECK_TIMEOUT, health, isHealthPath } from './health.js';
import { parkUntil } from './park.js';
import { sendError, sendJson, sendRaw } from './http.js';
import { handleResource, type RequestScope } from './handlers.js';
import { ApiMetrics } from './metrics-endpoint.js';
import { handleExtraApi } from './extra-apis.js';
import { openApi, openApiV2Protobuf } from './openapi.js';

/** How kubectl asks for /openapi/v2 (client-go's discovery OpenAPISchema). */
const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
import { route } from './routes.js';
import { ApiError, toApiError } from './status.js';
import type { ServingCertificate } from './certificate.js';
import { allowedHosts, checkToken, newToken, refusal, type AccessPolicy } from './access.js';
import type { WatchStream } from './watch.js';
import { WatchEncoder } from './watch-encoding.js';
import { WatchFanout } from './watch-fanout.js';
import { Bookmarks } from './bookmarks.js';

export type { ApiHooks } from './context.js';

export interface ApiServerOptions {
  store: Store;
  clock: Clock;
  cluster: string;
  hooks?: ApiHooks;
  port?: number;
  host?: string;
  tracker?: WatchTracker;
  /** What /version reports (default KUBERNETES_VERSION, the release the simulator behaves as). */
  gitVersion?: string;
  /** The bearer token clients must send; default: a fresh random one (see `token`). */
  token?: string;
  /** More Host names to answer to besides loopback and the bound address (a name containers use for the host). */
  allowedHosts?: readonly string[];
  /** Serve HTTPS with this certificate (kubectl sends a token only over TLS); default plain HTTP. */
  tls?: ServingCertificate;
}

/**
 * One simulated cluster's Store served as the Kubernetes REST API over plain HTTP on loopback, so that
 * @kubernetes/client-node and the real kubectl work against it as against a cluster.
 *
 * Every request holds the clock while in flight: on the virtual clock, time does not jump while an answer
 * is on its way. Watch streams release their hold once their initial events are written; the events that
 * follow are counted on the WatchTracker when the watch is tagged.
 */
export class SimApiServer {
  requestCount = 0;
  private server: Server | undefined;
  /** Listeners on other addresses (listenAlso): the same API, for clients that cannot reach loopback. */
  private readonly extra: Server[] = [];
  private address = '';
  private readonly sockets = new Set<Socket>();
  private readonly watches = new Set<WatchStream>();
  private readonly ctx: ApiContext;
  private unsubscribe: (() => void) | undefined;
  private ipSeq = 0;
  private policy: AccessPolicy | undefined;
  /** What clients send as `Authorization: Bearer <token>`; every request without it is answered 401. */
  readonly token: string;
  private readonly metrics = new ApiMetrics();

  constructor(private readonly opts: ApiServerOptions) {
    this.token = checkToken(opts.token ?? newToken());
    const encoder = new WatchEncoder();
    const fanout = new WatchFanout(opts.store, encoder);
    this.ctx = {
      encoder,
      fanout,
      bookmarks: new Bookmarks(opts.clock, () => fanout.flushAll()),
      store: opts.store,
      clock: opts.clock,
      cluster: opts.cluster,
      hooks: opts.hooks ?? {},
      tracker: opts.tracker,
      gitVersion: opts.gitVersion ?? KUBERNETES_VERSION,
      nextClusterIp: () => {
        const n = ++this.ipSeq;
        return `10.96.${Math.floor(n / 254) % 256}.${(n % 254) + 1}`;
      },
    };
  }

  get url(): string {
    return this.address;
  }

  private createHttpServer(): Server {
    const handler = (req: IncomingMessage, res: ServerResponse): void => this.handle(req, res);
    const tls = this.opts.tls;
    const server: Server = tls ? createTlsServer({ cert: tls.cert, key: tls.key }, handler) : createServer(handler);
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    // Clients keep connections alive between requests; never let an idle one time out a watch.
    server.keepAliveTimeout = 60_000;
    server.requestTimeout = 0;
    server.headersTimeout = 60_000;
    return server;
  }

  async start(): Promise<{ url: string }> {
    if (this.server) return { url: this.address };
    const server = this.createHttpServer();
    const host = this.opts.host ?? '127.0.0.1';
    await listen(server, this.opts.port ?? 0, host);
    this.server = server;
    const addr = server.address();
    const port = typeof addr === 'object' && addr ? addr.port : (this.opts.port ?? 0);
    const scheme = this.opts.tls ? 'https' : 'http';
    this.address = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;
    this.policy = {
      token: this.token,
      hosts: allowedHosts(host, port, this.opts.allowedHosts),
      url: this.address.replace(/\/\/(0\.0\.0\.0|\[::\]):/, '//127.0.0.1:'),
      scheme,
    };
    // A Terminating namespace goes away with its last pod, as the namespace controller finishes it.
    this.unsubscribe = this.opts.store.onChange((e) => {
      if (e.resource !== 'pods' || e.type !== 'DELETED' || !e.object.metadata.namespace) return;
      const ns = this.opts.store.get('namespaces', undefined, e.object.metadata.namespace);
      if (ns?.metadata.deletionTimestamp) {
        const name = ns.metadata.name;
        // Not from inside the store's own emit: the removal is a write of its own.
        queueMicrotask(() => {
          try {
            finishNamespace(this.ctx, name);
          } catch {
            // etcd unavailable: the namespace stays Terminating, as it would.
          }
        });
      }
    });
    return { url: this.address };
  }

  /**
   * Serve the same API on another address too (the proving ground's bridge gateway, where its hosts'
   * kubelet agents reach it), on the same port, so that the Host the clients send is one the access policy
   * allows (give the address in `allowedHosts`; with TLS the certificate names it too). Returns its URL.
   */
  async listenAlso(host: string): Promise<string> {
    if (!this.server) throw new Error('start the apiserver before listening on another address');
    const url = new URL(this.address);
    const server = this.createHttpServer();
    await listen(server, Number(url.port), host);
    this.extra.push(server);
    return `${url.protocol}//${host.includes(':') ? `[${host}]` : host}:${url.port}`;
  }

  /** Open watches, the fan-out groups feeding them, and how many objects were serialized for them. */
  watchStats(): { watches: number; fanoutGroups: number; serialized: number } {
    return { watches: this.watches.size, fanoutGroups: this.ctx.fanout.size, serialized: this.ctx.encoder.serialized };
  }

  /** Break every open watch, as clients see when the apiserver they talk to goes away. */
  closeWatches(): void {
    for (const w of [...this.watches]) w.end();
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    const server = this.server;
    this.server = undefined;
    this.closeWatches();
    this.ctx.bookmarks.close();
    this.ctx.encoder.clear();
    if (!server) return;
    const servers = [server, ...this.extra.splice(0)];
    const closed = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await closed;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    this.requestCount++;
    // The control endpoint stands for the hosts (ssh, IPMI), not for kube-apiserver: it answers whether or
    // not an apiserver is up, or a drill that powered off every master could never be reverted.
    const control = this.ctx.hooks.control !== undefined && (req.url ?? '').startsWith('/gameday/');
    if (!control && this.ctx.hooks.serving && !this.ctx.hooks.serving()) {
      // No apiserver is up: the client sees its connection reset.
      req.socket.destroy();
      return;
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://apiserver');
    } catch {
      sendError(res, new ApiError(400, 'BadRequest', 'the request path is not a valid URL path'));
      return;
    }
    // Refused before the clock is held or anything is read: a refusal changes nothing.
    const refused = this.policy
      ? refusal(req, this.policy, url.pathname)
      : new ApiError(503, 'ServiceUnavailable', 'starting');
    if (refused) {
      sendError(res, refused);
      return;
    }
    const label = `api ${req.method ?? 'GET'} ${url.pathname}`;
    let releaseHold: (() => void) | undefined = this.ctx.clock.hold(label);
    const release = (): void => {
      releaseHold?.();
      releaseHold = undefined;
    };
    const hold = (): void => {
      if (releaseHold || res.writableEnded || res.destroyed) return;
      releaseHold = this.ctx.clock.hold(label);
    };
    res.on('finish', release);
    res.on('close', release);
    res.on('finish', () =>
      this.metrics.record(
        req.method ?? 'GET',
        route(url.pathname.replace(/\/+$/, '') || '/'),
        url.searchParams,
        res.statusCode,
      ),
    );
    const scope: RequestScope = {
      ctx: this.ctx,
      req,
      res,
      query: url.searchParams,
      release,
      hold,
      addWatch: (w) => this.watches.add(w),
      removeWatch: (w) => this.watches.delete(w),
    };
    this.dispatch(scope, url).catch((err: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendError(res, toApiError(err));
    });
  }

  private async dispatch(s: RequestScope, url: URL): Promise<void> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = s.req.method ?? 'GET';
    if (path.startsWith('/gameday/') && this.ctx.hooks.control) {
      await this.ctx.hooks.control(s.req, s.res, path);
      return;
    }
    if (path === '/metrics' && method === 'GET') {
      sendRaw(
        s.res,
        200,
        this.metrics.render(this.ctx.store, this.watches.size),
        'text/plain; version=0.0.4; charset=utf-8',
      );
      return;
    }
    if (isHealthPath(path)) {
      const failingNow = (): string[] => this.ctx.hooks.health?.().failing ?? [];
      let failing = failingNow();
      if (failing.includes('etcd') && !/^\/(healthz|livez|readyz)\/(?!etcd)/.test(path)) {
        // kube-apiserver's etcd check reads from etcd with a 2 s timeout: without quorum the answer takes
        // that long, and fails unless quorum came back meanwhile.
        await parkUntil(s, () => (failingNow().includes('etcd') ? undefined : true), ETCD_CHECK_TIMEOUT);
        failing = failingNow();
      }
      const { code, body } = health(path, url.searchParams.has('verbose'), failing);
      sendRaw(s.res, code, body, 'text/plain; charset=utf-8');
      return;
    }
    if (path.startsWith('/openapi/')) {
      if (path === '/openapi/v2' && (s.req.headers.accept ?? '').includes(OPENAPI_V2_PROTOBUF)) {
        const body = openApiV2Protobuf();
        // The answer's type is spelled without the `@` (which Go's mime parser refuses), as kube-openapi does.
        s.res.writeHead(200, {
          'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
          'Content-Length': body.length,
        });
        s.res.end(body);
        return;
      }
      const doc = openApi(path, url.searchParams);
      if (doc === undefined) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      sendJson(s.res, 200, doc);
      return;
    }
    if (method === 'GET') {
      switch (path) {
        case '/version':
          sendJson(s.res, 200, versionInfo(this.ctx.gitVersion));
          return;
        case '/api':
          sendJson(s.res, 200, apiVersions(this.address.replace(/^https?:\/\//, '')));
          return;
        case '/apis':
          sendJson(s.res, 200, apiGroupList());
          return;
        default:
          break;
      }
      const g = /^\/apis\/([^/]+)$/.exec(path);
      if (g) {
        const group = apiGroup(g[1]!);
        if (group === undefined)
          throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
        sendJson(s.res, 200, group);
        return;
      }
    }
    if (await handleExtraApi(s, path)) return;
    const r = route(path);
    if (r.kind === 'groupVersion' && method === 'GET') {
      sendJson(s.res, 200, apiResourceList(r.group, r.version));
      return;
    }
    if (r.kind === 'resource') {
      await handleResource(s, r.req);
      return;
    }
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
