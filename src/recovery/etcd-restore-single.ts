import { InvalidInputError } from '../errors.js';
import type { PluginContext, RecoveryStep } from '../kit/plugin.js';
import { ETCDCTL, latestSnapshot, membersBeforeKey, membersOrRemembered, untilEtcdHealthy } from '../kit/etcd.js';
import type { EtcdMember } from '../targets/target.js';
import { paramsSchema } from '../kit/schema.js';

export interface EtcdRestoreSingleParams {
  member?: string;
  skipHashCheck?: boolean;
}

/** The member to restore onto: the one named, else a survivor the faults did not hit, else the first by name. */
export async function restoreTarget(
  ctx: PluginContext,
  p: EtcdRestoreSingleParams,
  membership?: readonly EtcdMember[],
): Promise<string> {
  const members = (membership ?? (await membersOrRemembered(ctx)).members).map((m) => m.name).sort();
  if (p.member) {
    if (!members.includes(p.member))
      throw new InvalidInputError(
        `${ctx.cluster}: no etcd member named ${p.member}; members are: ${members.join(', ')}.`,
      );
    return p.member;
  }
  const hit = new Set(ctx.state.affectedMembers.get(ctx.cluster) ?? []);
  const running = new Set(await ctx.etcd.running());
  const survivor = members.find((m) => !hit.has(m) && running.has(m)) ?? members.find((m) => !hit.has(m)) ?? members[0];
  if (!survivor) throw new InvalidInputError(`${ctx.cluster}: etcd has no member to restore onto.`);
  return survivor;
}

/** D4b/D4c: a new one-member cluster from the latest snapshot, on a surviving member's host. */
export const etcdRestoreSingle: RecoveryStep<EtcdRestoreSingleParams> = {
  name: 'etcd-restore-single',
  summary:
    'Restore etcd as a new single-member cluster from the latest snapshot, on a surviving member (etcdctl snapshot restore).',
  needs: ['etcd'],
  params: paramsSchema({
    member: {
      type: 'string',
      minLength: 1,
      description:
        'The member whose host gets the restored cluster. Default: a survivor the faults did not hit, else the first by name.',
    },
    skipHashCheck: {
      type: 'boolean',
      description:
        "Restore with --skip-hash-check, for a file that did not come from `snapshot save` (a member's copied db file has no integrity hash). Default false: the snapshot's hash is checked.",
    },
  }),
  async impact(ctx) {
    // The runbook's restore stops every member first. With quorum already lost the survivors serve nothing
    // (no write commits, no read is answered): stopping them takes nothing more down. With quorum, it takes
    // down the whole cluster, and loses what was written since the snapshot.
    let members: string[];
    let healthy: number;
    try {
      members = (await ctx.etcd.members()).map((m) => m.name);
      healthy = (await ctx.etcd.health()).filter((h) => h.healthy).length;
    } catch {
      // No member answers: nothing is up to take down.
      return undefined;
    }
    return healthy < Math.floor(members.length / 2) + 1 ? undefined : { members };
  },
  async run(ctx, p) {
    const snap = latestSnapshot(ctx);
    if (!snap) {
      throw new InvalidInputError(
        `${ctx.cluster}: etcd-restore-single needs a snapshot: take one with an etcd-snapshot step, or let kill-etcd-members take it before the fault ("snapshot": true).`,
      );
    }
    // With every member down (D4c) nothing answers `member list`: the membership recorded before the fault.
    const { members: before } = await membersOrRemembered(ctx);
    const member = await restoreTarget(ctx, p, before);
    ctx.state.values.set(
      membersBeforeKey(ctx.cluster),
      before.map((m) => ({ name: m.name, node: m.node })),
    );
    await ctx.etcd.restoreSingle(member, snap, { skipHashCheck: p.skipHashCheck === true, membership: before });
    await untilEtcdHealthy(ctx, `the restore onto ${member}`);
    ctx.note(`etcd restored onto ${member} from ${snap.path} (revision ${snap.revision})`);
  },
  describe: (p) => {
    const m = p.member ?? '<survivor>';
    return `Restore etcd as a single member on ${m}'s host from the latest snapshot, as etcd's disaster-recovery guide and Kubernetes' do: stop every kube-apiserver (\`mv /etc/kubernetes/manifests/kube-apiserver.yaml /etc/kubernetes/\`), \`mv /etc/kubernetes/manifests/etcd.yaml /etc/kubernetes/\` on every member, \`mv /var/lib/etcd /var/lib/etcd-bak\`, \`etcdutl snapshot restore snapshot.db --name ${m} --initial-cluster ${m}=<its peer URL> --initial-advertise-peer-urls <its peer URL> --data-dir /var/lib/etcd${p.skipHashCheck ? ' --skip-hash-check' : ''}\` (etcdctl on etcd 3.4), move its manifest back, point every kube-apiserver's --etcd-servers at it and start them, restart kube-controller-manager and kube-scheduler, then \`${ETCDCTL} endpoint health --cluster\`.`;
  },
};
