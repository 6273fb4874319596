import { homedir } from 'node:os';
import { KubeConfig } from '@kubernetes/client-node';
import { RealClock, type Clock } from '../../engine/clock.js';
import { InvalidInputError } from '../../errors.js';
import { createKube } from '../../kube/client.js';
import type { Kube } from '../../kube/kube.js';
import { CommandRunner, type Exec } from '../common/command-runner.js';
import {
  identityDifferences,
  kubeSystemUid,
  kubeconfigIdentity,
  type ClusterIdentity,
} from '../common/cluster-identity.js';
import { ClusterIdentityError, ContextNotAllowedError } from '../common/errors.js';
import { KnownClusters, knownClusterKey } from '../common/known-clusters.js';
import { RunbookEtcdOps } from '../common/runbook-etcd.js';
import { ActionLog, type Capability, type EtcdOps, type NodeOps, type Target } from '../target.js';
import { describeDestruction } from './describe.js';
import { LabEtcdHost } from './lab-etcd-host.js';
import { LabHosts } from './lab-hosts.js';
import { labCannot } from './lab-cannot.js';
import { LabNodeOps } from './lab-node-ops.js';
import { IN_CLUSTER_CONTEXT, checkLabProfile, loadLabProfile, type LabCluster, type LabProfile } from './profile.js';

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
  /** For tests: a prefix for the service account files of an "inCluster" cluster (default: the pod's own). */
  serviceAccountDir?: string | undefined;
  /**
   * The node this process runs on in the "inCluster" cluster. Default: $GAMEDAY_NODE_NAME, which the
   * CronJob of `gameday schedule` sets from the pod's spec.nodeName.
   */
  selfNode?: string | undefined;
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

  selfNode(cluster: string): string | undefined {
    if (this.cluster(cluster).inCluster !== true) return undefined;
    return this.o.selfNode ?? (process.env['GAMEDAY_NODE_NAME'] || undefined);
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

  /** The kubeconfig holding the cluster's context: --kubeconfig, else the profile's, else $KUBECONFIG / ~/.kube/config. */
  private kubeconfigFile(c: LabCluster): string | undefined {
    return this.o.kubeconfig ?? c.kubeconfig;
  }

  private kubeconfigInWords(c: LabCluster): string {
    if (c.inCluster === true) return "the pod's service account";
    const file = this.kubeconfigFile(c);
    if (file) return file;
    return process.env['KUBECONFIG'] ? `$KUBECONFIG (${process.env['KUBECONFIG']})` : '~/.kube/config';
  }

  private config(c: LabCluster): KubeConfig {
    const config = new KubeConfig();
    if (c.inCluster === true) {
      if (!process.env['KUBERNETES_SERVICE_HOST']) {
        throw new InvalidInputError(
          `Cluster "${c.name}" of the lab profile says "inCluster": true, but gameday is not running in a pod (KUBERNETES_SERVICE_HOST is not set).`,
        );
      }
      // The pod's service account: what a scheduled game day (gameday schedule) runs with.
      config.loadFromCluster(this.o.serviceAccountDir);
      config.setCurrentContext(IN_CLUSTER_CONTEXT);
      return config;
    }
    const file = this.kubeconfigFile(c);
    if (file) config.loadFromFile(expandHome(file));
    else config.loadFromDefault();
    if (!config.getContextObject(c.context)) {
      throw new InvalidInputError(
        `The kubeconfig${file ? ` ${file}` : ''} has no context "${c.context}" (the lab profile's context for cluster "${c.name}").`,
      );
    }
    config.setCurrentContext(c.context);
    return config;
  }

  kube(name: string): Kube {
    const c = this.cluster(name);
    let kube = this.kubes.get(name);
    if (!kube) {
      kube = (this.o.makeKube ?? createKube)({
        cluster: c.name,
        config: this.config(c),
        clock: this.clock,
        actions: this.actions,
        dryRun: this.o.dryRun === true,
      });
      this.kubes.set(name, kube);
    }
    return kube;
  }

  /**
   * Check that every context this run may use leads to the cluster the profile pinned, or that gameday
   * recorded at first use; record it when neither exists (not in a dry run: a dry run writes nothing).
   * Only reads: the kubeconfig and one GET of namespace kube-system per cluster. `offline`: when the API
   * does not answer (a rollback after a power loss), the kubeconfig's server and CA must still match a
   * pinned or recorded identity, and that is enough. Returns what was recorded, for the CLI to say.
   */
  async verifyIdentities(options: { offline?: boolean; known?: KnownClusters } = {}): Promise<string[]> {
    const known = options.known ?? KnownClusters.load();
    const notices: string[] = [];
    for (const c of this.selected) {
      const where = `cluster "${c.name}" (context "${c.context}" in ${this.kubeconfigInWords(c)})`;
      const fromConfig = kubeconfigIdentity(this.config(c), c.context, where);
      const key = knownClusterKey(c.name, c.context);
      const recorded = known.get(key);
      const expectations: { what: string; fix: string; identity: Partial<ClusterIdentity> }[] = [];
      if (c.identity)
        expectations.push({
          what: `the one the lab profile${this.profile.file ? ` ${this.profile.file}` : ''} pins for it`,
          fix: 'correct the kubeconfig, or the profile\'s "identity" if the cluster was rebuilt on purpose',
          identity: c.identity,
        });
      if (recorded)
        expectations.push({
          what: `the one gameday recorded for it on ${recorded.recordedAt} (${known.path})`,
          fix: `correct the kubeconfig, or remove the "${key}" entry from ${known.path} if the cluster was rebuilt on purpose`,
          identity: recorded,
        });
      const refuse = (e: (typeof expectations)[number], diffs: string[]): never => {
        throw new ClusterIdentityError(
          `Refusing ${where}: it leads to another cluster than ${e.what}: ${diffs.join('; ')}. ` +
            `A kubeconfig can give an allow-listed context name to any cluster. Nothing was touched; ${e.fix}.`,
        );
      };
      for (const e of expectations) {
        const diffs = identityDifferences(e.identity, fromConfig);
        if (diffs.length > 0) refuse(e, diffs);
      }
      let uid: string;
      try {
        uid = await kubeSystemUid(this.kube(c.name), where);
      } catch (err) {
        if (options.offline && expectations.length > 0) {
          notices.push(
            `${where}: the API does not answer; its server and CA match, going ahead without the namespace check.`,
          );
          continue;
        }
        throw err;
      }
      const actual: ClusterIdentity = { ...fromConfig, kubeSystemUid: uid };
      for (const e of expectations) {
        const diffs = identityDifferences(e.identity, actual);
        if (diffs.length > 0) refuse(e, diffs);
      }
      if (expectations.length === 0 && this.o.dryRun !== true) {
        known.record(key, actual, this.profile.file);
        notices.push(
          `First use of ${where}: recorded its identity in ${known.path} (API server ${actual.server}, CA ${actual.ca}, kube-system UID ${actual.kubeSystemUid}); later runs reaching another cluster under this name are refused. To pin it in the profile: "identity": ${JSON.stringify(actual)}`,
        );
      }
    }
    return notices;
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

  cannot(cluster: string, capability: Capability): string | undefined {
    const c = this.selected.find((x) => x.name === cluster);
    if (!c) return undefined;
    return labCannot(this.profile, c, capability);
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
/** A profile given as an object (often one loadLabProfile returned): checked without the loader's own `file`. */
function checkProfileObject(given: LabProfile): LabProfile {
  const { file, ...data } = given;
  return checkLabProfile(data, file ?? 'lab profile');
}

export function createLabTarget(options: LabTargetOptions): LabTarget {
  const profile =
    typeof options.profile === 'string' ? loadLabProfile(options.profile) : checkProfileObject(options.profile);
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
