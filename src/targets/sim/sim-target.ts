import { RealClock, VirtualClock, type Clock } from '../../engine/clock.js';
import { WatchTracker } from '../../engine/watch-tracker.js';
import { createKube } from '../../kube/client.js';
import type { Kube } from '../../kube/kube.js';
import { InvalidInputError } from '../../errors.js';
import { DEFAULT_PARAMS, type SimParams } from '../../sim/params.js';
import { Simulator } from '../../sim/simulator.js';
import { defaultTopology } from '../../sim/topology/default-topology.js';
import type { Topology } from '../../sim/topology/types.js';
import type { TrackedResource } from '../../engine/resources.js';
import { ActionLog, type EtcdOps, type NodeOps, type Target } from '../target.js';
import { recordingEtcdOps, recordingNodeOps } from './recording.js';

export interface SimTargetOptions {
  seed: number;
  dryRun?: boolean;
  topology?: Topology;
  params?: SimParams;
  /** virtual (default): drills run in milliseconds; real: wall-clock time, N times faster with `speed`. */
  clock?: 'virtual' | 'real';
  speed?: number;
  /** Skip waiting for the platform to come up (tests that want to watch it happen). */
  settle?: boolean;
  /**
   * real: these clusters' objects live in a real 3-member etcd on loopback (Debian etcd-server), and their
   * etcd operations are the runbook's real etcdctl commands. Runs on the real clock.
   */
  etcd?: 'sim' | 'real';
  /** Clusters backed by real etcd in `etcd: 'real'` mode. Default: the topology's first cluster. */
  etcdClusters?: string[];
  /**
   * Serve HTTPS, for a kubectl pointed at this process's simulator (kubectl sends the token only over TLS).
   * Default: plain HTTP, which the in-process clients need; the token guards it either way.
   */
  tls?: boolean;
  /** Told of the real etcd's processes and directories as they are created (the drill's journal records them). */
  onResource?: (r: TrackedResource) => void;
}

/** Simulated minutes to bring the platform up before a real-time drill: done at this speed. */
const SETTLE_SPEED = 50;

/**
 * The embedded simulator as a Target: the same client-node code talks to it over loopback HTTP as to kind,
 * and its node and etcd operations act on the simulated hosts.
 */
export class SimTarget implements Target {
  readonly kind = 'sim' as const;
  readonly actions = new ActionLog();
  private readonly kubes = new Map<string, Kube>();
  private readonly nodeOps = new Map<string, NodeOps>();
  private readonly etcdOps = new Map<string, EtcdOps>();

  private constructor(
    readonly sim: Simulator,
    readonly clock: Clock,
    private readonly tracker: WatchTracker | undefined,
    private readonly dryRun: boolean,
  ) {}

  static async create(o: SimTargetOptions): Promise<SimTarget> {
    const realEtcd = o.etcd === 'real';
    // On a real clock the platform comes up fast, then runs at the speed asked for (people are watching).
    const clock: Clock =
      realEtcd || o.clock === 'real' ? new RealClock(Math.max(SETTLE_SPEED, o.speed ?? 1)) : new VirtualClock();
    const tracker = clock.mode === 'virtual' ? new WatchTracker(clock) : undefined;
    const sim = await Simulator.start({
      topology: o.topology ?? defaultTopology(),
      params: o.params ?? DEFAULT_PARAMS,
      clock,
      seed: o.seed,
      serve: true,
      ...(o.tls ? { tls: true } : {}),
      ...(tracker ? { tracker } : {}),
    });
    const target = new SimTarget(sim, clock, tracker, o.dryRun ?? false);
    try {
      if (o.settle !== false || realEtcd) await sim.settle();
      if (realEtcd) {
        for (const name of o.etcdClusters ?? [target.clusters()[0]!]) await target.backWithRealEtcd(name, o.onResource);
      }
      if (clock instanceof RealClock) clock.setSpeed(o.speed ?? 1);
    } catch (err) {
      await target.close();
      throw err;
    }
    return target;
  }

  private readonly closers: (() => Promise<void>)[] = [];

  private async backWithRealEtcd(cluster: string, onResource?: (r: TrackedResource) => void): Promise<void> {
    this.check(cluster);
    const { startEtcdBackedSim } = await import('../../sim/etcd-backed/etcd-backed-sim.js');
    const record = (text: string): void =>
      this.actions.record({ at: this.clock.now(), cluster, kind: 'command', text, dryRun: this.dryRun });
    const backed = await startEtcdBackedSim(this.sim.cluster(cluster).ctx.store, {
      onCommand: record,
      ...(onResource ? { cluster: { onResource } } : {}),
    });
    this.closers.push(() => backed.close());
    this.sim.cluster(cluster).etcdOps = backed.etcdOps;
  }

  clusters(): string[] {
    return [...this.sim.clusters.keys()];
  }

  private check(cluster: string): void {
    if (!this.sim.clusters.has(cluster)) {
      throw new InvalidInputError(`The simulator has no cluster "${cluster}"; it has: ${this.clusters().join(', ')}.`);
    }
  }

  kube(cluster: string): Kube {
    this.check(cluster);
    let k = this.kubes.get(cluster);
    if (!k) {
      k = createKube({
        cluster,
        config: this.sim.kubeConfig(cluster),
        clock: this.clock,
        actions: this.actions,
        dryRun: this.dryRun,
        tracker: this.tracker,
      });
      this.kubes.set(cluster, k);
    }
    return k;
  }

  nodes(cluster: string): NodeOps {
    this.check(cluster);
    let n = this.nodeOps.get(cluster);
    if (!n) {
      n = recordingNodeOps(this.sim.cluster(cluster).hosts.ops(), {
        cluster,
        clock: this.clock,
        actions: this.actions,
        dryRun: this.dryRun,
      });
      this.nodeOps.set(cluster, n);
    }
    return n;
  }

  etcd(cluster: string): EtcdOps {
    this.check(cluster);
    let e = this.etcdOps.get(cluster);
    if (!e) {
      e = recordingEtcdOps(this.sim.cluster(cluster).etcdOps, {
        cluster,
        clock: this.clock,
        actions: this.actions,
        dryRun: this.dryRun,
      });
      this.etcdOps.set(cluster, e);
    }
    return e;
  }

  /** API requests served so far, per cluster (the runner-cost benchmark). */
  requestCounts(): Record<string, number> {
    return Object.fromEntries([...this.sim.clusters.values()].map((c) => [c.name, c.server?.requestCount ?? 0]));
  }

  async close(): Promise<void> {
    for (const k of this.kubes.values()) k.close();
    this.kubes.clear();
    for (const c of this.closers.splice(0)) await c().catch(() => undefined);
    await this.sim.close();
  }
}
