import type { PluginContext } from '../../engine/plugin.js';
import type { EtcdSnapshot } from '../../targets/target.js';

/** The runbook's etcdctl prefix, certificates abbreviated. */
export const ETCDCTL = 'ETCDCTL_API=3 etcdctl --endpoints https://<node-ip>:2379 --cacert /etc/kubernetes/<cluster>/pki/etcd/ca.crt --cert .../apiserver-etcd-client.crt --key .../apiserver-etcd-client.key';

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
