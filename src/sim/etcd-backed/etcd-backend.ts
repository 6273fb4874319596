/**
 * # The simulated apiserver on real etcd (`--etcd real`)
 *
 * The simulator keeps its objects in the in-memory Store (fast, synchronous: controllers and watches depend
 * on that). In `--etcd real` mode an EtcdBackedStore makes that Store a write-through cache of a real etcd
 * cluster, as kube-apiserver's watch cache is a cache of etcd:
 *
 * - Every Store change is written to etcd under kube-apiserver's key layout (`/registry/pods/<ns>/<name>`,
 *   `/registry/minions/<node>`, `/registry/services/specs/<ns>/<name>`, see registry-keys.ts). Values are
 *   the objects' JSON: kube-apiserver stores protobuf, but JSON is allowed for these purposes (the drills
 *   care about which keys exist and whether a write commits, not the encoding). As kube-apiserver does,
 *   `metadata.resourceVersion` is not stored: it is the Store's revision, not part of the object.
 * - Writes go through etcd's v3 JSON gateway (`POST /v3/kv/txn`, one fetch per batch), never one etcdctl
 *   process per write. Changes are queued synchronously and flushed on the next macrotask, several objects
 *   per transaction (at most `maxTxnOps`, etcd's --max-txn-ops default being 128); one transaction is in
 *   flight at a time and a key's queued value is always its latest, so per-key order holds. A transaction
 *   that fails for lack of quorum is retried until it commits (or a restore or reload drops it).
 * - Availability is real: `store.availability` refuses writes with `etcdserver: request timed out` while
 *   the endpoints the apiserver points at (RealEtcdOps.clientEndpoints()) cannot commit. Three signals:
 *   a write-through transaction still not committed `stallMs` after it was sent (500 ms: a real apiserver
 *   would still be waiting for etcd instead of answering), until some transaction commits; a failing write-through transaction (1 s timeout), which triggers a
 *   probe; and a health loop probing every 500 ms on a real timer: a linearizable read of
 *   `/registry/health` (what kube-apiserver's etcd health check reads) sent to every endpoint at once,
 *   none answering in time meaning no quorum. The first probe or transaction that goes through again turns
 *   writes back on.
 * - After a single-member restore from a snapshot the Store is reloaded from etcd (`/registry/` range ->
 *   Store.importState): objects created after the snapshot disappear from the API (DELETED events) exactly
 *   as they would on a real cluster; objects from before it come back as the snapshot had them.
 *   BackedEtcdOps does this around RealEtcdOps.restoreSingle and pointApiserver; a change of etcd cluster
 *   ID seen by the health loop (a restore done some other way) triggers the same reload.
 *
 * Limits, said plainly:
 * - The Store checks availability before it mutates, but etcd commits after: between the moment quorum is
 *   lost and its detection (`stallMs` after the first transaction that does not commit, or the next probe
 *   timing out, whichever is first: about 0.5-1.5 s) the simulated API still accepts writes. Those stay
 *   queued: if quorum comes back (members restarted) they commit late; if the cluster is restored from a
 *   snapshot they are dropped by the reload and vanish from the API, which is what a real client would have
 *   seen as a timed-out write. The number dropped is counted in `stats.discardedWrites` and reported
 *   through `onEvent`.
 * - A write request aborted at a hung (SIGSTOPped) member could in principle still be applied when the
 *   member resumes; the abort resets the connection, so etcd normally never reads it.
 * - Reads are served from memory, never from etcd: while etcd has no quorum, GET and LIST still answer
 *   (kube-apiserver's watch cache behaves much the same; its quorum reads would fail).
 * - Timings are real: use the simulator on a RealClock in this mode (etcd does not run on virtual time).
 * - start() clears `/registry/` in the etcd it is given and writes the Store's content: it is meant for
 *   the simulator's own cluster (startEtcdBackedSim), not an etcd holding anything else.
 */
import { InfrastructureError, errorMessage } from '../../errors.js';
import type { KubeObject } from '../../kube/objects.js';
import type { Store, StoreEvent } from '../store/store.js';
import { EtcdGateway, EtcdGatewayError, type EtcdTls, type GatewayKv, type GatewayOp } from '../../etcd/gateway.js';
import { REGISTRY_PREFIX, parseRegistryKey, prefixRangeEnd, registryKey } from './registry-keys.js';

/** etcd's words when a proposal cannot commit, as kube-apiserver passes them on. */
export const ETCD_REQUEST_TIMED_OUT = 'etcdserver: request timed out';

/** What kube-apiserver's etcd health check reads (a key that does not exist: only the quorum matters). */
export const HEALTH_KEY = '/registry/health';

export class EtcdBackendError extends InfrastructureError {}

export interface EtcdBackendOptions {
  /** kube-apiserver's --etcd-servers. A function, so that repointing the apiserver is seen at once. */
  endpoints: string[] | (() => string[]);
  /** Client certificate and CA for https endpoints that require them (kubeadm's etcd). */
  tls?: EtcdTls;
  /** Timeout of one write-through transaction and of one health probe. Default 1 s. */
  requestTimeoutMs?: number;
  /** Pause between health probes (real time). Default 500 ms. */
  healthIntervalMs?: number;
  /**
   * Refuse writes once a transaction has waited this long without committing, until one commits (a real
   * apiserver would still be waiting for etcd, not answering 201): it narrows the window in which the API
   * accepts writes that never commit. Default 500 ms; etcd on loopback commits a transaction in
   * milliseconds.
   */
  stallMs?: number;
  /** Wait before retrying a transaction that did not commit (a probe succeeding retries at once). Default 250 ms. */
  retryMs?: number;
  /** How long a reload keeps trying to read `/registry/` before it fails. Default 20 s. */
  reloadTimeoutMs?: number;
  /** How long start() waits for etcd to take the Store's content. Default 20 s. */
  startTimeoutMs?: number;
  /** Objects per transaction. Default 128 (etcd's --max-txn-ops default). */
  maxTxnOps?: number;
  /** JSON bytes per transaction. Default 1 MiB (etcd's --max-request-bytes default is 1.5 MiB). */
  maxTxnBytes?: number;
  /** Outages, recoveries, reloads and dropped writes, in words (the sim's action log takes them). */
  onEvent?: (line: string) => void;
}

export interface EtcdBackendStats {
  /** Puts and deletes etcd committed. */
  committedOps: number;
  committedTxns: number;
  /** Transactions that did not commit (retried later). */
  failedTxns: number;
  /** Writes etcd refused for good (too large): the object exists only in memory. */
  rejectedOps: number;
  /** Writes the Store accepted that never reached etcd and were dropped by a reload or close. */
  discardedWrites: number;
  /** Times a probe or a failed write found etcd unable to commit (stall refusals are not counted). */
  outages: number;
  reloads: number;
  lastError: string | undefined;
}

export interface ReloadResult {
  /** Keys under /registry/ read from etcd. */
  keys: number;
  /** Keys that are not objects the simulator knows how to read (left in etcd, ignored). */
  ignoredKeys: number;
  added: number;
  modified: number;
  deleted: number;
  /** Queued writes that had not committed and were dropped. */
  discardedWrites: number;
  /** etcd's revision the content was read at. */
  revision: number;
}

interface Queued {
  key: string;
  /** null: delete the key. */
  object: KubeObject | null;
}

interface Outgoing extends Queued {
  /** The stored form, null for a delete. */
  value: string | null;
}

const RANGE_PAGE = 1000;
/** Reads of a whole /registry/ page may be large: give them longer than a write. */
const RANGE_TIMEOUT_MS = 5000;

/** The stored form: the object without its resourceVersion, as kube-apiserver stores it. */
export function storedValue(o: KubeObject): string {
  return JSON.stringify({ ...o, metadata: { ...o.metadata, resourceVersion: undefined } });
}

/**
 * Makes a Store a write-through cache of a real etcd cluster. See the top of this file for the design
 * and its limits.
 */
export class EtcdBackedStore {
  readonly stats: EtcdBackendStats = {
    committedOps: 0,
    committedTxns: 0,
    failedTxns: 0,
    rejectedOps: 0,
    discardedWrites: 0,
    outages: 0,
    reloads: 0,
    lastError: undefined,
  };
  private readonly gateway: EtcdGateway;
  private readonly requestTimeoutMs: number;
  private readonly healthIntervalMs: number;
  private readonly retryMs: number;
  private readonly stallMs: number;
  private readonly reloadTimeoutMs: number;
  private readonly startTimeoutMs: number;
  private readonly maxTxnOps: number;
  private readonly maxTxnBytes: number;
  private readonly onEvent: ((line: string) => void) | undefined;
  /** Latest value of each key not yet committed (null: delete), oldest change first. */
  private readonly pending = new Map<string, KubeObject | null>();
  private readonly drainWaiters = new Set<() => void>();
  private inFlight: Promise<void> | undefined;
  private probing: Promise<void> | undefined;
  private reloading: Promise<ReloadResult> | undefined;
  private flushScheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private healthTimer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private previousAvailability: (() => string | undefined) | undefined;
  private ownAvailability: (() => string | undefined) | undefined;
  /** No transaction is sent while paused: before start() has pushed, during a restore or a reload. */
  private paused = true;
  private importing = false;
  private restoring = false;
  private reachable = true;
  private started = false;
  private closed = false;
  private knownClusterId: string | undefined;
  private importCounts = { added: 0, modified: 0, deleted: 0 };
  /** A transaction has waited `stallMs` without committing (cleared by the next commit). */
  private stalled = false;
  private sentSeq = 0;
  private committedSeq = 0;

  constructor(
    readonly store: Store,
    options: EtcdBackendOptions,
  ) {
    const eps = options.endpoints;
    const endpoints = typeof eps === 'function' ? eps : (): string[] => eps;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 1000;
    this.healthIntervalMs = options.healthIntervalMs ?? 500;
    this.retryMs = options.retryMs ?? 250;
    this.stallMs = options.stallMs ?? 500;
    this.reloadTimeoutMs = options.reloadTimeoutMs ?? 20_000;
    this.startTimeoutMs = options.startTimeoutMs ?? 20_000;
    this.maxTxnOps = options.maxTxnOps ?? 128;
    this.maxTxnBytes = options.maxTxnBytes ?? 1024 * 1024;
    this.onEvent = options.onEvent;
    this.gateway = new EtcdGateway(endpoints, this.requestTimeoutMs, options.tls);
  }

  /** Writes are accepted (etcd commits, no restore under way). */
  get available(): boolean {
    return this.refusal() === undefined;
  }

  /** Changes queued or in flight, not yet committed. */
  get pendingWrites(): number {
    return this.pending.size;
  }

  /**
   * Hook into the Store and bring etcd in line with it. `push` (default): clear `/registry/` and write every
   * object the Store holds. `load`: replace the Store's content with what etcd holds.
   */
  async start(options: { initial?: 'push' | 'load' } = {}): Promise<void> {
    if (this.started) throw new EtcdBackendError('The etcd backend is already started.');
    this.started = true;
    this.unsubscribe = this.store.onChange((e) => this.onStoreChange(e));
    const previous = this.store.availability;
    this.previousAvailability = previous;
    this.ownAvailability = () => this.refusal() ?? previous();
    this.store.availability = this.ownAvailability;
    try {
      if (options.initial === 'load') {
        await this.reloadFromEtcd({ discardPending: true });
        this.paused = false;
        this.schedule();
      } else {
        await this.retrying('clear /registry/ in etcd', this.startTimeoutMs, () =>
          this.gateway.deleteRange(REGISTRY_PREFIX, prefixRangeEnd(REGISTRY_PREFIX)),
        );
        this.knownClusterId = this.gateway.lastClusterId;
        for (const [resource, items] of Object.entries(this.store.exportState().objects)) {
          for (const o of items) this.enqueue(resource, o, false);
        }
        this.paused = false;
        this.schedule();
        if (!(await this.flushed(this.startTimeoutMs))) {
          throw new EtcdBackendError(
            `etcd did not take the simulator's ${this.pending.size} remaining object(s) within ${this.startTimeoutMs} ms: ` +
              (this.stats.lastError ?? 'no error reported'),
          );
        }
      }
      this.scheduleHealth();
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** Resolves true once every queued change has committed, false after `timeoutMs` or on close. */
  flushed(timeoutMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (this.drained()) return Promise.resolve(true);
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const waiter = (): void => {
        if (!this.drained() && !this.closed) return;
        finish(this.drained());
      };
      const finish = (v: boolean): void => {
        if (timer) clearTimeout(timer);
        this.drainWaiters.delete(waiter);
        resolve(v);
      };
      this.drainWaiters.add(waiter);
      if (Number.isFinite(timeoutMs)) timer = setTimeout(() => finish(false), timeoutMs);
    });
  }

  /**
   * Make the Store hold what etcd holds under `/registry/` (kube-apiserver re-listing from etcd), plus the
   * changes still queued for etcd, which are newer. With `discardPending` (after a restore: they belong to
   * a cluster that no longer exists) the queued changes are dropped, counted, and vanish from the Store.
   */
  reloadFromEtcd(options: { discardPending?: boolean } = {}): Promise<ReloadResult> {
    if (this.closed) return Promise.reject(new EtcdBackendError('The etcd backend is closed.'));
    const previous = this.reloading ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(() => this.doReload(options.discardPending ?? false))
      .finally(() => {
        if (this.reloading === run) this.reloading = undefined;
      });
    this.reloading = run;
    return run;
  }

  /** The etcd cluster is about to be replaced: refuse writes, send nothing more, let the request in flight end. */
  async beginRestore(): Promise<void> {
    this.restoring = true;
    this.paused = true;
    await this.inFlight;
  }

  /** The restore failed: carry on; the health loop tells whether etcd commits. */
  abortRestore(): void {
    this.restoring = false;
    this.paused = false;
    this.schedule();
    void this.probe();
  }

  /** The restored cluster runs: drop the writes it never had, load its content, accept writes again. */
  async finishRestore(): Promise<ReloadResult> {
    try {
      return await this.reloadFromEtcd({ discardPending: true });
    } catch (err) {
      // The Store still shows the old cluster: keep refusing writes; the health loop sees the new cluster
      // ID once etcd answers and reloads then.
      this.markUnreachable(`reload after the restore failed: ${errorMessage(err)}`);
      throw err;
    } finally {
      this.restoring = false;
      this.paused = false;
      this.schedule();
    }
  }

  /** Stop the health loop and the write-through; queued changes are dropped. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.healthTimer) clearTimeout(this.healthTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.healthTimer = undefined;
    this.retryTimer = undefined;
    this.unsubscribe?.();
    if (this.previousAvailability && this.store.availability === this.ownAvailability) {
      this.store.availability = this.previousAvailability;
    }
    this.stats.discardedWrites += this.pending.size;
    this.pending.clear();
    this.notifyDrain();
    await Promise.allSettled([this.inFlight, this.probing, this.reloading]);
    this.gateway.close();
  }

  private refusal(): string | undefined {
    if (this.closed) return undefined;
    if (this.restoring || !this.reachable) return ETCD_REQUEST_TIMED_OUT;
    return this.stalled && !this.paused ? ETCD_REQUEST_TIMED_OUT : undefined;
  }

  private onStoreChange(e: StoreEvent): void {
    if (this.closed) return;
    if (this.importing) {
      // The change comes from etcd itself: nothing to write back.
      if (e.type === 'ADDED') this.importCounts.added++;
      else if (e.type === 'MODIFIED') this.importCounts.modified++;
      else this.importCounts.deleted++;
      return;
    }
    this.enqueue(e.resource, e.object, e.type === 'DELETED');
  }

  private enqueue(resource: string, object: KubeObject, deleted: boolean): void {
    const key = registryKey(resource, object.metadata.namespace, object.metadata.name);
    // Re-inserting moves the key behind the others: the queue stays in order of each key's last change.
    this.pending.delete(key);
    this.pending.set(key, deleted ? null : object);
    this.schedule();
  }

  private drained(): boolean {
    return this.pending.size === 0 && this.inFlight === undefined;
  }

  private notifyDrain(): void {
    for (const w of [...this.drainWaiters]) w();
  }

  private schedule(): void {
    if (this.flushScheduled || this.inFlight || this.paused || this.closed || this.retryTimer) return;
    if (this.pending.size === 0) return;
    this.flushScheduled = true;
    // The next macrotask: everything the simulator changes in this turn goes into one transaction.
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.inFlight || this.paused || this.closed || this.retryTimer || this.pending.size === 0) return;
    const batch = this.takeBatch();
    this.armStall(++this.sentSeq);
    this.inFlight = this.send(batch, this.sentSeq).finally(() => {
      this.inFlight = undefined;
      this.notifyDrain();
      this.schedule();
    });
  }

  private takeBatch(): Outgoing[] {
    const batch: Outgoing[] = [];
    let bytes = 0;
    for (const [key, object] of this.pending) {
      const value = object === null ? null : storedValue(object);
      const size = key.length + (value?.length ?? 0);
      if (batch.length > 0 && (batch.length >= this.maxTxnOps || bytes + size > this.maxTxnBytes)) break;
      batch.push({ key, object, value });
      bytes += size;
    }
    for (const b of batch) this.pending.delete(b.key);
    return batch;
  }

  /**
   * Mark the write-through stalled if transaction `seq` has not committed `stallMs` after it was sent. The
   * check runs after an I/O turn (two setImmediate hops, as lagTolerantTimeout does), so that a simulator
   * that kept the event loop busy for a while does not mistake an answer it has not read yet for a stall.
   */
  private armStall(seq: number): void {
    const timer = setTimeout(() => {
      setImmediate(() =>
        setImmediate(() => {
          if (!this.closed && this.committedSeq < seq) this.stalled = true;
        }),
      );
    }, this.stallMs);
    timer.unref();
  }

  private async send(batch: Outgoing[], seq: number): Promise<void> {
    const ops: GatewayOp[] = batch.map((b) => (b.value === null ? { delete: b.key } : { put: b.key, value: b.value }));
    try {
      await this.gateway.txn(ops, this.requestTimeoutMs);
      this.committedSeq = Math.max(this.committedSeq, seq);
      this.stalled = false;
      this.stats.committedOps += ops.length;
      this.stats.committedTxns++;
      this.markReachable();
    } catch (err) {
      if (this.closed) return;
      if (err instanceof EtcdGatewayError && err.failure === 'rejected') {
        if (batch.length > 1) {
          // One object spoils the transaction for all: send them one by one to keep the others.
          for (const [i, b] of batch.entries()) {
            if (this.retryTimer || this.paused) {
              this.requeue(batch.slice(i));
              return;
            }
            await this.send([b], seq);
          }
          return;
        }
        // etcd answered: no stall.
        this.committedSeq = Math.max(this.committedSeq, seq);
        this.stats.rejectedOps++;
        this.report(
          `etcd refused to store ${batch[0]?.key ?? '?'} (${err.message}); it exists in the simulator's memory only`,
        );
        return;
      }
      this.requeue(batch);
      this.stats.failedTxns++;
      this.stats.lastError = errorMessage(err);
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.schedule();
      }, this.retryMs);
      this.retryTimer.unref();
      // The write says something is wrong; the probe asks every member whether the cluster can commit.
      void this.probe();
    }
  }

  /** Put back what did not commit, unless the key changed again meanwhile (the newer value wins). */
  private requeue(batch: Queued[]): void {
    for (const b of batch) if (!this.pending.has(b.key)) this.pending.set(b.key, b.object);
  }

  private markReachable(): void {
    if (!this.reachable) {
      this.reachable = true;
      this.report('etcd commits again: the simulated API accepts writes');
    }
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
    this.schedule();
  }

  private markUnreachable(why: string): void {
    this.stats.lastError = why;
    if (!this.reachable) return;
    this.reachable = false;
    this.stats.outages++;
    this.report(`etcd cannot commit (${why}): the simulated API refuses writes with "${ETCD_REQUEST_TIMED_OUT}"`);
  }

  private probe(): Promise<void> {
    this.probing ??= (async () => {
      let why = await this.gateway.probe(HEALTH_KEY, this.requestTimeoutMs);
      // Ask twice before declaring an outage: a simulator that kept the event loop busy past the timeout
      // makes the timer fire before the answer that was already there is read. Refused connections fail
      // at once, so a real outage costs at most one more timeout (writes are refused sooner, by the stall).
      if (why !== undefined && this.reachable && !this.closed) {
        why = await this.gateway.probe(HEALTH_KEY, this.requestTimeoutMs);
      }
      // During a restore the cluster is being replaced: finishRestore's reload decides, not a probe.
      if (this.closed || this.restoring) return;
      if (why !== undefined) {
        this.markUnreachable(why);
        return;
      }
      if (this.clusterReplaced()) return;
      this.markReachable();
    })().finally(() => {
      this.probing = undefined;
    });
    return this.probing;
  }

  /**
   * A new cluster ID means the cluster was restored from a snapshot without BackedEtcdOps knowing: reload
   * from it (writes stay refused until the reload is done).
   */
  private clusterReplaced(): boolean {
    const id = this.gateway.lastClusterId;
    if (this.knownClusterId === undefined) this.knownClusterId = id;
    if (id === undefined || id === this.knownClusterId || this.restoring || this.reloading) return false;
    this.report(`etcd's cluster ID changed (${this.knownClusterId} -> ${id}): it was restored; reloading /registry/`);
    this.markUnreachable('the etcd cluster was replaced');
    this.reloadFromEtcd({ discardPending: true }).catch((err: unknown) => {
      this.report(`reloading /registry/ from the restored etcd failed: ${errorMessage(err)}`);
    });
    return true;
  }

  private scheduleHealth(): void {
    if (this.closed) return;
    this.healthTimer = setTimeout(() => {
      this.healthTimer = undefined;
      void this.probe().finally(() => this.scheduleHealth());
    }, this.healthIntervalMs);
    this.healthTimer.unref();
  }

  private async doReload(discardPending: boolean): Promise<ReloadResult> {
    const wasPaused = this.paused;
    this.paused = true;
    try {
      await this.inFlight;
      let discarded = 0;
      if (discardPending) {
        discarded = this.pending.size;
        this.pending.clear();
        this.committedSeq = this.sentSeq;
        this.stalled = false;
        if (this.retryTimer) clearTimeout(this.retryTimer);
        this.retryTimer = undefined;
        this.stats.discardedWrites += discarded;
        this.notifyDrain();
        if (discarded > 0) {
          this.report(`${discarded} change(s) the simulated API accepted never committed to etcd: dropped`);
        }
      }
      const { kvs, revision } = await this.retrying('read /registry/ from etcd', this.reloadTimeoutMs, () =>
        this.rangeAll(),
      );
      if (this.closed) throw new EtcdBackendError('The etcd backend was closed during a reload.');
      const byKey = new Map<string, { resource: string; object: KubeObject }>();
      let ignoredKeys = 0;
      for (const kv of kvs) {
        const at = parseRegistryKey(kv.key);
        const obj = at && this.objectOf(at.resource, at.namespace, at.name, kv.value);
        if (!at || !obj) {
          ignoredKeys++;
          continue;
        }
        byKey.set(kv.key, { resource: at.resource, object: obj });
      }
      // Changes still queued (not committed yet, or accepted while etcd was being read) are newer than what
      // was read: they stay, and are written to etcd once the reload is over.
      for (const [key, object] of this.pending) {
        const at = parseRegistryKey(key);
        if (!at) continue;
        if (object === null) byKey.delete(key);
        else
          byKey.set(key, {
            resource: at.resource,
            object: this.store.get(at.resource, at.namespace, at.name) ?? object,
          });
      }
      const objects: Record<string, KubeObject[]> = {};
      for (const { resource, object } of byKey.values()) (objects[resource] ??= []).push(object);
      this.importCounts = { added: 0, modified: 0, deleted: 0 };
      this.importing = true;
      try {
        this.store.importState({ revision: this.store.resourceVersion, objects });
      } finally {
        this.importing = false;
      }
      this.stats.reloads++;
      this.knownClusterId = this.gateway.lastClusterId;
      const result: ReloadResult = {
        keys: kvs.length,
        ignoredKeys,
        ...this.importCounts,
        discardedWrites: discarded,
        revision,
      };
      this.report(
        `reloaded /registry/ from etcd at revision ${revision}: ${result.keys} key(s), ` +
          `${result.added} added, ${result.modified} changed, ${result.deleted} removed`,
      );
      this.markReachable();
      return result;
    } finally {
      this.paused = wasPaused;
      this.schedule();
    }
  }

  /**
   * The object a stored value holds. The Store's own object when nothing but the resourceVersion differs,
   * so that importState sees no change and keeps its resourceVersion.
   */
  private objectOf(
    resource: string,
    namespace: string | undefined,
    name: string,
    value: string,
  ): KubeObject | undefined {
    const cur = this.store.get(resource, namespace, name);
    if (cur && storedValue(cur) === value) return cur;
    try {
      const o = JSON.parse(value) as KubeObject;
      // Not JSON from us (a real apiserver's protobuf, say), or not the object its key names.
      if (typeof o !== 'object' || o === null || o.metadata?.name !== name) return undefined;
      return o;
    } catch {
      return undefined;
    }
  }

  private async rangeAll(): Promise<{ kvs: GatewayKv[]; revision: number }> {
    const end = prefixRangeEnd(REGISTRY_PREFIX);
    const kvs: GatewayKv[] = [];
    let key: string | Buffer = REGISTRY_PREFIX;
    let revision: number | undefined;
    for (;;) {
      // Later pages at the first page's revision: one consistent view, however many pages.
      const page = await this.gateway.range(
        key,
        end,
        revision === undefined ? { limit: RANGE_PAGE } : { limit: RANGE_PAGE, revision },
        RANGE_TIMEOUT_MS,
      );
      revision ??= page.revision;
      for (const kv of page.kvs) kvs.push(kv);
      const last = page.kvs.at(-1);
      if (!page.more || !last) return { kvs, revision };
      key = Buffer.concat([Buffer.from(last.key, 'utf8'), Buffer.from([0])]);
    }
  }

  /** Retry `fn` while etcd is unavailable, until `timeoutMs`; a rejection fails at once. */
  private async retrying<T>(what: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (this.closed) throw new EtcdBackendError(`Could not ${what}: the etcd backend was closed.`);
        const permanent = err instanceof EtcdGatewayError && err.failure === 'rejected';
        if (permanent || Date.now() >= deadline) {
          throw new EtcdBackendError(`Could not ${what}: ${errorMessage(err)}`, { cause: err });
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  private report(line: string): void {
    this.onEvent?.(line);
  }
}

/** Attach a Store to etcd and push its content there; resolves once etcd holds it. */
export async function attachEtcd(
  store: Store,
  options: EtcdBackendOptions & { initial?: 'push' | 'load' },
): Promise<EtcdBackedStore> {
  const backend = new EtcdBackedStore(store, options);
  await backend.start(options.initial === undefined ? {} : { initial: options.initial });
  return backend;
}
