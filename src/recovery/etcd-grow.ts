import type { PluginContext, RecoveryStep } from '../kit/plugin.js';
import { isMaster } from '../kit/selectors.js';
import { ETCDCTL, membersBeforeKey, untilEtcdHealthy } from '../kit/etcd.js';
import { paramsSchema } from '../kit/schema.js';

export interface EtcdGrowParams {
  size?: number;
}

interface Slot {
  name: string;
  node: string | undefined;
}

/** Names and hosts for the members to add: first the ones the restore replaced, then free masters. */
export async function growPlan(ctx: PluginContext, size: number): Promise<Slot[]> {
  const members = await ctx.etcd.members();
  const missing = size - members.length;
  if (missing <= 0) return [];
  const taken = new Set(members.map((m) => m.name));
  const usedNodes = new Set(members.flatMap((m) => (m.node ? [m.node] : [])));
  const slots: Slot[] = [];
  const before =
    (ctx.state.values.get(membersBeforeKey(ctx.cluster)) as { name: string; node?: string }[] | undefined) ?? [];
  for (const m of before) {
    if (slots.length >= missing) break;
    if (taken.has(m.name) || (m.node && usedNodes.has(m.node))) continue;
    slots.push({ name: m.name, node: m.node });
    taken.add(m.name);
    if (m.node) usedNodes.add(m.node);
  }
  if (slots.length < missing) {
    const { items } = await ctx.kube.list('nodes');
    const masters = items
      .filter(isMaster)
      .map((n) => n.metadata.name)
      .sort();
    for (const node of masters) {
      if (slots.length >= missing) break;
      if (usedNodes.has(node)) continue;
      usedNodes.add(node);
      slots.push({ name: freeName(taken, `etcd-${node}`), node });
    }
  }
  for (let i = 1; slots.length < missing; i++)
    slots.push({ name: freeName(taken, `etcd${members.length + slots.length + i}`), node: undefined });
  return slots;
}

function freeName(taken: Set<string>, base: string): string {
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
}

/** D4b/D4c after the single-member restore: add members back one at a time. */
export const etcdGrow: RecoveryStep<EtcdGrowParams> = {
  name: 'etcd-grow',
  summary:
    'Grow etcd back to N members, one member add (as a learner, then promoted) at a time (default 3), on the hosts the restore left; then point kube-apiserver at all of them.',
  needs: ['etcd'],
  params: paramsSchema({
    size: { type: 'integer', minimum: 1, maximum: 9, description: 'Members wanted (etcd runs 1 to 9). Default 3.' },
  }),
  async run(ctx, p) {
    const slots = await growPlan(ctx, p.size ?? 3);
    for (const slot of slots) {
      const added = await ctx.etcd.memberAdd(slot.name, slot.node);
      await untilEtcdHealthy(ctx, `member add ${added.name}`);
      ctx.note(`etcd member ${added.name} added${added.node ? ` on ${added.node}` : ''}`);
    }
    if (slots.length === 0) return;
    // After a restore every kube-apiserver was pointed at the one restored member: spread them over all
    // members again, or the API goes down with that one member.
    const names = (await ctx.etcd.members()).map((m) => m.name);
    await ctx.etcd.pointApiserver(names);
    ctx.note(`kube-apiserver --etcd-servers now names all ${names.length} members`);
  },
  describe: (p) =>
    `Grow etcd back to ${p.size ?? 3} members, one at a time: \`${ETCDCTL} member add <name> --peer-urls=https://<node-ip>:2380 --learner\`, start it with ETCD_INITIAL_CLUSTER_STATE=existing and the new member list, \`member promote <id>\` once it caught up; then point kube-apiserver's --etcd-servers at all members (edit /etc/kubernetes/manifests/kube-apiserver.yaml on each master).`,
};
