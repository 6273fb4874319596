import type { KubeObject } from '../../kube/objects.js';
import type { LogLine } from './context.js';
import { notFoundFor } from './deletion.js';
import { checkReadable, type RequestScope } from './handlers.js';
import { sendRaw } from './http.js';
import type { ResourceRequest } from './routes.js';
import { ApiError, badRequest, methodNotAllowed } from './status.js';

/** A follower looks for new lines this often (clock time): the kubelet's log follower polls as often. */
const FOLLOW_POLL = 1_000;

interface LogOptions {
  container: string | undefined;
  follow: boolean;
  previous: boolean;
  timestamps: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  sinceTime?: number;
  limitBytes?: number;
}

/**
 * GET pods/<name>/log, as kube-apiserver serves it from the kubelet: PodLogOptions validated (422), the
 * container checked against the pod (400), then the kubelet's answer: the lines of the chosen run,
 * filtered by `sinceSeconds`/`sinceTime`, cut to `tailLines` and `limitBytes`, each prefixed with its
 * RFC 3339 time under `timestamps`; with `follow`, kept open and fed until the run ends.
 */
export async function podLog(s: RequestScope, r: ResourceRequest, name: string): Promise<void> {
  if ((s.req.method ?? 'GET') !== 'GET') throw methodNotAllowed(s.req.method ?? '');
  await checkReadable(s);
  const pod = s.ctx.store.get('pods', r.namespace, name);
  if (!pod) throw notFoundFor('pods', name);
  const opts = logOptions(s.query, name);
  const container = validateContainer(opts.container, pod);
  // A pod not yet on a node has no kubelet to ask: kube-apiserver answers with nothing.
  const result = pod.spec?.nodeName
    ? s.ctx.hooks.podLogs?.(r.namespace ?? 'default', name, container, opts.previous)
    : undefined;
  if (!result) {
    sendRaw(s.res, 200, '', 'text/plain');
    return;
  }
  if ('error' in result) {
    const { code, message } = result.error;
    throw new ApiError(code, code === 400 ? 'BadRequest' : '', message);
  }
  const { log } = result;
  const now = s.ctx.clock.now();
  const since =
    opts.sinceTime ?? (opts.sinceSeconds !== undefined ? now - opts.sinceSeconds * 1000 : Number.NEGATIVE_INFINITY);
  let lines = log.lines(now).filter((l) => l.at >= since);
  if (opts.tailLines !== undefined) lines = opts.tailLines === 0 ? [] : lines.slice(-opts.tailLines);
  const format = (l: LogLine): string => `${opts.timestamps ? `${rfc3339NanoFixed(l.at)} ` : ''}${l.text}\n`;
  let budget = opts.limitBytes ?? Number.POSITIVE_INFINITY;
  const take = (ls: LogLine[]): string => {
    let out = '';
    for (const l of ls) {
      if (budget <= 0) break;
      const text = format(l);
      const bytes = Buffer.byteLength(text);
      out += bytes <= budget ? text : Buffer.from(text).subarray(0, budget).toString('utf8');
      budget -= bytes;
    }
    return out;
  };
  if (!opts.follow) {
    sendRaw(s.res, 200, take(lines), 'text/plain');
    return;
  }
  follow(s, log, take, lines, now);
}

/** Stream the lines so far, then new ones as the run prints them, until it ends or the client goes. */
function follow(
  s: RequestScope,
  log: { lines(now: number): LogLine[]; ended(): boolean },
  take: (ls: LogLine[]) => string,
  first: LogLine[],
  startedAt: number,
): void {
  const { res, ctx } = s;
  res.writeHead(200, {
    'Content-Type': 'text/plain',
    'Cache-Control': 'no-cache, private',
    'Transfer-Encoding': 'chunked',
  });
  res.write(take(first));
  // Where the stream is: the time of the last line considered and how many lines of that instant went out.
  let lastAt = startedAt;
  let sentAtLast = log.lines(startedAt).filter((l) => l.at === startedAt).length;
  let timer: { cancel(): void } | undefined;
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    timer?.cancel();
    if (!res.writableEnded) res.end();
  };
  res.on('close', finish);
  const poll = (): void => {
    if (done) return;
    const now = ctx.clock.now();
    const ended = log.ended();
    const all = log.lines(now);
    const fresh: LogLine[] = [];
    let seenAtLast = 0;
    for (const l of all) {
      if (l.at < lastAt) continue;
      if (l.at === lastAt && seenAtLast++ < sentAtLast) continue;
      fresh.push(l);
    }
    if (fresh.length > 0) {
      const tail = fresh[fresh.length - 1]!.at;
      sentAtLast = tail === lastAt ? sentAtLast + fresh.length : fresh.filter((l) => l.at === tail).length;
      lastAt = tail;
      const text = take(fresh);
      if (text) res.write(text);
    }
    if (ended) {
      finish();
      return;
    }
    timer = ctx.clock.setTimer(FOLLOW_POLL, poll, 'kubectl logs -f');
  };
  timer = ctx.clock.setTimer(FOLLOW_POLL, poll, 'kubectl logs -f');
  if (log.ended()) poll();
  // The stream lives on without holding the (virtual) clock, as a watch does.
  s.release();
}

/** RFC3339NanoFixed, the kubelet's `--timestamps` format: "2026-01-01T00:00:03.120000000Z". */
export function rfc3339NanoFixed(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

function intParam(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) throw badRequest(`invalid value for ${key}: ${v}`);
  return n;
}

function boolParam(q: URLSearchParams, key: string): boolean {
  const v = q.get(key);
  return v === 'true' || v === '1';
}

/** PodLogOptions from the query, validated as ValidatePodLogOptions does (422 PodLogOptions "<pod>" is invalid). */
function logOptions(q: URLSearchParams, pod: string): LogOptions {
  const opts: LogOptions = {
    container: q.get('container') || undefined,
    follow: boolParam(q, 'follow'),
    previous: boolParam(q, 'previous'),
    timestamps: boolParam(q, 'timestamps'),
  };
  const tail = intParam(q, 'tailLines');
  const sinceSeconds = intParam(q, 'sinceSeconds');
  const limit = intParam(q, 'limitBytes');
  const sinceTime = q.get('sinceTime');
  const errors: { field: string; reason: string; message: string }[] = [];
  const invalid = (field: string, value: number, why: string): void => {
    errors.push({ field, reason: 'FieldValueInvalid', message: `Invalid value: ${value}: ${why}` });
  };
  if (tail !== undefined) {
    if (tail < 0) invalid('tailLines', tail, 'must be greater than or equal to 0');
    opts.tailLines = tail;
  }
  if (limit !== undefined) {
    if (limit < 1) invalid('limitBytes', limit, 'must be greater than 0');
    opts.limitBytes = limit;
  }
  if (sinceSeconds !== undefined && sinceTime) {
    errors.push({
      field: '',
      reason: 'FieldValueForbidden',
      message: 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified',
    });
  } else if (sinceSeconds !== undefined) {
    if (sinceSeconds < 1) invalid('sinceSeconds', sinceSeconds, 'must be greater than 0');
    opts.sinceSeconds = sinceSeconds;
  } else if (sinceTime) {
    const t = Date.parse(sinceTime);
    if (Number.isNaN(t)) throw badRequest(`invalid value for sinceTime: ${sinceTime}`);
    opts.sinceTime = t;
  }
  if (errors.length > 0) {
    const text = errors.map((e) => `${e.field}: ${e.message}`);
    const listed = text.length === 1 ? text[0] : `[${text.join(', ')}]`;
    throw new ApiError(422, 'Invalid', `PodLogOptions "${pod}" is invalid: ${listed}`, {
      name: pod,
      kind: 'PodLogOptions',
      causes: errors,
    });
  }
  return opts;
}

/** The container to read (kube-apiserver's validateContainer): named and in the pod, or the pod's only one. */
function validateContainer(container: string | undefined, pod: KubeObject): string {
  const names = [
    ...((pod.spec?.initContainers ?? []) as { name: string }[]),
    ...((pod.spec?.containers ?? []) as { name: string }[]),
    ...((pod.spec?.ephemeralContainers ?? []) as { name: string }[]),
  ].map((c) => c.name);
  const containers = (pod.spec?.containers ?? []) as { name: string }[];
  if (container === undefined) {
    if (containers.length === 1) return containers[0]!.name;
    if (containers.length === 0) throw badRequest(`pod ${pod.metadata.name} does not have a container`);
    throw badRequest(
      `a container name must be specified for pod ${pod.metadata.name}, choose one of: [${names.join(' ')}]`,
    );
  }
  if (!names.includes(container)) throw badRequest(`container ${container} is not valid for pod ${pod.metadata.name}`);
  return container;
}
