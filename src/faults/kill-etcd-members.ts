import type { Fault, FaultPlan, PluginContext } from '../kit/plugin.js';
import { resolveMembers, type MemberSelector } from '../kit/selectors.js';
import { membersInWords } from '../kit/describe.js';
import { membersOrRemembered, plannedMembership, pushSnapshot, rememberMembership } from '../kit/etcd.js';
import { membersParam, paramsSchema } from '../kit/schema.js';

export interface KillEtcdMembersParams {
  members?: MemberSelector;
  how?: 'kill' | 'stop' | 'pause';
  snapshot?: boolean;
}

const DEFAULT_MEMBERS: MemberSelector = { count: 1 };
const HOW = { kill: 'SIGKILL', stop: 'a graceful stop', pause: 'SIGSTOP (a hung member)' } as const;

/** D4: etcd members down; with two of three gone the cluster loses quorum and refuses writes. */
export const killEtcdMembers: Fault<KillEtcdMembersParams> = {
  name: 'kill-etcd-members',
  summary: 'Kill, stop or freeze etcd members (D4); revert starts the ones that are still members of the cluster.',
  needs: ['etcd'],
  params: paramsSchema({
    members: membersParam('The members to take down. Default: one, picked with the run seed.'),
    how: {
      enum: ['kill', 'stop', 'pause'],
      description: 'kill: SIGKILL (default); stop: graceful; pause: SIGSTOP, a hung member.',
    },
    snapshot: {
      type: 'boolean',
      description:
        'Take an etcd snapshot first, as the runbook demands before any change; restore steps use it. Default true.',
    },
  }),
  async plan(ctx: PluginContext, p: KillEtcdMembersParams): Promise<FaultPlan> {
    const members = await resolveMembers(ctx, p.members ?? DEFAULT_MEMBERS);
    // The membership goes into the journal with the plan: once every member is down nothing answers
    // `member list`, and the revert (maybe in another process, `gameday rollback`) and the restore need it.
    const membership = await ctx.etcd.members();
    return { members, data: { how: p.how ?? 'kill', membership } };
  },
  async inject(ctx, p, plan) {
    rememberMembership(ctx, plannedMembership(plan));
    if (p.snapshot !== false) {
      const snap = await ctx.etcd.snapshotSave('before-fault');
      pushSnapshot(ctx, snap);
      ctx.note(`etcd snapshot ${snap.path} at revision ${snap.revision} before the fault`);
    }
    const running = new Set(await ctx.etcd.running());
    // All at once, as a shared failure takes them: one after the other, on a kind cluster where each docker
    // exec takes a second, quorum went a member at a time over half a minute. A member already down stays
    // down: killing it twice would be an error on a real host.
    const targets = (plan.members ?? []).filter((m) => running.has(m) || p.how === 'pause');
    const results = await Promise.allSettled(targets.map((m) => ctx.etcd.stopMember(m, p.how ?? 'kill')));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  },
  async revert(ctx, p, plan) {
    const before = plannedMembership(plan);
    rememberMembership(ctx, before);
    // After a restore the old members were removed from the new cluster: starting them would split it.
    // A member migrated to another host (same name, another peer URL) must not start on the old one either.
    // When no member answers (all down), the membership is the one recorded before the fault.
    const current = (await membersOrRemembered(ctx, plan)).members;
    const running = new Set(await ctx.etcd.running());
    const inPlace = (m: string): boolean => {
      const now = current.find((x) => x.name === m);
      const was = before?.find((x) => x.name === m);
      return now !== undefined && !(was?.peerURL && now.peerURL && was.peerURL !== now.peerURL);
    };
    const gone = (plan.members ?? []).filter((m) => !inPlace(m));
    if (gone.length > 0) {
      ctx.note(
        `etcd member${gone.length === 1 ? '' : 's'} ${gone.join(', ')} no longer in the cluster where ${gone.length === 1 ? 'it was' : 'they were'} (removed, replaced or moved by recovery); not restarting ${gone.length === 1 ? 'it' : 'them'}`,
      );
    }
    for (const m of plan.members ?? []) {
      // A paused member may count as running; resuming it is what startMember does for it.
      if (inPlace(m) && (!running.has(m) || (p.how ?? plan.data?.['how']) === 'pause')) await ctx.etcd.startMember(m);
    }
  },
  describe: (p) => {
    const how = p.how ?? 'kill';
    const cmd =
      how === 'pause'
        ? '`docker pause <etcd container>`'
        : how === 'stop'
          ? '`mv /etc/kubernetes/manifests/etcd.yaml /etc/kubernetes/`'
          : '`kill -9 $(pidof etcd)`';
    const first = p.snapshot !== false ? '`etcdctl snapshot save before-fault.db`, then ' : '';
    return `${first ? 'Snapshot etcd, then take' : 'Take'} down ${membersInWords(p.members, DEFAULT_MEMBERS)} with ${HOW[how]}: ${first}${cmd} on each member's host.`;
  },
};
