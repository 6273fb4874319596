import type { Clock } from './clock.js';
import type { Random } from './random.js';
import type { PluginContext, RunState } from './plugin.js';
import type { Target } from '../targets/target.js';
import type { ListOptions } from '../kube/kube.js';
import type { ResourceName } from '../kube/resources.js';
import { InvalidInputError } from '../errors.js';

export interface ContextOptions {
  target: Target;
  random: Random;
  state: RunState;
  signal: AbortSignal;
  dryRun: boolean;
  note: (cluster: string, text: string, data?: Record<string, unknown>) => void;
}

/** Builds the context each plugin receives, one per cluster, sharing the drill's state and informers. */
export function makeContext(o: ContextOptions, cluster: string): PluginContext {
  if (!o.target.clusters().includes(cluster)) {
    throw new InvalidInputError(
      `Cluster "${cluster}" is not on this target; it has: ${o.target.clusters().join(', ')}.`,
    );
  }
  const clock: Clock = o.target.clock;
  const kube = o.target.kube(cluster);
  const ctx: PluginContext = {
    target: o.target,
    clock,
    cluster,
    kube,
    nodes: o.target.nodes(cluster),
    etcd: o.target.etcd(cluster),
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
