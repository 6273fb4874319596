import type { Probe } from '../kit/plugin.js';
import { few } from '../kit/probe.js';
import { paramsSchema } from '../kit/schema.js';
import { pollInterval, startPolling } from '../kit/poll.js';
import { ETCDCTL } from '../kit/etcd.js';

export interface EtcdHealthyParams {
  count?: number;
  interval?: string;
}

/** D4 verify: `etcdctl endpoint health --cluster` all healthy and `member list` has the expected count. */
export const etcdHealthy: Probe<EtcdHealthyParams> = {
  name: 'etcd-healthy',
  summary:
    'Every etcd endpoint is healthy (etcdctl endpoint health --cluster) and the member list has the expected count.',
  mode: 'poll',
  params: paramsSchema({
    count: {
      type: 'integer',
      minimum: 1,
      maximum: 9,
      description: 'Members expected (etcd runs 1 to 9). Default: as many as when the probe started.',
    },
  }),
  async start(ctx, p) {
    const expected = p.count ?? (await ctx.etcd.members()).length;
    return startPolling(ctx, pollInterval(p), async () => {
      const [health, members] = await Promise.all([ctx.etcd.health(), ctx.etcd.members()]);
      const sick = health.filter((h) => !h.healthy);
      const healthy = health.length - sick.length;
      const ok = health.length > 0 && sick.length === 0 && members.length === expected;
      const observed = `${healthy}/${health.length} endpoints healthy, ${members.length}/${expected} members${sick.length ? `; ${few(sick.map((h) => h.message))}` : ''}`;
      return { ok, observed };
    });
  },
  describe: (p) =>
    `etcd healthy with ${p.count ?? 'the same number of'} members (\`${ETCDCTL} endpoint health --cluster\`, \`member list\`)`,
};
