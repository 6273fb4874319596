import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { InfrastructureError } from '../errors.js';

/** How to reach a ground's simulated API: its URL (https), the bearer token, the CA its certificate is from. */
export interface GroundApi {
  url: string;
  token: string;
  ca: string;
}

/** The CA file `serve` writes into the state directory (the simulator's serving certificate). */
export function caFile(dir: string): string {
  return join(dir, 'api-ca.crt');
}

export function groundApi(dir: string, url: string, token: string): GroundApi {
  return { url, token, ca: readFileSync(caFile(dir), 'utf8') };
}

/**
 * GET a path of the API and parse it (fetch cannot be told which CA to trust). A connection of its own
 * (agent: false): Node's global agent keeps sockets alive, and one the server closes after its 5 s
 * keep-alive just as a request reuses it ends in "socket hang up".
 */
export function apiGet<T>(api: GroundApi, path: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request(
      api.url.replace(/\/+$/, '') + path,
      {
        method: 'GET',
        agent: false,
        ca: api.ca,
        headers: { authorization: `Bearer ${api.token}`, accept: 'application/json' },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 0) >= 300) {
            reject(new InfrastructureError(`GET ${path}: HTTP ${res.statusCode ?? 0}: ${text.slice(0, 200)}`));
            return;
          }
          try {
            resolve(JSON.parse(text) as T);
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within ${timeoutMs} ms`)));
    req.on('error', (err) =>
      reject(
        err instanceof InfrastructureError ? err : new InfrastructureError(`GET ${api.url}${path}: ${err.message}`),
      ),
    );
    req.end();
  });
}
