import type { Clock, Timer } from '../../engine/clock.js';

/** kube-apiserver's cacher sends each watcher that allows bookmarks one about once a minute. */
export const BOOKMARK_PERIOD = 60_000;

export interface BookmarkTarget {
  /** Write a BOOKMARK at the current resourceVersion (after whatever is queued). */
  bookmark(): void;
}

/**
 * The periodic BOOKMARK events of watches with allowWatchBookmarks: one clock timer for all of them, set
 * only while such a watch is open, at the next whole second any of them is due. A timer, not a hold: on
 * the virtual clock it is one more instant time stops at, and an idle one never keeps time from moving;
 * the simulator's own tickers fire far more often.
 */
export class Bookmarks {
  private readonly due = new Map<BookmarkTarget, number>();
  private timer: Timer | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    /** Called before bookmarks go out: queued events must be written first. */
    private readonly beforeSend: () => void,
  ) {}

  add(w: BookmarkTarget): void {
    this.due.set(w, this.clock.now() + BOOKMARK_PERIOD);
    this.schedule();
  }

  remove(w: BookmarkTarget): void {
    if (!this.due.delete(w)) return;
    if (this.due.size === 0) {
      this.timer?.cancel();
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
    }
  }

  close(): void {
    this.due.clear();
    this.timer?.cancel();
    this.timer = undefined;
  }

  private schedule(): void {
    let next = Number.POSITIVE_INFINITY;
    for (const at of this.due.values()) next = Math.min(next, at);
    if (next === Number.POSITIVE_INFINITY) return;
    next = Math.ceil(next / 1000) * 1000;
    if (this.timer && this.timerAt <= next) return;
    this.timer?.cancel();
    this.timerAt = next;
    this.timer = this.clock.setTimer(Math.max(0, next - this.clock.now()), () => this.fire(), 'watch bookmarks');
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = this.clock.now();
    const ready = [...this.due].filter(([, at]) => at <= now).map(([w]) => w);
    if (ready.length > 0) this.beforeSend();
    for (const w of ready) {
      this.due.set(w, now + BOOKMARK_PERIOD);
      w.bookmark();
    }
    this.schedule();
  }
}
