import { homedir } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { RealClock, type Clock } from '../../engine/clock.js';
import { InvalidInputError } from '../../errors.js';
import { createKube } from '../../kube/client.js';
import type { Kube } from '../../kube/kube.js';
import { CommandRunner, type Exec } from '../common/command-runner.js';
import { ContextNotAllowedError } from '../common/errors.js';
import { RunbookEtcdOps } from '../common/runbook-etcd.js';
import { ActionLog, type EtcdOps, type NodeOps, type Target } from '../target.js';
import { describeDestruction } from './describe.js';
import { LabEtcdHost } from './lab-etcd-host.js';
import { LabHosts } from './lab-hosts.js';
import { LabNodeOps } from './lab-node-ops.js';
import { checkLabProfile, loadLabProfile, type LabCluster, type LabProfile } from './profile.js';

/** Options of `createLabTarget`. */
export interface LabTargetOptions {
  /** The lab profile: a file path (validated against schemas/lab-profile.schema.json) or a parsed profile. */
  profile: string | LabProfile;
  /**
   * A kubeconfig context (`--context`). It must be one of the profile's clusters' contexts, or nothing is
   * touched; it selects that cluster. Without it, every cluster of the profile is reachable.
   */
  context?: string | undefined;
  /** A kubeconfig file overriding the profile's (`--kubeconfig`); the profile's contexts still apply. */
  kubeconfig?: string | undefined;
  /** Record every command and write, run only the read-only ones needed to plan. Default false. */
  dryRun?: boolean | undefined;
  /** Default: a RealClock. */
  clock?: Clock | undefined;
  /** Default: a new ActionLog. */
  actions?: ActionLog | undefined;
  /** Time limit of one ssh/etcdctl command. Default 60 s. */
  commandTimeoutMs?: number | undefined;
  /** For tests: how commands run (default: execa) and how the Kube client is made (default: createKube). */
  exec?: Exec | undefined;
  makeKube?: ((o: Parameters<typeof createKube>[0]) => Kube) | undefined;
}

function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? homedir() + path.slice(1) : path;
}

/**
 * A real cluster from a kubeconfig, its hosts reached over ssh with the command templates of a lab
 * profile. Only the profile's contexts are ever used.
 */
export class LabTarget implements Target {
  readonly kind = 'lab' as const;
  readonly clock: Clock;
  readonly actions: ActionLog;
  private readonly kubes = new Map<string, Kube>();
  private readonly ops = new Map<string, { nodes: LabNodeOps; etcd?: EtcdOps; hosts: LabHosts }>();
  private readonly runner: CommandRunner;

  constructor(
    readonly profile: LabProfile,
    /** The clusters this run may touch (one when a context was given). */
    readonly selected: readonly LabCluster[],
    private readonly o: LabTargetOptions & { clock: Clock; actions: ActionLog },
  ) {
    this.clock = o.clock;
    this.actions = o.actions;
    this.runner = new CommandRunner({
      cluster: selected[0]?.name ?? '',
      clock: o.clock,
      actions: o.actions,
      dryRun: o.dryRun === true,
      exec: o.exec,
      timeoutMs: o.commandTimeoutMs,
    });
  }

  clusters(): string[] {
    return this.selected.map((c) => c.name);
  }

  private cluster(name: string): LabCluster {
    const c = this.selected.find((x) => x.name === name);
    if (!c) {
      throw new InvalidInputError(
        `Cluster "${name}" is not one this lab run may touch (${this.clusters().join(', ')}).`,
      );
    }
    return c;
  }

  kube(name: string): Kube {
    const c = this.cluster(name);
    let kube = this.kubes.get(name);
    if (!kube) {
      const config = new KubeConfig();
      const file = this.o.kubeconfig ?? c.kubeconfig;
      if (file) config.loadFromFile(expandHome(file));
      else config.loadFromDefault();
      if (!config.getContextObject(c.context)) {
        throw new InvalidInputError(
          `The kubeconfig${file ? ` ${file}` : ''} has no context "${c.context}" (the lab profile's context for cluster "${c.name}").`,
        );
      }
      config.setCurrentContext(c.context);
      kube = (this.o.makeKube ?? createKube)({
        cluster: c.name,
        config,
        clock: this.clock,
        actions: this.actions,
        dryRun: this.o.dryRun === true,
      });
      this.kubes.set(name, kube);
    }
    return kube;
  }

  private opsFor(name: string) {
    const c = this.cluster(name);
    let ops = this.ops.get(name);
    if (!ops) {
      const hosts = new LabHosts(this.profile, c, this.runner.forCluster(c.name));
      const nodes = new LabNodeOps(hosts);
      ops = { hosts, nodes, ...(c.etcd ? { etcd: new RunbookEtcdOps(new LabEtcdHost(hosts, c.etcd, nodes)) } : {}) };
      this.ops.set(name, ops);
    }
    return ops;
  }

  nodes(cluster: string): NodeOps {
    return this.opsFor(cluster).nodes;
  }

  etcd(cluster: string): EtcdOps {
    const etcd = this.opsFor(cluster).etcd;
    if (!etcd) {
      throw new InvalidInputError(
        `The lab profile${this.profile.file ? ` ${this.profile.file}` : ''} has no "etcd" section for cluster "${cluster}": etcd drills need its endpoints, certificates and nodes.`,
      );
    }
    return etcd;
  }

  /** What this target may do to which hosts, in words, for the CLI to show before a destructive drill. */
  describeDestruction(): string {
    return describeDestruction(this.profile, this.clusters());
  }

  close(): Promise<void> {
    for (const k of this.kubes.values()) k.close();
    return Promise.resolve();
  }
}

/**
 * Load and check the profile, and refuse a context it does not allow-list BEFORE anything is touched: no
 * command runs and no API call is made until the context is known to be allowed.
 */
export function createLabTarget(options: LabTargetOptions): LabTarget {
  const profile =
    typeof options.profile === 'string'
      ? loadLabProfile(options.profile)
      : checkLabProfile(options.profile, options.profile.file ?? 'lab profile');
  let selected = profile.clusters;
  if (options.context !== undefined) {
    selected = profile.clusters.filter((c) => c.context === options.context);
    if (selected.length === 0) {
      throw new ContextNotAllowedError(
        `Refusing kubeconfig context "${options.context}": the lab profile${profile.file ? ` ${profile.file}` : ''} allows only ` +
          `${profile.clusters.map((c) => `"${c.context}" (cluster ${c.name})`).join(', ')}. Nothing was touched.`,
      );
    }
  }
  return new LabTarget(profile, selected, {
    ...options,
    clock: options.clock ?? new RealClock(),
    actions: options.actions ?? new ActionLog(),
  });
}
