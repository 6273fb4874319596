import { resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { RealClock } from '../../engine/clock.js';
import { createKube } from '../../kube/client.js';
import type { Kube } from '../../kube/kube.js';
import { InvalidInputError } from '../../errors.js';
import { RemoteOpsClient, remoteOps } from '../../sim/serve/remote-ops.js';
import { namedClusters } from '../../experiment/clusters.js';
import type { CreatedTarget, TargetOptions } from '../create.js';
import { ActionLog, type EtcdOps, type NodeOps, type Target } from '../target.js';
import { recordingEtcdOps, recordingNodeOps } from './recording.js';

/**
 * A simulator served by `gameday sim up` in another process, reached through its kubeconfig: the API over
 * client-node, node and etcd operations over its control endpoint, in real time. This is what lets a
 * drill's process die and `gameday rollback` repair the same simulated cluster afterwards.
 */
export class AttachedSimTarget implements Target {
  readonly kind = 'sim' as const;
  readonly clock: RealClock;
  readonly actions = new ActionLog();
  private readonly kubes = new Map<string, Kube>();
  private readonly ops = new Map<string, { nodes: NodeOps; etcd: EtcdOps }>();

  constructor(
    private readonly config: KubeConfig,
    private readonly dryRun: boolean,
    speed: number,
    /** The contexts checked to lead to a simulator: the only ones this target uses. */
    private readonly checked: readonly string[],
  ) {
    // Measure on the simulator's own time: `sim up --speed 10` runs ten simulated seconds per second.
    this.clock = new RealClock(speed);
  }

  clusters(): string[] {
    return [...this.checked];
  }

  private contextConfig(cluster: string): KubeConfig {
    if (!this.clusters().includes(cluster)) {
      throw new InvalidInputError(`The kubeconfig has no context "${cluster}"; it has: ${this.clusters().join(', ')}.`);
    }
    const kc = new KubeConfig();
    kc.loadFromOptions({
      // client-node refuses plain http unless TLS verification is off; the simulator serves http on loopback.
      clusters: this.config.clusters.map((c) => ({
        ...c,
        skipTLSVerify: c.server.startsWith('http:') || c.skipTLSVerify,
      })),
      users: this.config.users,
      contexts: this.config.contexts,
      currentContext: cluster,
    });
    return kc;
  }

  kube(cluster: string): Kube {
    let k = this.kubes.get(cluster);
    if (!k) {
      k = createKube({
        cluster,
        config: this.contextConfig(cluster),
        clock: this.clock,
        actions: this.actions,
        dryRun: this.dryRun,
      });
      this.kubes.set(cluster, k);
    }
    return k;
  }

  private remote(cluster: string): { nodes: NodeOps; etcd: EtcdOps } {
    let o = this.ops.get(cluster);
    if (!o) {
      const server = this.contextConfig(cluster).getCurrentCluster()?.server;
      if (!server) throw new InvalidInputError(`The kubeconfig context "${cluster}" has no server.`);
      const r = remoteOps(server, { kubeConfig: this.contextConfig(cluster) });
      const rec = { cluster, clock: this.clock, actions: this.actions, dryRun: this.dryRun };
      o = { nodes: recordingNodeOps(r.nodes, rec), etcd: recordingEtcdOps(r.etcd, rec) };
      this.ops.set(cluster, o);
    }
    return o;
  }

  /** The served simulator's instance, from its control endpoint: it answers while no apiserver is up. */
  async clusterUid(cluster: string): Promise<string | undefined> {
    const kc = this.contextConfig(cluster);
    const server = kc.getCurrentCluster()?.server;
    if (!server) return undefined;
    const info = await new RemoteOpsClient(server, { kubeConfig: kc }).info();
    return typeof info.instance === 'string' ? `sim-instance:${info.instance}` : undefined;
  }

  nodes(cluster: string): NodeOps {
    return this.remote(cluster).nodes;
  }

  etcd(cluster: string): EtcdOps {
    return this.remote(cluster).etcd;
  }

  async close(): Promise<void> {
    for (const k of this.kubes.values()) k.close();
    this.kubes.clear();
    this.clock.close();
  }
}

/**
 * Ask a context's server whether it is a simulator served by `gameday sim up` (its /gameday/v1/info), and
 * at what speed. Anything else (a real apiserver, nothing listening) is refused: a drill attached with
 * --target sim must never write to a real cluster because one context of the kubeconfig leads to one.
 */
async function simulatorInfo(kc: KubeConfig, context: string, file: string): Promise<{ speed: number }> {
  const ctx = kc.getContextObject(context);
  const server = ctx ? kc.getCluster(ctx.cluster)?.server : undefined;
  if (!server) throw new InvalidInputError(`${file}: the context "${context}" has no server.`);
  let info: { cluster?: unknown; speed?: unknown };
  try {
    // Through client-node's settings for that context: its user's token, and over https the simulator's
    // certificate as the authority.
    const one = new KubeConfig();
    one.loadFromOptions({
      clusters: kc.clusters,
      users: kc.users,
      contexts: kc.contexts,
      currentContext: context,
    });
    info = await new RemoteOpsClient(server, { kubeConfig: one }).info();
  } catch (err) {
    if (err instanceof InvalidInputError) throw new InvalidInputError(`${file}: context "${context}": ${err.message}`);
    throw new InvalidInputError(
      `${file}: context "${context}" leads to ${server}, which does not answer as a simulator served by \`gameday sim up\` (${(err as Error).message}); nothing was touched. For a real cluster use --target kind or lab.`,
    );
  }
  return { speed: Number(info.speed ?? 1) || 1 };
}

export async function attachSimTarget(o: TargetOptions): Promise<CreatedTarget> {
  const file = o.kubeconfig!;
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(file);
  } catch (err) {
    throw new InvalidInputError(`${file}: cannot read the kubeconfig: ${(err as Error).message}.`);
  }
  // Every context the drill may touch must lead to a simulator, not only the current one: the clusters the
  // experiment names, else the current context (its default cluster); without an experiment (a rollback),
  // every context of the file.
  const all = kc.getContexts().map((c) => c.name);
  const named = o.experiment ? namedClusters(o.experiment) : all;
  const checked = named.length > 0 ? named : [kc.getCurrentContext()];
  const missing = checked.filter((c) => !all.includes(c));
  if (missing.length > 0) {
    throw new InvalidInputError(
      `${file}: the experiment names cluster(s) ${missing.map((m) => `"${m}"`).join(', ')}, which the kubeconfig has no context for; it has: ${all.join(', ')}.`,
    );
  }
  let speed = 1;
  for (const c of checked) speed = (await simulatorInfo(kc, c, file)).speed;
  const target = new AttachedSimTarget(kc, o.dryRun, speed, checked);
  return { target, journalTarget: { kind: 'sim', embedded: false, kubeconfig: resolve(file) } };
}
