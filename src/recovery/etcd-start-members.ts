import type { RecoveryStep } from '../kit/plugin.js';
import { resolveMembers, type MemberSelector } from '../kit/selectors.js';
import { membersInWords } from '../kit/describe.js';
import { membersParam, paramsSchema } from '../kit/schema.js';

export interface EtcdStartMembersParams {
  members?: MemberSelector;
}

const FROM_FAULTS: MemberSelector = { from: 'faults' };

/**
 * D4 "start the stopped member": its static-pod manifest goes back into /etc/kubernetes/manifests and the
 * kubelet starts it with its data. A member already running is left alone (etcd-restart-members restarts it).
 */
export const etcdStartMembers: RecoveryStep<EtcdStartMembersParams> = {
  name: 'etcd-start-members',
  needs: ['etcd'],
  summary:
    'Start stopped etcd members by name, with their data (their static-pod manifest moved back); running members are left alone.',
  params: paramsSchema({
    members: membersParam(
      'The members, e.g. {"names": ["10.128.38.2"]} as `etcdctl member list` names them. Default: the members the faults hit.',
    ),
  }),
  async run(ctx, p) {
    const names = await resolveMembers(ctx, p.members ?? FROM_FAULTS);
    const running = new Set(await ctx.etcd.running());
    for (const m of names) {
      if (running.has(m)) ctx.note(`etcd member ${m} is already running; left alone`);
      else await ctx.etcd.startMember(m);
    }
  },
  describe: (p) =>
    `Start ${membersInWords(p.members, FROM_FAULTS)}: on each member's host \`mv /etc/kubernetes/etcd.yaml /etc/kubernetes/manifests/\` (the kubelet starts it with its data), then \`etcdctl endpoint health --cluster\`.`,
};
