import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { networkInterfaces } from 'node:os';
import { ApiError } from './status.js';

/**
 * Who may talk to a served simulator. It listens on loopback, but loopback is shared by every local program
 * and by every web page the user's browser shows: a page can send a POST with a text/plain body to
 * http://127.0.0.1:PORT without asking anyone (a "simple" cross-origin request), and a rebound DNS name can
 * make the browser send anything. So every request must carry the bearer token of this start of the
 * simulator, come to an address the simulator serves (Host), not come from a web page of another origin
 * (Origin), and carry its body in a media type kube-apiserver decodes, which no page can send without a
 * CORS preflight that the simulator never grants.
 */
export interface AccessPolicy {
  /** The bearer token every request must carry. */
  readonly token: string;
  /** Host header values the simulator answers to (lower case, with the port). */
  readonly hosts: ReadonlySet<string>;
  /** The URL clients are told to use. */
  readonly url: string;
  readonly scheme: 'http' | 'https';
}

/** A fresh token for one start of the simulator: 256 random bits, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A token travels in an HTTP header and a kubeconfig: printable ASCII without spaces, and too long to guess. */
export function checkToken(token: string): string {
  if (!/^[\x21-\x7e]{16,4096}$/.test(token))
    throw new Error('the simulator token must be 16 to 4096 printable ASCII characters without spaces');
  return token;
}

/** Media types of request bodies kube-apiserver decodes, and which client-node and kubectl send. */
export const API_MEDIA_TYPES: readonly string[] = [
  'application/json',
  'application/yaml',
  'application/vnd.kubernetes.protobuf',
  'application/merge-patch+json',
  'application/json-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];

/** gameday's own endpoints (/gameday/...) take JSON only. */
export const CONTROL_MEDIA_TYPES: readonly string[] = ['application/json'];

const WILDCARD = new Set(['0.0.0.0', '::', '']);

/**
 * The names a server bound to `bound` answers to, without ports: loopback, the bound address (every
 * interface's when bound to all), and the names the caller adds. Also the names its certificate is for.
 */
export function servedNames(bound: string | undefined, extra: readonly string[] = []): string[] {
  const names = new Set<string>(['127.0.0.1', 'localhost', '::1']);
  if (bound === undefined || !WILDCARD.has(bound)) {
    if (bound !== undefined) names.add(bound.replace(/^\[|\]$/g, ''));
  } else {
    for (const list of Object.values(networkInterfaces()))
      for (const a of list ?? []) names.add(a.address.replace(/%.*$/, ''));
  }
  for (const e of extra) names.add(e.replace(/^\[|\]$/g, ''));
  return [...names];
}

function hostPart(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

/**
 * Host header values for a server bound to `bound`:`port`: the loopback names, the bound address, every
 * interface's address when bound to all of them, and names the caller adds (a name containers use to reach
 * the host). Port 80 may be left out of a Host header, so it is allowed without the port too (443 likewise).
 */
export function allowedHosts(bound: string, port: number, extra: readonly string[] = []): Set<string> {
  const names = servedNames(bound, extra).map(hostPart);
  const out = new Set<string>();
  for (const n of names) {
    const name = n.toLowerCase();
    out.add(`${name}:${port}`);
    if (port === 80 || port === 443) out.add(name);
  }
  return out;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Constant-time: how much of a guess matches must not show in how long the answer takes. */
function sameToken(given: string, token: string): boolean {
  return timingSafeEqual(digest(given), digest(token));
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

/** Whether the request carries a body: writes always may, a DELETE may (its DeleteOptions). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH']);

/**
 * kubectl exec, attach and port-forward open their stream with a POST that has no body (SPDY): with
 * nothing to decode there is no media type to check, and the connect handler answers them.
 */
const CONNECT_PATH =
  /^\/api\/v1\/(namespaces\/[^/]+\/)?(pods|services|nodes)\/[^/]+\/(exec|attach|portforward|proxy)(\/|$)/;

function quoted(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
}

/**
 * Why the request is refused, as the Status kube-apiserver would answer, or undefined to serve it. Checked
 * before anything is read or changed.
 */
export function refusal(req: IncomingMessage, policy: AccessPolicy, path: string): ApiError | undefined {
  const host = (req.headers.host ?? '').toLowerCase();
  if (!policy.hosts.has(host)) {
    return new ApiError(
      403,
      'Forbidden',
      `forbidden: Host ${quoted(req.headers.host ?? '')} is not an address this simulator serves; use ${policy.url}`,
    );
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !sameOrigin(origin, policy)) {
    return new ApiError(
      403,
      'Forbidden',
      `forbidden: requests from web pages of another origin (Origin ${quoted(origin)}) are refused; the simulator serves local clients only`,
    );
  }
  const auth = req.headers.authorization ?? '';
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(auth)?.[1];
  if (bearer === undefined || !sameToken(bearer, policy.token)) {
    return new ApiError(401, 'Unauthorized', 'Unauthorized');
  }
  const method = req.method ?? 'GET';
  const bodilessConnect = !hasBody(req) && CONNECT_PATH.test(path);
  if ((WRITES.has(method) && !bodilessConnect) || (method === 'DELETE' && hasBody(req))) {
    const accepted = path.startsWith('/gameday/') ? CONTROL_MEDIA_TYPES : API_MEDIA_TYPES;
    if (!accepted.includes(mediaType(req.headers['content-type']))) {
      return new ApiError(
        415,
        'UnsupportedMediaType',
        `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
      );
    }
  }
  return undefined;
}

function sameOrigin(origin: string, policy: AccessPolicy): boolean {
  try {
    const u = new URL(origin);
    const host = u.host.toLowerCase();
    // The URL parser drops a scheme's default port; the Host list keeps it unless it is 80.
    const withPort = u.port === '' ? `${host}:${policy.scheme === 'https' ? 443 : 80}` : host;
    return u.protocol === `${policy.scheme}:` && (policy.hosts.has(host) || policy.hosts.has(withPort));
  } catch {
    // "null" (a sandboxed page, a file:// page) and anything unparsable are not this server.
    return false;
  }
}
