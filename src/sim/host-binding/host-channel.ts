import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';

const MAX_BODY = 256 * 1024;

/**
 * The host channel: where real hosts' kubelet agents tell the simulator what runs on them
 * (`POST /hosts/<node>`, a bearer token). It is not the Kubernetes API and does not go down with it: a
 * host whose kube-apiserver manifest comes back must be able to say so while no apiserver serves.
 */
export class HostChannel {
  private server: Server | undefined;
  url = '';

  constructor(
    private readonly token: string,
    private readonly onReport: (node: string, body: unknown) => { status: number; error?: string },
  ) {}

  async start(host: string, port = 0): Promise<string> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    const addr = server.address();
    this.url = `http://${host}:${typeof addr === 'object' && addr ? addr.port : port}`;
    return this.url;
  }

  private authorized(req: IncomingMessage): boolean {
    const got = Buffer.from(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
    const want = Buffer.from(this.token);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!this.authorized(req)) return send(401, { error: 'a valid bearer token is required' });
    const m = /^\/hosts\/([A-Za-z0-9.-]+)$/.exec(new URL(req.url ?? '/', 'http://channel').pathname);
    if (!m || req.method !== 'POST') return send(404, { error: `no ${req.method ?? ''} ${req.url ?? ''} here` });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > MAX_BODY) return send(413, { error: 'report too large' });
      chunks.push(c as Buffer);
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(400, { error: 'expected a JSON report' });
    }
    const r = this.onReport(m[1]!, body);
    return send(r.status, r.error ? { error: r.error } : { ok: true });
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) {
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    }
  }
}
