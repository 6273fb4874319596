import { isIP } from 'node:net';
import { InvalidInputError } from '../errors.js';

/** Where the war room listens: an IP literal (or localhost) and a port, 0 for a free one. */
export interface ListenAddress {
  host: string;
  port: number;
}

export const DEFAULT_LISTEN: ListenAddress = { host: '127.0.0.1', port: 0 };

/**
 * `--serve [ADDR:PORT]` as a person writes it: nothing (127.0.0.1, a free port), `8080` or `:8080` (a port on
 * 127.0.0.1), `0.0.0.0:8080` or `[::]:8080` (every interface, for phones on the room's network),
 * `localhost`. Host names other than localhost are refused: the page checks the Host header of every request
 * against the address it listens on, and a name that resolves elsewhere would defeat that.
 */
export function parseListenAddress(text: string, option = '--serve'): ListenAddress {
  const s = text.trim();
  if (s === '') return { ...DEFAULT_LISTEN };
  const bad = (why: string): InvalidInputError =>
    new InvalidInputError(
      `${option}: expected ADDR:PORT (for example 127.0.0.1:8080, 0.0.0.0:8080, [::1]:8080 or :8080) or nothing, ` +
        `got ${JSON.stringify(text)}: ${why}. To serve on the default address, put ${option} after the other ` +
        `arguments or write ${option}=.`,
    );
  let host: string;
  let portText: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d*))?$/.exec(s);
  if (v6) {
    host = v6[1]!;
    portText = v6[2];
  } else if (/^\d+$/.test(s)) {
    host = DEFAULT_LISTEN.host;
    portText = s;
  } else {
    const colon = s.lastIndexOf(':');
    if (colon !== -1 && s.indexOf(':') !== colon) throw bad('write an IPv6 address in brackets, [::1]:8080');
    host = colon === -1 ? s : s.slice(0, colon) || DEFAULT_LISTEN.host;
    portText = colon === -1 ? undefined : s.slice(colon + 1);
  }
  if (host !== 'localhost' && isIP(host) === 0) throw bad(`"${host}" is not an IP address`);
  let port = 0;
  if (portText !== undefined && portText !== '') {
    if (!/^\d+$/.test(portText)) throw bad(`"${portText}" is not a port number`);
    port = Number(portText);
    if (port > 65_535) throw bad(`port ${port} is above 65535`);
  }
  return { host, port };
}

/** Every interface: the printed URL then names the loopback address, and the page accepts the host's own. */
export function isWildcard(host: string): boolean {
  return host === '0.0.0.0' || host === '::';
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** host:port as it appears in a URL and a Host header. */
export function hostPort(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}
