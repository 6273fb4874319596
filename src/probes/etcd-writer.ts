import type { PluginContext, Probe, ProbeHandle } from '../kit/plugin.js';
import { paramsSchema } from '../kit/schema.js';
import { parseDuration } from '../kit/duration.js';
import { DEFAULT_SEED_KEYS, DEFAULT_WRITER_PREFIX, SteadyWriter, type AckedWrite } from '../kit/etcd-writer.js';

export interface EtcdWriterParams {
  prefix?: string;
  interval?: string;
  seedKeys?: number;
}

const DEFAULT_INTERVAL = '100ms';

function writesOf(ctx: PluginContext): AckedWrite[] {
  let list = ctx.state.writes.get(ctx.cluster);
  if (!list) {
    list = [];
    ctx.state.writes.set(ctx.cluster, list);
  }
  return list;
}

/**
 * D4: a steady writer putting keys into etcd, like an apiserver taking writes. Before the drill goes on it
 * gets `seedKeys` keys acknowledged (so a snapshot taken at once holds enough to check), then sends one every
 * interval whatever is still in flight. Passing while writes are accepted; as a monitor its unavailability
 * is the longest run of refused writes, timed from the writes themselves. Acknowledged keys (with a hash of
 * their value) go to the run state for etcd-data-intact.
 */
export const etcdWriter: Probe<EtcdWriterParams> = {
  name: 'etcd-writer',
  summary:
    'A steady writer: seeds keys, then puts one into etcd every interval (default 100ms); passes while writes are accepted (as a monitor: the longest run of refused writes, first refused to next acknowledged).',
  mode: 'poll',
  params: paramsSchema({
    prefix: {
      type: 'string',
      pattern: '^/',
      description: `Key prefix of the writes. Default "${DEFAULT_WRITER_PREFIX}".`,
    },
    seedKeys: {
      type: 'integer',
      minimum: 0,
      description: `Keys written (and acknowledged) before the drill goes on, so that a snapshot taken at once has enough to check. Default ${DEFAULT_SEED_KEYS}.`,
    },
  }),
  async start(ctx, p): Promise<ProbeHandle> {
    if (ctx.dryRun) {
      return { evaluate: () => ({ ok: true, observed: 'dry run: nothing written' }), stop: () => undefined };
    }
    const list = writesOf(ctx);
    const writer = new SteadyWriter(ctx.etcd, ctx.clock, {
      intervalMs: parseDuration(p.interval ?? DEFAULT_INTERVAL, 'interval'),
      prefix: p.prefix ?? DEFAULT_WRITER_PREFIX,
      seedKeys: p.seedKeys ?? DEFAULT_SEED_KEYS,
      onAck: (w) => list.push(w),
      onChange: () => ctx.clock.notify(),
    });
    const stop = (): void => void writer.stop();
    ctx.signal.addEventListener('abort', stop, { once: true });
    try {
      await writer.seed();
    } catch (err) {
      stop();
      throw err;
    }
    writer.start();
    return {
      evaluate: () => {
        if (writer.refusing()) {
          const last = writer.refused.at(-1)!;
          return { ok: false, observed: `write ${last.key} refused: ${last.error}` };
        }
        const ack = writer.acked.at(-1);
        return {
          ok: true,
          observed: ack
            ? `write ${ack.key} accepted${ack.revision !== undefined ? ` at revision ${ack.revision}` : ''} (${writer.acked.length} so far)`
            : 'no write answered yet',
        };
      },
      stop: () => {
        ctx.signal.removeEventListener('abort', stop);
        stop();
      },
      unavailableMs: () => writer.longestOutageMs(),
    };
  },
  describe: (p) =>
    `etcd accepts writes (${p.seedKeys ?? DEFAULT_SEED_KEYS} keys under ${p.prefix ?? DEFAULT_WRITER_PREFIX} first, then one every ${p.interval ?? DEFAULT_INTERVAL})`,
};
