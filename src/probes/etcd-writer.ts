import type { PluginContext, Probe } from '../kit/plugin.js';
import { paramsSchema } from '../kit/schema.js';
import { pollInterval, startPolling } from '../kit/poll.js';

export interface EtcdWriterParams {
  prefix?: string;
  interval?: string;
}

export const DEFAULT_WRITER_PREFIX = '/gameday/writer/';

/** Refused-write windows of the steady writer, for the report's writeUnavailableMs. */
export interface WriterWindows {
  /** When the current run of refused writes began (the first refused write was issued); undefined while writes go through. */
  refusedSince?: number;
  /** Sum of the closed windows: first refused write to the first accepted write after it. */
  unavailableMs: number;
}

export function writerWindowsKey(cluster: string): string {
  return `etcdWriter:${cluster}`;
}

export function writerWindows(ctx: PluginContext): WriterWindows {
  let w = ctx.state.values.get(writerWindowsKey(ctx.cluster)) as WriterWindows | undefined;
  if (!w) {
    w = { unavailableMs: 0 };
    ctx.state.values.set(writerWindowsKey(ctx.cluster), w);
  }
  return w;
}

/**
 * D4: a steady writer putting one key per interval through etcd. Passing while writes are accepted; as a
 * monitor its failing time is the write-unavailability window. Acknowledged keys go to the run state for
 * etcd-data-intact.
 */
export const etcdWriter: Probe<EtcdWriterParams> = {
  name: 'etcd-writer',
  summary:
    'A steady writer puts a key into etcd every interval; passes while writes are accepted (as a monitor: the write-unavailability window).',
  mode: 'poll',
  params: paramsSchema({
    prefix: {
      type: 'string',
      pattern: '^/',
      description: `Key prefix of the writes. Default "${DEFAULT_WRITER_PREFIX}".`,
    },
  }),
  async start(ctx, p) {
    const prefix = p.prefix ?? DEFAULT_WRITER_PREFIX;
    const windows = writerWindows(ctx);
    let seq = ctx.state.writes.get(ctx.cluster)?.length ?? 0;
    return startPolling(ctx, pollInterval(p), async () => {
      if (ctx.dryRun) return { ok: true, observed: 'dry run: nothing written' };
      const key = `${prefix}${String(++seq).padStart(8, '0')}`;
      const issued = ctx.clock.now();
      const r = await ctx.etcd.write(key, String(issued));
      const at = ctx.clock.now();
      if (!r.ok) {
        windows.refusedSince ??= issued;
        return { ok: false, observed: `write ${key} refused: ${r.error}` };
      }
      ctx.state.writes.set(ctx.cluster, [
        ...(ctx.state.writes.get(ctx.cluster) ?? []),
        { key, at, revision: r.revision },
      ]);
      if (windows.refusedSince !== undefined) {
        windows.unavailableMs += at - windows.refusedSince;
        delete windows.refusedSince;
      }
      return { ok: true, observed: `write ${key} accepted at revision ${r.revision}` };
    });
  },
  describe: (p) => `etcd accepts writes (a key under ${p.prefix ?? DEFAULT_WRITER_PREFIX} every ${p.interval ?? '2s'})`,
};
