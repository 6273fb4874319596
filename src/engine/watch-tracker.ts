import type { Clock } from './clock.js';

/**
 * Counts watch events written by the simulated apiserver but not yet handled by gameday's own informers,
 * and holds the virtual clock meanwhile: time must not jump while an event that could satisfy a wait is
 * still on the wire. Watches are tagged with a `gamedayWatch=<id>` query parameter by the in-process
 * client; watches from anyone else (kubectl) are not tracked.
 */
export const WATCH_TAG_PARAM = 'gamedayWatch';

export class WatchTracker {
  private readonly pending = new Map<string, (() => void)[]>();
  private seq = 0;

  constructor(private readonly clock: Clock) {}

  newId(): string {
    return `w${++this.seq}`;
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
