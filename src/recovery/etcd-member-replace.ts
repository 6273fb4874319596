import { InvalidInputError } from '../errors.js';
import type { RecoveryStep } from '../kit/plugin.js';
import { resolveMembers, type MemberSelector } from '../kit/selectors.js';
import { membersInWords } from '../kit/describe.js';
import { ETCDCTL } from '../kit/etcd.js';
import { membersParam, paramsSchema } from '../kit/schema.js';
import { StepChoice } from '../kit/step-choice.js';

export interface EtcdMemberReplaceParams {
  members?: MemberSelector;
  node?: string;
}

const FROM_FAULTS: MemberSelector = { from: 'faults' };
const choice = new StepChoice<string[]>();

/** D4a "migrate the member": member remove, member add, start it with initial-cluster-state=existing. */
export const etcdMemberReplace: RecoveryStep<EtcdMemberReplaceParams> = {
  name: 'etcd-member-replace',
  summary:
    'Replace etcd members: member remove, then member add and start a fresh member (initial-cluster-state=existing).',
  needs: ['etcd'],
  params: paramsSchema({
    members: membersParam('The members to replace. Default: the members the faults hit.'),
    node: {
      type: 'string',
      minLength: 1,
      description: 'Host for the new member (one member only). Default: the host of the member it replaces.',
    },
  }),
  async check(ctx, p) {
    if (p.node === undefined || (await ctx.kube.get('nodes', p.node))) return;
    const { items } = await ctx.kube.list('nodes');
    throw new InvalidInputError(
      `${ctx.cluster}: no node named ${p.node} to move the member to; nodes are: ${items.map((n) => n.metadata.name).join(', ')}.`,
    );
  },
  async impact(ctx, p) {
    return { members: await choice.get(p, () => resolveMembers(ctx, p.members ?? FROM_FAULTS)) };
  },
  async run(ctx, p) {
    const names = await choice.take(p, () => resolveMembers(ctx, p.members ?? FROM_FAULTS));
    // One at a time: each replacement must rejoin before the next removal, or quorum could be lost.
    for (const name of names) {
      const old = (await ctx.etcd.members()).find((m) => m.name === name);
      if (old) await ctx.etcd.memberRemove(name);
      // The runbook's 1.8: the other members' --initial-cluster then names the new member list.
      const added = await ctx.etcd.memberAdd(name, p.node ?? old?.node, { updatePeers: true });
      ctx.note(`etcd member ${name} replaced (new id ${added.id}${added.node ? ` on ${added.node}` : ''})`);
    }
  },
  describe: (p) =>
    `Replace ${membersInWords(p.members, FROM_FAULTS)}: \`${ETCDCTL} member remove <id>\`, \`${ETCDCTL} member add <name> --peer-urls=https://<node-ip>:2380\`, on a new host issue its etcd peer and server certificates from the etcd CA (openssl), put the manifest with ETCD_INITIAL_CLUSTER_STATE=existing in /etc/kubernetes/manifests${p.node ? ` on ${p.node}` : ''}, then update the other members' ETCD_INITIAL_CLUSTER one at a time, waiting for each to be healthy.`,
};
