import type { Clock } from './clock.js';

/**
 * Counts watch events written by the simulated apiserver but not yet handled by gameday's own informers,
 * and holds the virtual clock meanwhile: time must not jump while an event that could satisfy a wait is
 * still on the wire. Watches are tagged with a `gamedayWatch=<id>` query parameter by the in-process
 * client; watches from anyone else (kubectl) are not tracked.
 */
export const WATCH_TAG_PARAM = 'gamedayWatch';

/**
 * The header naming a request of the in-process client: while the simulated apiserver parks the request
 * in a clock wait (a write waiting for etcd quorum), it lifts the client's hold on the clock too, or
 * neither side could ever let time reach the answer.
 */
export const REQUEST_HEADER = 'x-gameday-request';

export class WatchTracker {
  private readonly pending = new Map<string, (() => void)[]>();
  private readonly requests = new Map<string, { label: string; release: (() => void) | undefined }>();
  private seq = 0;

  constructor(private readonly clock: Clock) {}

  newId(): string {
    return `w${++this.seq}`;
  }

  /** Run a request holding the clock until it settles; `send` gets the id to pass in REQUEST_HEADER. */
  request<T>(label: string, send: (id: string) => Promise<T>): Promise<T> {
    const id = `r${++this.seq}`;
    const entry = { label, release: this.clock.hold(label) as (() => void) | undefined };
    this.requests.set(id, entry);
    const done = (): void => {
      entry.release?.();
      entry.release = undefined;
      this.requests.delete(id);
    };
    let sent: Promise<T>;
    try {
      sent = send(id);
    } catch (err) {
      done();
      throw err;
    }
    return sent.finally(done);
  }

  /**
   * The server parks request `id` in a clock wait: its client's hold is lifted until the returned function
   * puts it back (before the answer is written, so that time cannot move while it is on its way).
   */
  park(id: string): () => void {
    const entry = this.requests.get(id);
    if (!entry?.release) return () => undefined;
    entry.release();
    entry.release = undefined;
    return () => {
      if (this.requests.get(id) === entry && !entry.release) entry.release = this.clock.hold(entry.label);
    };
  }

  /** The server wrote one event on watch `id`. */
  sent(id: string): void {
    let q = this.pending.get(id);
    if (!q) {
      q = [];
      this.pending.set(id, q);
    }
    q.push(this.clock.hold(`watch event in flight (${id})`));
  }

  /**
   * The server wrote on watch `id` a line no wait can depend on (a periodic BOOKMARK): counted, so that the
   * client's handling of it releases nothing else, but not holding the clock.
   */
  sentUnheld(id: string): void {
    let q = this.pending.get(id);
    if (!q) {
      q = [];
      this.pending.set(id, q);
    }
    q.push(() => undefined);
  }

  /** The client handled one event of watch `id`. */
  handled(id: string): void {
    this.pending.get(id)?.shift()?.();
  }

  /** Either side closed watch `id`: whatever was in flight will never be handled. */
  closed(id: string): void {
    const q = this.pending.get(id);
    if (!q) return;
    for (const release of q) release();
    this.pending.delete(id);
  }
}
