import { createHash, randomUUID } from 'node:crypto';
import type { Clock, Timer } from '../engine/clock.js';
import { InfrastructureError, errorMessage } from '../errors.js';
import type { EtcdOps, EtcdSnapshot, WriteResult } from '../targets/target.js';

/** A write etcd acknowledged. */
export interface AckedWrite {
  key: string;
  /** When the write was sent, on the writer's clock. */
  issuedAt: number;
  /** When etcd acknowledged it. */
  at: number;
  /** The revision etcd committed it at, when the target says. */
  revision?: number;
  /** sha256 of the value written (hex, 16 digits): what the key must still hold. */
  valueHash: string;
}

/** A write etcd refused or did not answer in time. */
export interface RefusedWrite {
  key: string;
  issuedAt: number;
  /** When the refusal came back. */
  at: number;
  error: string;
}

export interface OutageWindow {
  from: number;
  to: number;
  /** Writes are still refused: `to` is now. */
  open: boolean;
}

export const DEFAULT_WRITER_PREFIX = '/gameday/writer/';
/** Keys written before anything else happens, so that a snapshot taken right after holds enough to check. */
export const DEFAULT_SEED_KEYS = 100;
export const DEFAULT_WRITER_INTERVAL_MS = 100;

export function valueHash(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 16);
}

/**
 * When writes were refused: each refused write opens a window at the moment it was sent (a healthy cluster
 * commits within milliseconds, so a write it refused found it unable to commit then), closed by the first
 * acknowledgement of any write after that moment; overlapping windows merge. With a write sent every 100 ms
 * whatever is still in flight, both ends are within about 100 ms of the real ones. A write that is answered
 * late but accepted was slow, not refused.
 */
export function outageWindows(
  refused: readonly Pick<RefusedWrite, 'issuedAt'>[],
  acked: readonly Pick<AckedWrite, 'at'>[],
  now: number,
): OutageWindow[] {
  const acks = acked.map((a) => a.at).sort((a, b) => a - b);
  const firstAckAfter = (t: number): number | undefined => {
    let lo = 0;
    let hi = acks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (acks[mid]! > t) hi = mid;
      else lo = mid + 1;
    }
    return acks[lo];
  };
  const raw = refused
    .map((r) => {
      const to = firstAckAfter(r.issuedAt);
      return { from: r.issuedAt, to: to ?? Math.max(now, r.issuedAt), open: to === undefined };
    })
    .sort((a, b) => a.from - b.from);
  const merged: OutageWindow[] = [];
  for (const w of raw) {
    const last = merged.at(-1);
    if (last && w.from <= last.to) {
      if (w.to > last.to) last.to = w.to;
      last.open ||= w.open;
    } else merged.push({ ...w });
  }
  return merged;
}

export function longestOutageMs(windows: readonly OutageWindow[]): number {
  return windows.reduce((m, w) => Math.max(m, w.to - w.from), 0);
}

/**
 * Must the key be in the snapshot? Yes if etcd acknowledged it before the snapshot was started (a snapshot of
 * a member that lagged behind the others misses such keys: they are lost, not "written after"), or if it was
 * committed at a revision the snapshot holds. Without a snapshot, every key must be there.
 */
export function inSnapshot(w: Pick<AckedWrite, 'at' | 'revision'>, snap: EtcdSnapshot | undefined): boolean {
  if (!snap) return true;
  // Strictly before: on a virtual clock a write can be acknowledged in the same millisecond, just after the
  // snapshot; its revision then tells.
  return w.at < snap.takenAt || (w.revision !== undefined && snap.revision > 0 && w.revision <= snap.revision);
}

export interface LostKey {
  key: string;
  why: 'missing' | 'changed';
}

export interface DataCheck {
  /** Keys acknowledged before the snapshot: each was read back and compared. */
  keysBeforeSnapshot: number;
  /** Of those, missing or holding another value. */
  lostBeforeSnapshot: number;
  /** Acknowledged after the snapshot was started (and before `until`). */
  writtenAfterSnapshot: number;
  /** Of those, missing or changed: lost by design of a restore from that snapshot. */
  lostAfterSnapshot: number;
  /** Every lost snapshotted key, oldest first. */
  lost: LostKey[];
}

/**
 * Compare what etcd holds now (`stored`, key -> value) with every acknowledged write: a snapshotted key must
 * hold exactly the value written (its hash), not merely exist. `until` leaves writes acknowledged after it
 * out of the after-snapshot count (writes taken after recovery).
 */
export function checkData(
  writes: readonly AckedWrite[],
  stored: ReadonlyMap<string, string>,
  snap: EtcdSnapshot | undefined,
  options: { until?: number } = {},
): DataCheck {
  const why = (w: AckedWrite): LostKey['why'] | undefined => {
    const v = stored.get(w.key);
    if (v === undefined) return 'missing';
    return valueHash(v) === w.valueHash ? undefined : 'changed';
  };
  const out: DataCheck = {
    keysBeforeSnapshot: 0,
    lostBeforeSnapshot: 0,
    writtenAfterSnapshot: 0,
    lostAfterSnapshot: 0,
    lost: [],
  };
  for (const w of writes) {
    if (inSnapshot(w, snap)) {
      out.keysBeforeSnapshot++;
      const lost = why(w);
      if (lost) {
        out.lostBeforeSnapshot++;
        out.lost.push({ key: w.key, why: lost });
      }
    } else if (options.until === undefined || w.at <= options.until) {
      out.writtenAfterSnapshot++;
      if (why(w)) out.lostAfterSnapshot++;
    }
  }
  return out;
}

export interface SteadyWriterOptions {
  /** A write is sent every intervalMs, whether or not earlier ones have been answered. Default 100. */
  intervalMs?: number;
  /** Default /gameday/writer/. */
  prefix?: string;
  /** Writes acknowledged by seed() before the steady pace starts. Default 100. */
  seedKeys?: number;
  /** Writes in flight at most (during an outage each waits for its timeout, a second on real etcd). Default 20. */
  maxInFlight?: number;
  /** Told of every acknowledged write. */
  onAck?: (w: AckedWrite) => void;
  /** Told when writes start or stop being refused (what `refusing()` says changed). */
  onChange?: () => void;
}

/**
 * Puts `<prefix><seq>` into etcd at a steady pace, like an apiserver taking writes, recording what etcd
 * acknowledged (with a hash of the value) and what it refused. Both the etcd-writer probe and the D4b
 * procedure use it: one way of writing, of timing an outage and of checking what a recovery kept.
 */
export class SteadyWriter {
  readonly acked: AckedWrite[] = [];
  readonly refused: RefusedWrite[] = [];
  readonly prefix: string;
  readonly intervalMs: number;
  readonly seedKeys: number;
  private readonly maxInFlight: number;
  /** In every key and value: this writer's own. */
  private readonly tag = randomUUID().slice(0, 8);
  private readonly inFlight = new Set<Promise<boolean>>();
  private seq = 0;
  private lastAckAt = -Infinity;
  private lastRefusedIssuedAt = -Infinity;
  private wasRefusing = false;
  private ticking = false;
  private timer: Timer | undefined;

  constructor(
    private readonly ops: Pick<EtcdOps, 'write'>,
    private readonly clock: Clock,
    private readonly options: SteadyWriterOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? DEFAULT_WRITER_INTERVAL_MS;
    this.prefix = options.prefix ?? DEFAULT_WRITER_PREFIX;
    this.seedKeys = options.seedKeys ?? DEFAULT_SEED_KEYS;
    this.maxInFlight = options.maxInFlight ?? 20;
  }

  /**
   * Get `seedKeys` writes acknowledged, a few at a time, before anything else happens. Throws when
   * etcd refuses more writes than that meanwhile: the drill's steady state is not there.
   */
  async seed(): Promise<void> {
    let wanted = this.seedKeys;
    let refused = 0;
    // A few at a time: on real etcd each write is an etcdctl process.
    const workers = Array.from({ length: Math.min(8, this.maxInFlight, this.seedKeys) }, async () => {
      while (wanted > 0) {
        wanted--;
        if (await this.send()) continue;
        wanted++;
        if (++refused > this.seedKeys) {
          throw new InfrastructureError(
            `etcd refused ${refused} of the writer's first writes (last: ${this.refused.at(-1)?.error ?? '?'}): cannot seed ${this.seedKeys} keys to check after recovery.`,
          );
        }
      }
    });
    await Promise.all(workers);
  }

  start(): void {
    if (this.ticking) return;
    this.ticking = true;
    // A timer, not a sleep: on the virtual clock a sleep is a waiter every notify re-checks, and a drill
    // that waits out a 15-minute timeout sends 9,000 writes.
    const tick = (): void => {
      if (!this.ticking) return;
      if (this.inFlight.size < this.maxInFlight) void this.send();
      this.timer = this.clock.setTimer(this.intervalMs, tick, 'etcd writer');
    };
    tick();
  }

  /** Stops sending, and waits until every write in flight has been answered. */
  async stop(): Promise<void> {
    this.ticking = false;
    this.timer?.cancel();
    this.timer = undefined;
    await Promise.all([...this.inFlight]);
  }

  outages(now = this.clock.now()): OutageWindow[] {
    return outageWindows(this.refused, this.acked, now);
  }

  /** The longest stretch of refused writes so far (an open one counts up to now); 0 when none was refused. */
  longestOutageMs(now = this.clock.now()): number {
    return longestOutageMs(this.outages(now));
  }

  /** Writes are being refused now: a refusal that no acknowledgement has followed (cheap: asked often). */
  refusing(): boolean {
    return this.refused.length > 0 && this.lastRefusedIssuedAt >= this.lastAckAt;
  }

  /** Read the keys back (`ops.read`, linearizable) and check them against the snapshot. */
  async verify(
    ops: Pick<EtcdOps, 'read'>,
    snapshot: EtcdSnapshot | undefined,
    options: { until?: number } = {},
  ): Promise<DataCheck> {
    return checkData(this.acked, await ops.read(this.prefix), snapshot, options);
  }

  /** One write; resolves once answered, true when acknowledged. */
  private send(): Promise<boolean> {
    const seq = ++this.seq;
    // The tag keeps two writers (or two runs on a lasting cluster) from writing the same keys.
    const key = `${this.prefix}${String(seq).padStart(8, '0')}-${this.tag}`;
    const issuedAt = this.clock.now();
    const value = `${this.tag}/${seq}@${issuedAt}`;
    const p = this.ops
      .write(key, value)
      .catch((err: unknown): WriteResult => ({ ok: false, error: errorMessage(err) }))
      .then((r) => {
        const at = this.clock.now();
        this.inFlight.delete(p);
        if (r.ok) {
          const ack: AckedWrite = { key, issuedAt, at, valueHash: valueHash(value) };
          if (r.revision > 0) ack.revision = r.revision;
          this.acked.push(ack);
          this.lastAckAt = Math.max(this.lastAckAt, at);
          this.options.onAck?.(ack);
        } else {
          this.refused.push({ key, issuedAt, at, error: r.error });
          this.lastRefusedIssuedAt = Math.max(this.lastRefusedIssuedAt, issuedAt);
        }
        const refusing = this.refusing();
        if (refusing !== this.wasRefusing) {
          this.wasRefusing = refusing;
          this.options.onChange?.();
        }
        return r.ok;
      });
    this.inFlight.add(p);
    return p;
  }
}
