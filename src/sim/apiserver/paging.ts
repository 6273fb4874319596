import type { KubeObject } from '../../kube/objects.js';
import type { ParsedQuery, Store } from '../store/store.js';
import type { RequestScope } from './handlers.js';
import { decodeContinue, encodeContinue, parseResourceVersion, type ListOptions } from './list-options.js';
import { objectKey, sortByKey } from './list.js';
import { awaitQuorum, parkUntil } from './park.js';
import { ApiError, badRequest } from './status.js';

/**
 * A list as kube-apiserver serves it, with resourceVersion semantics and paging:
 * - no resourceVersion: the latest state, a quorum read (it waits for etcd quorum);
 * - resourceVersion=0: any state, from the watch cache; `limit` is ignored there, as the cache does;
 * - resourceVersion=N (NotOlderThan): at least N, waiting up to 3 s for N, then 504 Too large resource
 *   version; with `limit` and no match, or resourceVersionMatch=Exact: exactly the state at N, or 410 when N
 *   left the history (etcd compacted it);
 * - `limit`/`continue`: pages in key order, each with a continue token (base64 {"v","rv","start"}) and
 *   remainingItemCount when no selector filters; every page of one list shows the state of its first, and
 *   a token older than the history gets 410 with a token to continue inconsistently from the latest state.
 */
export interface Page {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

/** The cacher waits this long for a resourceVersion it has not seen yet (blockTimeout). */
const FRESHNESS_WAIT = 3_000;

/**
 * The items of lists being paged, so that every page shows one state: the list's items by
 * resource|selection|resourceVersion. Only references to stored (read-only) objects: a list of 150,000 pods
 * costs one array. Bounded in number and age (etcd compacts every 5 minutes).
 */
const SNAPSHOTS = 16;
const SNAPSHOT_AGE = 5 * 60_000;
const snapshots = new WeakMap<Store, Map<string, { items: KubeObject[]; at: number }>>();

function snapshotsOf(store: Store): Map<string, { items: KubeObject[]; at: number }> {
  let m = snapshots.get(store);
  if (!m) snapshots.set(store, (m = new Map()));
  return m;
}

function selectionKey(resource: string, q: ParsedQuery, rv: number): string {
  return JSON.stringify([resource, q.namespace ?? '', q.labels, q.fields, rv]);
}

export async function listPage(s: RequestScope, resource: string, q: ParsedQuery, o: ListOptions): Promise<Page> {
  const store = s.ctx.store;
  if (o.continueToken !== undefined) return continuePage(s, resource, q, o);
  const rvText = o.resourceVersion;
  let items: KubeObject[];
  let rv: number;
  if (rvText === '0') {
    // The watch cache: whatever it holds, all of it.
    return { items: sortByKey(store.list(resource, q)), resourceVersion: String(store.resourceVersion) };
  }
  if (rvText === undefined || rvText === '') {
    await awaitQuorum(s);
    items = sortByKey(store.list(resource, q));
    rv = store.resourceVersion;
  } else {
    const wanted = parseResourceVersion(rvText);
    const exact = o.resourceVersionMatch === 'Exact' || (o.resourceVersionMatch === undefined && o.limit !== undefined);
    if (wanted > store.resourceVersion) {
      const reached = await parkUntil(s, () => (store.resourceVersion >= wanted ? true : undefined), FRESHNESS_WAIT);
      if (!reached) {
        throw new ApiError(504, 'Timeout', `Too large resource version: ${wanted}, current: ${store.resourceVersion}`, {
          causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
          retryAfterSeconds: 1,
        });
      }
    }
    if (exact) {
      const at = store.listAt(resource, q, wanted);
      if (!at) throw new ApiError(410, 'Expired', 'The resourceVersion for the provided list is too old.');
      items = sortByKey(at);
      rv = wanted;
    } else {
      items = sortByKey(store.list(resource, q));
      rv = store.resourceVersion;
    }
  }
  return paginate(store, resource, q, items, rv, 0, o.limit);
}

async function continuePage(s: RequestScope, resource: string, q: ParsedQuery, o: ListOptions): Promise<Page> {
  const store = s.ctx.store;
  if (o.resourceVersion && o.resourceVersion !== '0')
    throw badRequest('specifying resource version is not allowed when using continue');
  const token = decodeContinue(o.continueToken ?? '');
  const start = token.start.replace(/\u0000$/, '');
  const saved = token.rv > 0 ? snapshotsOf(store).get(selectionKey(resource, q, token.rv)) : undefined;
  if (saved && s.ctx.clock.now() - saved.at < SNAPSHOT_AGE) {
    return paginate(store, resource, q, saved.items, token.rv, firstAfter(saved.items, start), o.limit, saved);
  }
  if (token.rv > 0 && token.rv < store.oldestWatchableVersion - 1) {
    // etcd compacted the list's revision: continuing can only be from the latest state.
    throw new ApiError(
      410,
      'Expired',
      'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.',
      undefined,
      { continue: encodeContinue(token.start, -1) },
    );
  }
  await awaitQuorum(s);
  // A token of the latest state (rv -1), or one whose pages are no longer kept: the rest as it is now.
  const at = token.rv > 0 ? store.listAt(resource, q, token.rv) : undefined;
  const items = sortByKey(at ?? store.list(resource, q));
  const rv = at ? token.rv : store.resourceVersion;
  return paginate(store, resource, q, items, rv, firstAfter(items, start), o.limit);
}

/** Index of the first item whose key sorts after `start`. */
function firstAfter(items: KubeObject[], start: string): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (objectKey(items[mid]!) <= start) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function paginate(
  store: Store,
  resource: string,
  q: ParsedQuery,
  items: KubeObject[],
  rv: number,
  from: number,
  limit: number | undefined,
  saved?: { items: KubeObject[]; at: number },
): Page {
  if (limit === undefined || from + limit >= items.length) {
    return { items: from === 0 ? items : items.slice(from), resourceVersion: String(rv) };
  }
  const page = items.slice(from, from + limit);
  const last = page[page.length - 1]!;
  const m = snapshotsOf(store);
  const key = selectionKey(resource, q, rv);
  if (!saved && !m.has(key)) {
    m.set(key, { items, at: store.clock.now() });
    while (m.size > SNAPSHOTS) m.delete(m.keys().next().value!);
  }
  const out: Page = {
    items: page,
    resourceVersion: String(rv),
    continue: encodeContinue(`${objectKey(last)}\u0000`, rv),
  };
  // Only an unfiltered list knows how many items remain (a selector would have to read them all).
  if (q.labels.length === 0 && q.fields.length === 0) out.remainingItemCount = items.length - from - limit;
  return out;
}
