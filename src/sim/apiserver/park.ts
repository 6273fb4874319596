import { REQUEST_HEADER } from '../../engine/watch-tracker.js';
import type { RequestScope } from './handlers.js';
import { ApiError } from './status.js';

/** How often a parked request looks again (clock time): etcd's client retries about as often. */
const POLL = 250;

/**
 * Wait, as kube-apiserver's handler waits on etcd, for `check` to give a value, at most `timeoutMs` of clock
 * time. The wait is a clock wait: the request stops holding the (virtual) clock, and so does the in-process
 * client that sent it (REQUEST_HEADER), so time moves on to the answer instead of standing still; both holds
 * are back before the answer is written. Undefined when the time ran out or the client went away.
 */
export async function parkUntil<T>(
  s: RequestScope,
  check: () => T | undefined,
  timeoutMs: number,
): Promise<T | undefined> {
  const first = check();
  if (first !== undefined) return first;
  const clock = s.ctx.clock;
  const header = s.req.headers[REQUEST_HEADER];
  const id = Array.isArray(header) ? header[0] : header;
  s.release();
  const resumeClient = id ? s.ctx.tracker?.park(id) : undefined;
  try {
    const deadline = clock.now() + timeoutMs;
    for (;;) {
      const left = deadline - clock.now();
      if (left <= 0 || s.res.destroyed) return undefined;
      await clock.sleep(Math.min(POLL, left));
      const v = check();
      if (v !== undefined) return v;
    }
  } finally {
    resumeClient?.();
    s.hold();
  }
}

/** kube-apiserver's --request-timeout default. */
export const REQUEST_TIMEOUT = 60_000;

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The request's deadline: its own `timeout` (a Go duration, as client-go sends it) when shorter than the server's. */
export function requestTimeout(s: RequestScope): number {
  const t = s.query.get('timeout');
  if (!t || !/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(t)) return REQUEST_TIMEOUT;
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * UNITS[m[2]!]!;
  return ms > 0 ? Math.min(REQUEST_TIMEOUT, ms) : REQUEST_TIMEOUT;
}

/**
 * A request that needs etcd (a write, a quorum read) while etcd has no quorum: it waits, as kube-apiserver's
 * call into etcd does, until quorum is back or the request's deadline passes; then 504 with the words of
 * kube-apiserver's timeout filter. A clock wait: on the virtual clock the minute passes at once.
 */
export async function awaitQuorum(s: RequestScope): Promise<void> {
  if (!s.ctx.store.availability()) return;
  const ok = await parkUntil(s, () => (s.ctx.store.availability() ? undefined : true), requestTimeout(s));
  if (!ok) {
    throw new ApiError(
      504,
      'Timeout',
      'Timeout: request did not complete within requested timeout - context deadline exceeded',
      {},
    );
  }
}
