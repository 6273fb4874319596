import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpAnswer {
  status: number;
  body: string;
}

/** One HTTP request with a deadline; the answer's body as text. Throws on a network error or the deadline. */
export function httpCall(
  url: string,
  o: { method: string; token?: string; ca?: string; body?: unknown; contentType?: string; timeoutMs?: number },
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const payload = o.body === undefined ? undefined : Buffer.from(JSON.stringify(o.body));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (o.token) headers['authorization'] = `Bearer ${o.token}`;
    if (payload) {
      headers['content-type'] = o.contentType ?? 'application/json';
      headers['content-length'] = String(payload.length);
    }
    const req = (u.protocol === 'https:' ? httpsRequest : httpRequest)(
      u,
      // With a CA the server's certificate is checked against it, as the kubelet checks the apiserver's.
      { method: o.method, headers, timeout: o.timeoutMs ?? 5000, ...(o.ca ? { ca: o.ca } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer from ${u.host} within ${o.timeoutMs ?? 5000} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}
