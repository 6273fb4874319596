import type { RecoveryStep } from '../kit/plugin.js';
import { resolveMembers, type MemberSelector } from '../kit/selectors.js';
import { membersInWords } from '../kit/describe.js';
import { membersParam, paramsSchema } from '../kit/schema.js';
import { StepChoice } from '../kit/step-choice.js';

export interface EtcdRestartMembersParams {
  members?: MemberSelector;
}

const FROM_FAULTS: MemberSelector = { from: 'faults' };
const choice = new StepChoice<string[]>();

/** D4a/D4b "first try to restart the members in place": the manifest moved out and back. */
export const etcdRestartMembers: RecoveryStep<EtcdRestartMembersParams> = {
  name: 'etcd-restart-members',
  summary: 'Restart etcd members in place with their data (their static-pod manifest moved out and back).',
  needs: ['etcd'],
  params: paramsSchema({ members: membersParam('The members. Default: the members the faults hit.') }),
  async impact(ctx, p) {
    // Restarting a member that runs takes it down for a moment.
    return { members: await choice.get(p, () => resolveMembers(ctx, p.members ?? FROM_FAULTS)) };
  },
  async run(ctx, p) {
    const names = await choice.take(p, () => resolveMembers(ctx, p.members ?? FROM_FAULTS));
    const running = new Set(await ctx.etcd.running());
    for (const m of names) {
      if (running.has(m)) ctx.note(`etcd member ${m} is already running`);
      await ctx.etcd.startMember(m);
    }
  },
  describe: (p) =>
    `Restart ${membersInWords(p.members, FROM_FAULTS)} in place: on each member's host \`mv /etc/kubernetes/manifests/etcd.yaml /etc/kubernetes/\` and back, then \`etcdctl endpoint health --cluster\`.`,
};
