import type { DataSafety, PluginContext, Probe } from '../kit/plugin.js';
import type { EtcdSnapshot } from '../targets/target.js';
import { latestSnapshot } from '../kit/etcd.js';
import { paramsSchema } from '../kit/schema.js';
import { pollInterval, startPolling } from '../kit/poll.js';
import { DEFAULT_WRITER_PREFIX, writerWindows } from './etcd-writer.js';

export interface EtcdDataIntactParams {
  prefix?: string;
  interval?: string;
}

type Write = { key: string; at: number; revision?: number };

/** In the snapshot: committed at or before its revision (or, without revisions, acknowledged before it was taken). */
export function inSnapshot(w: Write, snap: EtcdSnapshot | undefined): boolean {
  if (!snap) return true;
  return w.revision !== undefined ? w.revision <= snap.revision : w.at <= snap.takenAt;
}

/** Data safety from the writer's acknowledged keys and what etcd holds now. */
export function dataSafety(
  writes: Write[],
  present: Map<string, string>,
  snap: EtcdSnapshot | undefined,
  unavailableMs: number,
): DataSafety {
  const before = writes.filter((w) => inSnapshot(w, snap));
  const after = writes.filter((w) => !inSnapshot(w, snap));
  return {
    keysBeforeSnapshot: before.length,
    lostBeforeSnapshot: before.filter((w) => !present.has(w.key)).length,
    writtenAfterSnapshot: after.length,
    lostAfterSnapshot: after.filter((w) => !present.has(w.key)).length,
    writeUnavailableMs: unavailableMs,
  };
}

function currentUnavailable(ctx: PluginContext): number {
  const w = writerWindows(ctx);
  return w.unavailableMs + (w.refusedSince !== undefined ? ctx.clock.now() - w.refusedSince : 0);
}

/**
 * D4 verify: every key the steady writer had acknowledged before the latest snapshot reads back. Leaves a
 * DataSafety in the run state ("dataSafety") for the report and the noDataLoss target.
 */
export const etcdDataIntact: Probe<EtcdDataIntactParams> = {
  name: 'etcd-data-intact',
  summary:
    "Every key the etcd-writer had acknowledged before the latest snapshot reads back (no loss of snapshotted data); records the drill's data safety.",
  mode: 'poll',
  params: paramsSchema({
    prefix: {
      type: 'string',
      pattern: '^/',
      description: `Key prefix the etcd-writer uses. Default "${DEFAULT_WRITER_PREFIX}".`,
    },
  }),
  async start(ctx, p) {
    const prefix = p.prefix ?? DEFAULT_WRITER_PREFIX;
    return startPolling(ctx, pollInterval(p), async () => {
      const writes = (ctx.state.writes.get(ctx.cluster) ?? []).filter((w) => w.key.startsWith(prefix));
      const snap = latestSnapshot(ctx);
      const present = await ctx.etcd.read(prefix);
      const ds = dataSafety(writes, present, snap, currentUnavailable(ctx));
      ctx.state.values.set('dataSafety', ds);
      const what = snap ? `before the snapshot at revision ${snap.revision}` : 'so far (no snapshot taken)';
      const observed =
        `${ds.keysBeforeSnapshot - ds.lostBeforeSnapshot}/${ds.keysBeforeSnapshot} keys acknowledged ${what} present` +
        (ds.writtenAfterSnapshot ? `; ${ds.lostAfterSnapshot}/${ds.writtenAfterSnapshot} written after it lost` : '');
      return { ok: ds.lostBeforeSnapshot === 0, observed };
    });
  },
  describe: (p) =>
    `every key under ${p.prefix ?? DEFAULT_WRITER_PREFIX} acknowledged before the latest etcd snapshot reads back (\`etcdctl get --prefix\`)`,
};
