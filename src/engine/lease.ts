import { hostname } from 'node:os';
import { InfrastructureError, errorMessage } from '../errors.js';
import type { Kube } from '../kube/kube.js';
import { KubeApiError } from '../kube/errors.js';
import type { KubeObject } from '../kube/objects.js';

/**
 * Two drills on one cluster must not fight: the second would record the first's faulted state as the
 * original and "restore" it. Each drill on a cluster another process can reach holds a coordination.k8s.io
 * Lease there (through the API, so it works across processes and machines), naming its run and what its
 * faults hit; a drill whose blast radius overlaps a live lease's is refused before it changes anything.
 * The lease is renewed while the drill runs and deleted at its end; a crashed run's lease expires.
 */
export const LEASE_NAMESPACE = 'kube-system';
export const LEASE_LABEL = 'gameday.io/drill';
const RADIUS_ANNOTATION = 'gameday.io/blast-radius';
const EXPERIMENT_ANNOTATION = 'gameday.io/experiment';
export const LEASE_SECONDS = 120;
const RENEW_MS = 30_000;

/** What a drill's faults hit on one cluster: two drills overlap when they share any of it. */
export interface DrillRadius {
  nodes: string[];
  workloads: string[];
  members: string[];
  /** It hits masters or etcd: two such drills could together cost quorum, so they always overlap. */
  controlPlane: boolean;
}

interface HeldBy {
  name: string;
  holder: string;
  experiment: string;
  radius: DrillRadius;
  expires: number;
  acquired: number;
}

/** Lease names are DNS subdomains: the run id, lower-cased and cut to size. */
export function leaseName(runId: string): string {
  const clean = runId.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  return `gameday-${clean}`.slice(0, 253).replace(/-+$/, '');
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function heldBy(lease: KubeObject): HeldBy | undefined {
  const spec = (lease.spec ?? {}) as {
    holderIdentity?: string;
    renewTime?: string;
    acquireTime?: string;
    leaseDurationSeconds?: number;
  };
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? '');
  if (!spec.holderIdentity || Number.isNaN(renewed)) return undefined;
  let radius: DrillRadius = { nodes: [], workloads: [], members: [], controlPlane: false };
  try {
    radius = {
      ...radius,
      ...(JSON.parse(lease.metadata.annotations?.[RADIUS_ANNOTATION] ?? '{}') as Partial<DrillRadius>),
    };
  } catch {
    // A radius that cannot be read overlaps everything: refusing is the safe side.
    radius.controlPlane = true;
  }
  return {
    name: lease.metadata.name,
    holder: spec.holderIdentity,
    experiment: lease.metadata.annotations?.[EXPERIMENT_ANNOTATION] ?? 'another drill',
    radius,
    expires: renewed + (spec.leaseDurationSeconds ?? LEASE_SECONDS) * 1000,
    acquired: Date.parse(spec.acquireTime ?? spec.renewTime ?? '') || renewed,
  };
}

/** What two radii share, in words; empty when they do not overlap. */
export function overlap(a: DrillRadius, b: DrillRadius): string[] {
  const out: string[] = [];
  const shared = (x: string[], y: string[]): string[] => x.filter((v) => y.includes(v));
  const nodes = shared(a.nodes, b.nodes);
  const workloads = shared(a.workloads, b.workloads);
  const members = shared(a.members, b.members);
  if (nodes.length) out.push(`node(s) ${nodes.join(', ')}`);
  if (workloads.length) out.push(`workload(s) ${workloads.join(', ')}`);
  if (members.length) out.push(`etcd member(s) ${members.join(', ')}`);
  if (a.controlPlane && b.controlPlane && out.length === 0) out.push('the control plane (masters or etcd)');
  return out;
}

export class DrillLease {
  private timer: NodeJS.Timeout | undefined;
  private released = false;

  private constructor(
    private readonly kube: Kube,
    readonly name: string,
    readonly cluster: string,
  ) {}

  /**
   * Take the drill's lease on `kube`'s cluster, or refuse (nothing taken) when a live lease of another
   * drill overlaps this one's radius. Two drills starting at the same instant both see each other after
   * creating their leases: the one that acquired later (then by name) gives way.
   */
  static async acquire(
    kube: Kube,
    o: { runId: string; experiment: string; radius: DrillRadius; file: string },
  ): Promise<DrillLease> {
    const name = leaseName(o.runId);
    const conflict = async (): Promise<string | undefined> => {
      const { items } = await kube.list('leases', { namespace: LEASE_NAMESPACE, labelSelector: LEASE_LABEL });
      const now = Date.now();
      const mine = items.find((l) => l.metadata.name === name);
      const me = mine ? heldBy(mine) : undefined;
      for (const l of items) {
        if (l.metadata.name === name) continue;
        const other = heldBy(l);
        if (!other || other.expires <= now) continue;
        const shared = overlap(o.radius, other.radius);
        if (shared.length === 0) continue;
        // Both exist: only the later one gives way.
        if (me && (me.acquired < other.acquired || (me.acquired === other.acquired && me.name < other.name))) continue;
        return `${o.file}: refused before any change: drill ${other.holder} (${other.experiment}) is running on ${kube.cluster} and touches the same ${shared.join(' and ')} (its lease ${LEASE_NAMESPACE}/${other.name} expires ${new Date(other.expires).toISOString()} unless renewed). Run this drill when it has finished.`;
      }
      return undefined;
    };
    const before = await conflict();
    if (before) throw new InfrastructureError(before);
    const now = Date.now();
    await kube.create('leases', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name,
        namespace: LEASE_NAMESPACE,
        labels: { [LEASE_LABEL]: 'true', 'app.kubernetes.io/managed-by': 'gameday' },
        annotations: {
          [EXPERIMENT_ANNOTATION]: o.experiment,
          [RADIUS_ANNOTATION]: JSON.stringify(o.radius),
          'gameday.io/host': `${hostname()} pid ${process.pid}`,
        },
      },
      spec: {
        holderIdentity: o.runId,
        leaseDurationSeconds: LEASE_SECONDS,
        acquireTime: microTime(now),
        renewTime: microTime(now),
      },
    });
    const lease = new DrillLease(kube, name, kube.cluster);
    const after = await conflict().catch(() => undefined);
    if (after) {
      await lease.release();
      throw new InfrastructureError(after);
    }
    lease.timer = setInterval(() => void lease.renew(), RENEW_MS);
    lease.timer.unref();
    return lease;
  }

  /** Renewed while the drill runs; a renewal that fails (the API down in a power-loss drill) is retried. */
  private async renew(): Promise<void> {
    if (this.released) return;
    try {
      await this.kube.patch(
        'leases',
        this.name,
        { spec: { renewTime: microTime(Date.now()) } },
        { namespace: LEASE_NAMESPACE, type: 'merge' },
      );
    } catch {
      // Retried at the next interval; the lease outlives a few missed renewals.
    }
  }

  /** The drill is over: another may start. */
  async release(): Promise<void> {
    this.released = true;
    if (this.timer) clearInterval(this.timer);
    await releaseLease(this.kube, this.name);
  }
}

/** Delete a drill's lease (`gameday rollback` of a crashed run does too); gone already is fine. */
export async function releaseLease(kube: Kube, name: string): Promise<string | undefined> {
  try {
    await kube.delete('leases', name, { namespace: LEASE_NAMESPACE });
    return undefined;
  } catch (err) {
    if (err instanceof KubeApiError && err.status === 404) return undefined;
    return errorMessage(err);
  }
}
