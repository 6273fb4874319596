import { expect } from 'chai';
import { request } from 'node:http';
import { LiveServer, type PatchOp } from '../../src/warroom/server.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with exactly the headers given (fetch would not let a test set Host). */
function send(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers ?? {} }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

/** The first `count` patch events of the event stream, then the connection is dropped. */
function events(url: string, count: number): Promise<PatchOp[][]> {
  return new Promise((resolve, reject) => {
    const got: PatchOp[][] = [];
    const req = request(url, (res) => {
      let buf = '';
      res.on('data', (c: Buffer) => {
        buf += c.toString();
        let end: number;
        while ((end = buf.indexOf('\n\n')) !== -1) {
          const frame = buf.slice(0, end);
          buf = buf.slice(end + 2);
          const data = /^data: (.*)$/m.exec(frame)?.[1];
          if (frame.startsWith('event: patch') && data) got.push(JSON.parse(data) as PatchOp[]);
          if (got.length === count) {
            req.destroy();
            resolve(got);
            return;
          }
        }
      });
    });
    req.on('error', (err) => (got.length === count ? undefined : reject(err)));
    req.end();
  });
}

describe('war room: the HTTP server', () => {
  let server: LiveServer;
  const calls: Record<string, unknown>[] = [];

  beforeEach(async () => {
    calls.length = 0;
    server = await LiveServer.listen({
      listen: { host: '127.0.0.1', port: 0 },
      page: (nonce) => `<!DOCTYPE html><script nonce="${nonce}">1</script>`,
      snapshot: () => [{ op: 'html', id: 'head', html: '<b>hello</b>' }],
      actions: {
        step: (body) => {
          calls.push(body);
          return { status: 200, message: 'done' };
        },
      },
    });
  });

  afterEach(() => server.close());

  const base = (): string => `http://127.0.0.1:${server.port}`;
  const token = (): string => `?token=${server.token}`;
  const origin = (): string => `http://127.0.0.1:${server.port}`;

  it('prints a loopback URL with a long random token', () => {
    expect(server.url).to.equal(`${base()}/${token()}`);
    expect(server.token).to.match(/^[A-Za-z0-9_-]{32}$/);
  });

  it('serves nothing without the token, whatever the path', async () => {
    for (const path of ['/', '/events', '/api/step', '/nothing', `/?token=${server.token.slice(1)}`, '/?token=']) {
      const r = await send(base() + path, { method: path.startsWith('/api') ? 'POST' : 'GET' });
      expect(r.status, path).to.equal(403);
      expect(r.body, path).to.contain('token');
    }
    expect(calls).to.deep.equal([]);
  });

  it('serves the page with the token, under a CSP that allows only its own nonce’d script and this server', async () => {
    const r = await send(base() + '/' + token());
    expect(r.status).to.equal(200);
    const csp = String(r.headers['content-security-policy']);
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).to.be.a('string');
    expect(r.body).to.contain(`<script nonce="${nonce}">`);
    expect(csp)
      .to.contain("default-src 'none'")
      .and.contain("connect-src 'self'")
      .and.contain("frame-ancestors 'none'");
    expect(r.headers['referrer-policy']).to.equal('no-referrer');
    expect(r.headers['cache-control']).to.equal('no-store');
    // A fresh nonce every time: a nonce seen once is no key to the next page.
    const again = await send(base() + '/' + token());
    expect(String(again.headers['content-security-policy'])).not.to.equal(csp);
  });

  it('refuses a Host that is not its own address (DNS rebinding), even with the token', async () => {
    const r = await send(base() + '/' + token(), { headers: { host: `attacker.example:${server.port}` } });
    expect(r.status).to.equal(403);
    expect(r.body).to.contain('Host');
    const ok = await send(`http://localhost:${server.port}/${token()}`, {
      headers: { host: `localhost:${server.port}` },
    });
    expect(ok.status).to.equal(200);
  });

  it('refuses requests from another origin, even with the token', async () => {
    const r = await send(base() + '/events' + token(), { headers: { origin: 'http://attacker.example' } });
    expect(r.status).to.equal(403);
    const cross = await send(base() + '/' + token(), { headers: { 'sec-fetch-site': 'cross-site' } });
    expect(cross.status).to.equal(403);
  });

  it('acts only on a JSON POST with the token from its own origin', async () => {
    const post = (headers: Record<string, string>, path = '/api/step' + token()) =>
      send(base() + path, { method: 'POST', headers, body: '{"index":2}' });
    expect((await post({ 'content-type': 'application/json' })).status, 'no Origin').to.equal(403);
    // Another program (the node shell) has no Origin: the token must come in a header no web page can set.
    expect(
      (await post({ 'content-type': 'application/json', 'x-gameday-token': 'wrong' }, '/api/step')).status,
    ).to.equal(403);
    expect((await post({ origin: origin(), 'content-type': 'text/plain' })).status, 'a form').to.equal(415);
    expect((await post({ origin: origin(), 'content-type': 'application/json' }, '/api/step')).status).to.equal(403);
    expect(
      (await post({ origin: origin(), 'content-type': 'application/json' }, '/api/reboot' + token())).status,
    ).to.equal(404);
    expect((await send(base() + '/api/step' + token(), { headers: { origin: origin() } })).status, 'GET').to.equal(405);
    expect(calls).to.deep.equal([]);
    const r = await post({ origin: origin(), 'content-type': 'application/json' });
    expect(r.status).to.equal(200);
    expect(JSON.parse(r.body)).to.deep.equal({ message: 'done' });
    expect(calls).to.deep.equal([{ index: 2 }]);
    const program = await post({ 'content-type': 'application/json', 'x-gameday-token': server.token }, '/api/step');
    expect(program.status).to.equal(200);
    expect(calls).to.have.length(2);
  });

  it('refuses a body that is not a JSON object', async () => {
    for (const body of ['[1]', 'nope', 'x'.repeat(20_000)]) {
      const r = await send(base() + '/api/step' + token(), {
        method: 'POST',
        headers: { origin: origin(), 'content-type': 'application/json' },
        body,
      });
      expect(r.status).to.equal(400);
    }
    expect(calls).to.deep.equal([]);
  });

  it('sends each new page the snapshot, then the patches as they come', async () => {
    const stream = events(base() + '/events' + token(), 2);
    await new Promise((r) => setTimeout(r, 50));
    server.send([{ op: 'html', id: 'head', html: '<b>later</b>' }]);
    const [first, second] = await stream;
    expect(first).to.deep.equal([{ op: 'html', id: 'head', html: '<b>hello</b>' }]);
    expect(second).to.deep.equal([{ op: 'html', id: 'head', html: '<b>later</b>' }]);
  });
});
