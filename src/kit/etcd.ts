import type { FaultPlan, PluginContext } from './plugin.js';
import type { EtcdMember, EtcdSnapshot } from '../targets/target.js';
import { formatDuration } from './duration.js';
import { MissingDependencyError, TimeoutError } from '../errors.js';

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

/** Where the membership before the fault is kept for the drill's later steps. */
export function membershipKey(cluster: string): string {
  return `etcdMembership:${cluster}`;
}

/** The membership a fault's plan recorded (and so the journal holds), if it recorded one. */
export function plannedMembership(plan: FaultPlan): EtcdMember[] | undefined {
  const m = plan.data?.['membership'];
  return Array.isArray(m) ? (m as EtcdMember[]) : undefined;
}

/** Keep the membership a fault recorded where later steps of the drill find it. */
export function rememberMembership(ctx: PluginContext, membership: EtcdMember[] | undefined): void {
  if (membership && membership.length > 0) ctx.state.values.set(membershipKey(ctx.cluster), membership);
}

/**
 * `member list`, or, when no member answers it (every member down, D4c), the membership recorded in the
 * journal before the fault: what an SRE reads from the etcd manifests on the hosts instead. Throws what
 * `member list` threw when nothing was recorded.
 */
export async function membersOrRemembered(
  ctx: PluginContext,
  plan?: FaultPlan,
): Promise<{ members: EtcdMember[]; remembered: boolean }> {
  try {
    return { members: await ctx.etcd.members(), remembered: false };
  } catch (err) {
    // A missing etcdctl or etcdutl is not "no member answers": it must stop the drill.
    if (err instanceof MissingDependencyError) throw err;
    const kept =
      (plan ? plannedMembership(plan) : undefined) ??
      (ctx.state.values.get(membershipKey(ctx.cluster)) as EtcdMember[] | undefined);
    if (!kept || kept.length === 0) throw err;
    ctx.note(
      `no etcd member answers \`member list\`; using the membership recorded in the journal before the fault (${kept.map((m) => m.name).join(', ')})`,
    );
    return { members: kept, remembered: true };
  }
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
