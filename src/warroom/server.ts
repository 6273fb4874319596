import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { InfrastructureError } from '../errors.js';
import { hostPort, isLoopback, isWildcard, type ListenAddress } from './listen-address.js';

/** One change to the page: a fragment's new markup, the drill clock to tick from, or the end of the feed. */
export type PatchOp =
  | { op: 'html'; id: string; html: string }
  | { op: 'clock'; now: number; speed: number; running: boolean }
  | { op: 'end' };

/** What a button on the page asked for, answered in words for the person who pressed it. */
export interface ActionAnswer {
  status: number;
  message: string;
}

export type ActionHandler = (body: Record<string, unknown>) => ActionAnswer | Promise<ActionAnswer>;

export interface LiveServerOptions {
  listen: ListenAddress;
  /** The whole page; `nonce` is the one its inline script carries (a fresh one per response). */
  page: (nonce: string) => string;
  /** Everything a browser that connects now must be sent to catch up. */
  snapshot: () => PatchOp[];
  /** The only things a request can change, by name: POST /api/<name>. */
  actions: Record<string, ActionHandler>;
}

const MAX_BODY = 16 * 1024;
const HEARTBEAT_MS = 15_000;

/**
 * The war room's HTTP side: the page, its server-sent events and its few actions, on node:http alone.
 * Nothing is served without the random token the URL carries (compared in constant time), whatever the
 * path; a request whose Host is not this server's own address is refused (DNS rebinding), and so is one
 * from another origin (a page elsewhere posting to it). Actions take JSON only, so no HTML form can send
 * one. Responses forbid framing, caching, sniffing and referrers, so the token does not leak from the page.
 */
export class LiveServer {
  readonly token = randomBytes(24).toString('base64url');
  private readonly clients = new Set<ServerResponse>();
  private readonly heartbeat: NodeJS.Timeout;
  private ended = false;

  private constructor(
    private readonly server: Server,
    private readonly o: LiveServerOptions,
    readonly port: number,
    private readonly allowedHosts: ReadonlySet<string>,
  ) {
    this.heartbeat = setInterval(() => {
      for (const c of this.clients) c.write(': ping\n\n');
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  static async listen(o: LiveServerOptions): Promise<LiveServer> {
    // The server answers from its first request on; the object that handles them exists once it listens.
    const ref: { self?: LiveServer } = {};
    const server = createServer((req, res) => {
      if (ref.self) void ref.self.handle(req, res);
      else res.writeHead(503).end();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(
          new InfrastructureError(
            `Cannot serve the war room on ${hostPort(o.listen.host, o.listen.port)}: ${err.code ?? err.message}` +
              (err.code === 'EADDRINUSE'
                ? ' (the port is taken: choose another, or leave it out for a free one).'
                : '.'),
            { cause: err },
          ),
        ),
      );
      server.listen(o.listen.port, o.listen.host, () => resolve());
    });
    const port = (server.address() as AddressInfo).port;
    ref.self = new LiveServer(server, o, port, allowedHostsFor(o.listen.host, port));
    return ref.self;
  }

  /** The URLs to open, token included: the loopback one first, then this host's others when serving them all. */
  urls(): string[] {
    const host = this.o.listen.host;
    const hosts = isWildcard(host) ? ['127.0.0.1', ...externalAddresses()] : [host];
    return hosts.map((h) => `http://${hostPort(h, this.port)}/?token=${this.token}`);
  }

  get url(): string {
    return this.urls()[0]!;
  }

  /** Send changes to every open page. */
  send(ops: PatchOp[]): void {
    if (ops.length === 0) return;
    const frame = `event: patch\ndata: ${JSON.stringify(ops)}\n\n`;
    for (const c of this.clients) c.write(frame);
    if (ops.some((o) => o.op === 'end')) this.ended = true;
  }

  /** Ends every event stream once what was sent has gone out (the last patch must reach the pages), then stops. */
  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    const ending = [...this.clients].map((c) => new Promise<void>((done) => c.end(done)));
    this.clients.clear();
    await Promise.race([Promise.all(ending), new Promise((done) => setTimeout(done, 1000).unref())]);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refuse = (status: number, text: string): void => {
      res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8' });
      res.end(`gameday war room: ${text}\n`);
    };
    const host = (req.headers.host ?? '').toLowerCase();
    if (!this.allowedHosts.has(host)) return refuse(403, `refused: Host "${host}" is not this server's address.`);
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${host}`)
      return refuse(403, 'refused: a request from another origin.');
    if (req.headers['sec-fetch-site'] === 'cross-site') return refuse(403, 'refused: a cross-site request.');
    const url = new URL(req.url ?? '/', `http://${host}`);
    const headerToken = sameToken(header(req, 'x-gameday-token') ?? '', this.token);
    if (!headerToken && !sameToken(url.searchParams.get('token') ?? '', this.token))
      return refuse(403, 'refused: open the URL gameday printed, with its token (…/?token=…).');

    if (req.method === 'GET' && url.pathname === '/') return this.sendPage(res);
    if (req.method === 'GET' && url.pathname === '/events') return this.openEvents(req, res);
    const action = /^\/api\/([a-z-]+)$/.exec(url.pathname)?.[1];
    if (action !== undefined) {
      if (req.method !== 'POST') return refuse(405, 'actions are POST requests.');
      // A browser always says where a POST comes from. One without an Origin is another program (the node
      // shell): it must carry the token in a header, which no web page can set on a request it sends here.
      if (origin === undefined && !headerToken)
        return refuse(403, 'refused: an action without an Origin must carry the token in X-Gameday-Token.');
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
        return refuse(415, 'actions take a JSON body.');
      const handler = Object.hasOwn(this.o.actions, action) ? this.o.actions[action] : undefined;
      if (!handler) return refuse(404, `no action "${action}".`);
      const body = await readJson(req);
      if (body === undefined) return refuse(400, 'expected a JSON object of at most 16 KiB.');
      let answer: ActionAnswer;
      try {
        answer = await handler(body);
      } catch (err) {
        answer = { status: 500, message: err instanceof Error ? err.message : String(err) };
      }
      res.writeHead(answer.status, { ...SECURITY_HEADERS, 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: answer.message }));
      return;
    }
    return refuse(404, `nothing at ${url.pathname}.`);
  }

  private sendPage(res: ServerResponse): void {
    const nonce = randomBytes(16).toString('base64');
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': pageCsp(nonce),
    });
    res.end(this.o.page(nonce));
  }

  private openEvents(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    res.write(`event: patch\ndata: ${JSON.stringify(this.o.snapshot())}\n\n`);
    if (this.ended) {
      res.end();
      return;
    }
    this.clients.add(res);
    req.on('close', () => this.clients.delete(res));
  }
}

const SECURITY_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** The page runs its own nonce'd script and talks only to this server; nothing is loaded from elsewhere. */
export function pageCsp(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    "style-src 'unsafe-inline'",
    'img-src data:',
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  try {
    const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** This host's addresses other than loopback, for the URLs a phone on the same network opens. */
function externalAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((i) => i !== undefined && !i.internal && (i.family === 'IPv4' || !i.address.startsWith('fe80')))
    .map((i) => i!.address);
}

/** The Host headers this server answers to: its own address, and loopback's names when it listens there. */
function allowedHostsFor(host: string, port: number): Set<string> {
  const hosts = new Set<string>([hostPort(host, port)]);
  if (isLoopback(host) || isWildcard(host)) {
    for (const h of ['127.0.0.1', 'localhost', '::1']) hosts.add(hostPort(h, port));
  }
  if (isWildcard(host)) for (const a of externalAddresses()) hosts.add(hostPort(a, port));
  return new Set([...hosts].map((h) => h.toLowerCase()));
}
