import type { PluginContext } from './plugin.js';
import type { EtcdSnapshot } from '../targets/target.js';
import { formatDuration } from './duration.js';
import { TimeoutError } from '../errors.js';

/** The runbook's etcdctl prefix, certificates abbreviated. */
export const ETCDCTL =
  'ETCDCTL_API=3 etcdctl --endpoints https://<node-ip>:2379 --cacert /etc/kubernetes/<cluster>/pki/etcd/ca.crt --cert .../apiserver-etcd-client.crt --key .../apiserver-etcd-client.key';

export function pushSnapshot(ctx: PluginContext, snap: EtcdSnapshot): void {
  ctx.state.snapshots.set(ctx.cluster, [...(ctx.state.snapshots.get(ctx.cluster) ?? []), snap]);
}

export function latestSnapshot(ctx: PluginContext): EtcdSnapshot | undefined {
  return ctx.state.snapshots.get(ctx.cluster)?.at(-1);
}

/** Members (name -> node) before a restore replaced the cluster, so growing back can reuse names and hosts. */
export function membersBeforeKey(cluster: string): string {
  return `etcdMembersBefore:${cluster}`;
}

/**
 * Wait until every endpoint answers healthy, as the runbook's `sleep 5; etcdctl endpoint health --cluster`
 * does between restore and the next change: a member added before the last one caught up costs quorum.
 */
export async function untilEtcdHealthy(ctx: PluginContext, what: string, timeoutMs = 120_000): Promise<void> {
  if (ctx.dryRun) return;
  const deadline = ctx.clock.now() + timeoutMs;
  for (;;) {
    const health = await ctx.etcd.health();
    const sick = health.filter((h) => !h.healthy);
    if (health.length > 0 && sick.length === 0) return;
    if (ctx.clock.now() >= deadline) {
      throw new TimeoutError(
        `${ctx.cluster}: etcd not healthy ${formatDuration(timeoutMs)} after ${what}: ${sick.map((h) => h.message).join('; ') || 'no endpoint answered'}`,
      );
    }
    await ctx.clock.sleep(1000, ctx.signal);
  }
}
