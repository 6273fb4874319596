import type { Clock } from '../engine/clock.js';
import { errorMessage } from '../errors.js';
import type { DataSafety } from '../report/result.js';
import type { EtcdOps, EtcdSnapshot, WriteResult } from '../targets/target.js';

export interface WriterAck {
  seq: number;
  key: string;
  value: string;
  /** When the write was acknowledged, on the writer's clock. */
  at: number;
  /** The revision etcd committed it at. */
  revision: number;
}

export interface WriterRefusal {
  seq: number;
  /** When the refused write was sent: the moment writes were seen to stop working. */
  at: number;
  error: string;
}

export interface SteadyWriterOptions {
  /** A write is started every intervalMs (or right after the previous one, when it took longer). Default 200. */
  intervalMs?: number;
  /** Default /gameday/writer/. */
  prefix?: string;
}

export interface DataSafetyDetail extends DataSafety {
  /** Keys acknowledged before the snapshot and missing (or changed) after recovery. */
  missingBeforeSnapshot: string[];
  /** Keys acknowledged after the snapshot and missing: lost by design of a snapshot restore. */
  missingAfterSnapshot: string[];
}

/**
 * Puts `/gameday/writer/<seq>` at a steady pace, like an apiserver taking writes, and records what etcd
 * acknowledged and when writes were refused. Afterwards `verify` reads the keys back to count what a
 * recovery lost: nothing acknowledged before the snapshot may be missing, and what was acknowledged after it
 * is counted, never silently dropped.
 */
export class SteadyWriter {
  readonly acked: WriterAck[] = [];
  readonly prefix: string;
  refusedCount = 0;
  firstRefusal: WriterRefusal | undefined;
  /** The first write acknowledged after `firstRefusal`: writes are available again. */
  firstAcceptedAfterRefusal: WriterAck | undefined;
  private readonly intervalMs: number;
  private seq = 0;
  private abort: AbortController | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly ops: Pick<EtcdOps, 'write'>,
    private readonly clock: Clock,
    options: SteadyWriterOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 200;
    this.prefix = options.prefix ?? '/gameday/writer/';
  }

  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal);
  }

  /** Stops after the write in flight, if any, has been answered. */
  async stop(): Promise<void> {
    this.abort?.abort();
    await this.loop;
    this.loop = undefined;
  }

  /**
   * First refused write to first accepted write after it, in ms; 0 when no write was refused. While writes
   * are still refused, the window so far.
   */
  writeUnavailableMs(): number {
    if (!this.firstRefusal) return 0;
    const end = this.firstAcceptedAfterRefusal?.at ?? this.clock.now();
    return end - this.firstRefusal.at;
  }

  /**
   * Read the keys back (linearizably, through `ops.read`) and count losses against `snapshot`. Before/after
   * is decided by revision (exact: a restored cluster continues from the snapshot's revision, so later
   * writes always sort after it); by time when revisions are unknown. `until` limits the "after" side to
   * writes acknowledged before it (e.g. the failure), so that writes taken after recovery are not counted.
   */
  async verify(
    ops: Pick<EtcdOps, 'read'>,
    snapshot: EtcdSnapshot,
    options: { until?: number } = {},
  ): Promise<DataSafetyDetail> {
    const stored = await ops.read(this.prefix);
    const before: WriterAck[] = [];
    const after: WriterAck[] = [];
    for (const a of this.acked) {
      const isBefore =
        snapshot.revision > 0 && a.revision > 0 ? a.revision <= snapshot.revision : a.at <= snapshot.takenAt;
      if (isBefore) before.push(a);
      else if (options.until === undefined || a.at <= options.until) after.push(a);
    }
    const missing = (list: WriterAck[]): string[] =>
      list.filter((a) => stored.get(a.key) !== a.value).map((a) => a.key);
    const missingBeforeSnapshot = missing(before);
    const missingAfterSnapshot = missing(after);
    return {
      keysBeforeSnapshot: before.length,
      lostBeforeSnapshot: missingBeforeSnapshot.length,
      writtenAfterSnapshot: after.length,
      lostAfterSnapshot: missingAfterSnapshot.length,
      writeUnavailableMs: this.writeUnavailableMs(),
      missingBeforeSnapshot,
      missingAfterSnapshot,
    };
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const started = this.clock.now();
      const seq = ++this.seq;
      const key = `${this.prefix}${String(seq).padStart(8, '0')}`;
      const value = `${seq}@${started}`;
      let r: WriteResult;
      try {
        r = await this.ops.write(key, value);
      } catch (err) {
        r = { ok: false, error: errorMessage(err) };
      }
      const at = this.clock.now();
      if (r.ok) {
        const ack: WriterAck = { seq, key, value, at, revision: r.revision };
        this.acked.push(ack);
        if (this.firstRefusal && !this.firstAcceptedAfterRefusal) this.firstAcceptedAfterRefusal = ack;
      } else {
        this.refusedCount++;
        this.firstRefusal ??= { seq, at: started, error: r.error };
      }
      const wait = this.intervalMs - (this.clock.now() - started);
      if (wait > 0 && !signal.aborted) {
        try {
          await this.clock.sleep(wait, signal);
        } catch {
          // aborted: the loop condition ends it
        }
      }
    }
  }
}
