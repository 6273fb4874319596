import type { RecoveryStep } from '../kit/plugin.js';
import { formatDuration, parseDuration } from '../kit/duration.js';
import { durationParam, paramsSchema } from '../kit/schema.js';

export interface WaitParams {
  duration: string;
  /** What the wait is for, in the runbook's words. */
  reason?: string;
}

/** The runbook's "wait about 5 minutes for the services to recover by themselves". */
export const wait: RecoveryStep<WaitParams> = {
  name: 'wait',
  undoable: true,
  summary: 'Wait a while (the runbook\'s "wait ~5 min for workloads to self-heal").',
  params: paramsSchema(
    {
      duration: durationParam('How long to wait, e.g. "5m".'),
      reason: {
        type: 'string',
        minLength: 1,
        description:
          'What the wait is for, e.g. "repair the hardware". Default: let Kubernetes recover the workloads by itself.',
      },
    },
    ['duration'],
  ),
  async run(ctx, p) {
    await ctx.clock.sleep(parseDuration(p.duration, 'duration'), ctx.signal);
  },
  describe: (p) =>
    `Wait ${formatDuration(parseDuration(p.duration, 'duration'))}: ${p.reason ?? 'let Kubernetes recover the workloads by itself'}.`,
};
