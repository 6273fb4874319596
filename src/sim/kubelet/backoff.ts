/**
 * The kubelet's per-container back-off (client-go flowcontrol.Backoff as the kubelet configures it): the
 * first delay is `initial`, each next one doubles up to `max`, and an entry untouched for `reset` starts over.
 * Shared by CrashLoopBackOff and ImagePullBackOff.
 */
export class Backoff {
  private delay = 0;
  private lastUpdate = 0;

  constructor(
    private readonly initial: number,
    private readonly max: number,
    private readonly reset: number,
  ) {}

  /** The delay to wait after a failure at `now`, advancing the back-off. */
  next(now: number): number {
    if (this.delay === 0 || now - this.lastUpdate > this.reset) this.delay = this.initial;
    else this.delay = Math.min(this.delay * 2, this.max);
    this.lastUpdate = now;
    return this.delay;
  }

  /** The current delay (0 before the first failure). */
  get current(): number {
    return this.delay;
  }

  clear(): void {
    this.delay = 0;
    this.lastUpdate = 0;
  }
}
