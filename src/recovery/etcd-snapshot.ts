import type { RecoveryStep } from '../kit/plugin.js';
import { ETCDCTL, pushSnapshot } from '../kit/etcd.js';
import { paramsSchema } from '../kit/schema.js';

export interface EtcdSnapshotParams {
  label?: string;
}

/** D4: "before any change, take a snapshot". */
export const etcdSnapshot: RecoveryStep<EtcdSnapshotParams> = {
  name: 'etcd-snapshot',
  summary: 'Take an etcd snapshot (etcdctl snapshot save); later restore steps use the latest one.',
  needs: ['etcd'],
  params: paramsSchema({
    label: { type: 'string', pattern: '^[A-Za-z0-9._-]+$', description: 'A label for the snapshot file name.' },
  }),
  async run(ctx, p) {
    const snap = await ctx.etcd.snapshotSave(p.label);
    pushSnapshot(ctx, snap);
    ctx.note(`etcd snapshot ${snap.path} at revision ${snap.revision} (${snap.keys} keys)`);
  },
  describe: (p) => `Take an etcd snapshot: \`${ETCDCTL} snapshot save ${p.label ?? 'snapshot'}.db\`.`,
};
