import type { Clock } from './clock.js';
import type { Random } from './random.js';
import type { PluginContext, RunState } from '../kit/plugin.js';
import type { Target } from '../targets/target.js';
import type { ListOptions } from '../kube/kube.js';
import type { ResourceName } from '../kube/resources.js';
import { InvalidInputError } from '../errors.js';
import type { DryRunWorld } from './dry-run-world.js';

export interface ContextOptions {
  target: Target;
  random: Random;
  state: RunState;
  signal: AbortSignal;
  dryRun: boolean;
  note: (cluster: string, text: string, data?: Record<string, unknown>) => void;
  /** Experiment cluster names standing for another name on this target (a one-cluster kind target). */
  aliases?: Map<string, string>;
  /** The clock plugins see (a DryRunClock in dry runs); default the target's. */
  clock?: Clock;
  /** In a dry run: what the drill would have changed, laid over what plugins read. */
  world?: DryRunWorld;
}

/**
 * A drill written for the platform's clusters ("business") runs unchanged on a target with one cluster of
 * another name (kind's "gameday"): when the experiment names a single cluster the target lacks, that name
 * stands for the target's only cluster.
 */
export function clusterAliases(target: Target, experimentClusters: string[]): Map<string, string> {
  const aliases = new Map<string, string>();
  const own = target.clusters();
  const named = [...new Set(experimentClusters)];
  if (target.kind !== 'sim' && own.length === 1 && named.length === 1 && !own.includes(named[0]!)) {
    aliases.set(named[0]!, own[0]!);
  }
  return aliases;
}

/** Builds the context each plugin receives, one per cluster, sharing the drill's state and informers. */
export function makeContext(o: ContextOptions, name: string): PluginContext {
  const cluster = o.aliases?.get(name) ?? name;
  if (!o.target.clusters().includes(cluster)) {
    throw new InvalidInputError(
      `Cluster "${cluster}" is not on this target; it has: ${o.target.clusters().join(', ')}.`,
    );
  }
  const clock: Clock = o.clock ?? o.target.clock;
  const kube = o.world ? o.world.kube(o.target.kube(cluster)) : o.target.kube(cluster);
  const ctx: PluginContext = {
    target: o.target,
    clock,
    cluster,
    kube,
    // Asked for on first use: a lab cluster without an "etcd" section runs every drill that leaves etcd alone.
    get nodes() {
      return o.world ? o.world.nodes(o.target.nodes(cluster), kube) : o.target.nodes(cluster);
    },
    get etcd() {
      return o.target.etcd(cluster);
    },
    signal: o.signal,
    dryRun: o.dryRun,
    random: o.random,
    state: o.state,
    note: (text, data) => o.note(cluster, text, data),
    informer: (resource: ResourceName, options?: ListOptions) => kube.informer(resource, options),
    forCluster: (other: string) => (other === cluster ? ctx : makeContext(o, other)),
  };
  return ctx;
}

/** One context per cluster, made on first use; items without a cluster act on `defaultCluster`. */
export function contextCache(
  o: ContextOptions,
  defaultCluster: string,
): (cluster: string | undefined) => PluginContext {
  const made = new Map<string, PluginContext>();
  return (cluster) => {
    const name = cluster ?? defaultCluster;
    let ctx = made.get(name);
    if (!ctx) {
      ctx = makeContext(o, name);
      made.set(name, ctx);
    }
    return ctx;
  };
}
