import type { RecoveryStep } from '../kit/plugin.js';
import { paramsSchema } from '../kit/schema.js';

export interface EtcdPointApiserverParams {
  members?: string[];
}

/** D4b/D4c: kube-apiserver's --etcd-servers must name the restored member(s). */
export const etcdPointApiserver: RecoveryStep<EtcdPointApiserverParams> = {
  name: 'etcd-point-apiserver',
  summary: "Point kube-apiserver's --etcd-servers at the etcd members (after a restore).",
  needs: ['etcd'],
  params: paramsSchema({
    members: {
      type: 'array',
      items: { type: 'string', minLength: 1 },
      minItems: 1,
      description: 'Member names. Default: every current member.',
    },
  }),
  async run(ctx, p) {
    const names = p.members ?? (await ctx.etcd.members()).map((m) => m.name);
    await ctx.etcd.pointApiserver(names);
  },
  describe: (p) =>
    `Point kube-apiserver at ${p.members ? p.members.join(', ') : 'the current etcd members'}: edit /etc/kubernetes/manifests/kube-apiserver.yaml on each master, \`--etcd-servers=https://<node-ip>:2379\`.`,
};
