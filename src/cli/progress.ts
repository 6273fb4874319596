import type { Progress } from '../engine/runner.js';
import { formatDuration } from '../kit/duration.js';

/**
 * Live progress for a person at a terminal: one line rewritten in place with the phase, the elapsed time
 * on the target's clock and what is awaited. Without a TTY (CI logs) only phase changes and notes are
 * printed, one per line, so logs stay readable.
 */
export class ProgressDisplay {
  private live = '';
  private readonly phases: string[] = [];

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly verbose: boolean,
  ) {}

  private get tty(): boolean {
    return Boolean(this.out.isTTY);
  }

  handle(p: Progress): void {
    switch (p.type) {
      case 'phase':
        this.phases.push(p.phase);
        if (this.tty) this.setLive(`  ${p.phase.padEnd(12)} +${formatDuration(p.elapsedMs)}`);
        else if (this.verbose) this.line(`  +${formatDuration(p.elapsedMs).padStart(7)}  ${p.phase}`);
        break;
      case 'waiting':
        if (this.tty)
          this.setLive(
            `  ${(this.phases.at(-1) ?? '').padEnd(12)} +${formatDuration(p.elapsedMs)}  waiting for ${p.what}`,
          );
        break;
      case 'note':
        if (this.verbose) this.line(`  +${formatDuration(p.elapsedMs).padStart(7)}  ${p.text}`);
        break;
      case 'manual':
        this.line(
          '  Manual recovery: carry out these steps now; gameday times you and checks the verification probes:',
        );
        for (const s of p.steps) this.line(`    ${s}`);
        break;
    }
  }

  /** Clear the live line before printing a permanent one. */
  line(text: string): void {
    if (this.tty && this.live) this.out.write('\r\x1b[K');
    this.out.write(text + '\n');
    if (this.tty && this.live) this.out.write(this.live);
  }

  private setLive(text: string): void {
    const width = (this.out.columns || 100) - 1;
    this.live = text.length > width ? text.slice(0, width - 1) + '…' : text;
    this.out.write('\r\x1b[K' + this.live);
  }

  endExperiment(): void {
    if (this.tty && this.live) this.out.write('\r\x1b[K');
    this.live = '';
    this.phases.length = 0;
  }
}
