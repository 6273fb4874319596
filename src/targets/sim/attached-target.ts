import { resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { RealClock } from '../../engine/clock.js';
import { createKube } from '../../kube/client.js';
import type { Kube } from '../../kube/kube.js';
import { InvalidInputError } from '../../errors.js';
import { remoteOps } from '../../sim/serve/remote-ops.js';
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
  ) {
    // Measure on the simulator's own time: `sim up --speed 10` runs ten simulated seconds per second.
    this.clock = new RealClock(speed);
  }

  clusters(): string[] {
    return this.config.getContexts().map((c) => c.name);
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
      const r = remoteOps(server);
      const rec = { cluster, clock: this.clock, actions: this.actions, dryRun: this.dryRun };
      o = { nodes: recordingNodeOps(r.nodes, rec), etcd: recordingEtcdOps(r.etcd, rec) };
      this.ops.set(cluster, o);
    }
    return o;
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

export async function attachSimTarget(o: TargetOptions): Promise<CreatedTarget> {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(o.kubeconfig!);
  } catch (err) {
    throw new InvalidInputError(`${o.kubeconfig!}: cannot read the kubeconfig: ${(err as Error).message}.`);
  }
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new InvalidInputError(`${o.kubeconfig!}: the current context has no server.`);
  let speed = 1;
  try {
    const res = await fetch(server.replace(/\/+$/, '') + '/gameday/v1/info');
    if (res.ok) speed = Number(((await res.json()) as { speed?: number }).speed ?? 1) || 1;
    else throw new Error(`HTTP ${res.status}`);
  } catch (err) {
    throw new InvalidInputError(
      `${server} does not answer as a simulator served by \`gameday sim up\` (${(err as Error).message}); for a real cluster use --target kind or lab.`,
    );
  }
  const target = new AttachedSimTarget(kc, o.dryRun, speed);
  return { target, journalTarget: { kind: 'sim', embedded: false, kubeconfig: resolve(o.kubeconfig!) } };
}
