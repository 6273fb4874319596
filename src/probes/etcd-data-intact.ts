import type { DataSafety, Probe } from '../kit/plugin.js';
import { latestSnapshot } from '../kit/etcd.js';
import { checkData, DEFAULT_SEED_KEYS, DEFAULT_WRITER_PREFIX } from '../kit/etcd-writer.js';
import { paramsSchema } from '../kit/schema.js';
import { pollInterval, startPolling } from '../kit/poll.js';

export interface EtcdDataIntactParams {
  prefix?: string;
  interval?: string;
  minKeys?: number;
}

/** Lost keys the result names (the count says how many in all). */
const NAMED_LOST_KEYS = 20;

/**
 * D4 verify: every key the etcd-writer had acknowledged before the latest snapshot reads back with the value
 * written, and at least `minKeys` of them were compared (a check of one key, or of none, proves nothing).
 * Leaves a DataSafety in the run state ("dataSafety") for the report and the noDataLoss target.
 */
export const etcdDataIntact: Probe<EtcdDataIntactParams> = {
  name: 'etcd-data-intact',
  summary:
    "Every key the etcd-writer had acknowledged before the latest snapshot reads back with the value written, and at least minKeys were compared; records the drill's data safety.",
  mode: 'poll',
  params: paramsSchema({
    prefix: {
      type: 'string',
      pattern: '^/',
      description: `Key prefix the etcd-writer uses. Default "${DEFAULT_WRITER_PREFIX}".`,
    },
    minKeys: {
      type: 'integer',
      minimum: 1,
      description: `Fewest snapshotted keys to compare: fewer fails the check. Default ${DEFAULT_SEED_KEYS} (what the etcd-writer seeds).`,
    },
  }),
  async start(ctx, p) {
    const prefix = p.prefix ?? DEFAULT_WRITER_PREFIX;
    const minKeys = p.minKeys ?? DEFAULT_SEED_KEYS;
    return startPolling(ctx, pollInterval(p), async () => {
      const writes = (ctx.state.writes.get(ctx.cluster) ?? []).filter((w) => w.key.startsWith(prefix));
      const snap = latestSnapshot(ctx);
      const c = checkData(writes, await ctx.etcd.read(prefix), snap);
      const ds: DataSafety = {
        keysBeforeSnapshot: c.keysBeforeSnapshot,
        minKeys,
        lostBeforeSnapshot: c.lostBeforeSnapshot,
        writtenAfterSnapshot: c.writtenAfterSnapshot,
        lostAfterSnapshot: c.lostAfterSnapshot,
        lostKeys: c.lost.slice(0, NAMED_LOST_KEYS),
      };
      ctx.state.values.set('dataSafety', ds);
      const what = snap ? `before the snapshot at revision ${snap.revision}` : 'so far (no snapshot taken)';
      const after = ds.writtenAfterSnapshot
        ? `; ${ds.lostAfterSnapshot}/${ds.writtenAfterSnapshot} written after it lost`
        : '';
      if (ds.lostBeforeSnapshot > 0) {
        const named = ds.lostKeys.map((k) => `${k.key} (${k.why})`).join(', ');
        return {
          ok: false,
          observed: `${ds.lostBeforeSnapshot}/${ds.keysBeforeSnapshot} keys acknowledged ${what} lost: ${named}${ds.lostBeforeSnapshot > ds.lostKeys.length ? ', ...' : ''}${after}`,
        };
      }
      if (ds.keysBeforeSnapshot < minKeys) {
        return {
          ok: false,
          observed: `only ${ds.keysBeforeSnapshot} keys acknowledged ${what} to compare, fewer than the ${minKeys} declared (minKeys)`,
        };
      }
      return {
        ok: true,
        observed: `${ds.keysBeforeSnapshot}/${ds.keysBeforeSnapshot} keys acknowledged ${what} hold their values${after}`,
      };
    });
  },
  describe: (p) =>
    `every key under ${p.prefix ?? DEFAULT_WRITER_PREFIX} acknowledged before the latest etcd snapshot reads back with its value, at least ${p.minKeys ?? DEFAULT_SEED_KEYS} of them (\`etcdctl get --prefix\`)`,
};
