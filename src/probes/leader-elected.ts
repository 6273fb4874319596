import type { Probe, Timer } from '../kit/plugin.js';
import type { KubeObject } from '../kube/objects.js';
import { caches, watchHandle } from '../kit/probe.js';
import { paramsSchema } from '../kit/schema.js';

export interface LeaderElectedParams {
  component: 'kube-controller-manager' | 'kube-scheduler';
}

/** Leader election's default lease duration, used when the Lease does not say. */
const DEFAULT_LEASE_SECONDS = 15;

/** When the holder's lease runs out, in ms on the cluster's clock; undefined when nobody holds it. */
export function leaseExpiry(lease: KubeObject | undefined): { holder: string; expiresAt: number } | undefined {
  const holder = lease?.spec?.holderIdentity as string | undefined;
  const renew = Date.parse((lease?.spec?.renewTime ?? lease?.spec?.acquireTime ?? '') as string);
  if (!holder || Number.isNaN(renew)) return undefined;
  const seconds = Number(lease?.spec?.leaseDurationSeconds ?? DEFAULT_LEASE_SECONDS);
  return { holder, expiresAt: renew + seconds * 1000 };
}

/** D10 verify: controller-manager and scheduler elected a leader that keeps renewing its kube-system Lease. */
export const leaderElected: Probe<LeaderElectedParams> = {
  name: 'leader-elected',
  summary:
    'The kube-controller-manager or kube-scheduler has a leader: its kube-system Lease has a holder whose renewal is fresh.',
  mode: 'watch',
  params: paramsSchema(
    {
      component: {
        enum: ['kube-controller-manager', 'kube-scheduler'],
        description: 'The component whose leader Lease to check.',
      },
    },
    ['component'],
  ),
  async start(ctx, p) {
    const [leases] = await caches(ctx, ['leases', { namespace: 'kube-system' }]);
    // A lease goes stale without an event: wake the waiters when the current one would expire.
    let timer: Timer | undefined;
    const arm = (): void => {
      timer?.cancel();
      const e = leaseExpiry(leases!.get(p.component, 'kube-system'));
      if (e && e.expiresAt > ctx.clock.now())
        timer = ctx.clock.setTimer(
          e.expiresAt - ctx.clock.now() + 1,
          () => ctx.clock.notify(),
          `lease ${p.component} expiry`,
        );
    };
    arm();
    const off = leases!.onEvent((ev) => {
      if (ev.object.metadata.name === p.component) arm();
    });
    return watchHandle(
      () => {
        const e = leaseExpiry(leases!.get(p.component, 'kube-system'));
        if (!e) return { ok: false, observed: `no ${p.component} leader` };
        const now = ctx.clock.now();
        return e.expiresAt > now
          ? { ok: true, observed: `leader ${e.holder}` }
          : { ok: false, observed: `lease of ${e.holder} expired ${Math.round((now - e.expiresAt) / 1000)}s ago` };
      },
      () => {
        off();
        timer?.cancel();
      },
    );
  },
  describe: (p) =>
    `${p.component} has an elected leader (\`kubectl get lease ${p.component} -n kube-system\` shows a holder renewing)`,
};
