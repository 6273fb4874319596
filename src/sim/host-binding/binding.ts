import type { Timer } from '../../engine/clock.js';
import type { HostReport, StaticPodReport } from '../../proving-ground/host/report.js';
import type { ControlPlaneComponent } from '../../targets/target.js';
import { startEtcdBackedStore } from './etcd.js';
import type { EtcdBackedStore } from '../etcd-backed/etcd-backend.js';
import type { EtcdTls } from '../../etcd/gateway.js';
import { STATIC_COMPONENTS } from '../kubelet/host.js';
import type { ContainerOverride } from '../kubelet/pod-runtime.js';
import type { SimCluster } from '../simulator.js';
import { HostChannel } from './host-channel.js';

export interface HostBindingOptions {
  /** Nodes of the cluster that are real hosts. */
  nodes: readonly string[];
  /** What agents must present on the host channel. */
  token: string;
  /** Where the host channel listens (the hosts' network's gateway address). */
  listen: { host: string; port?: number };
  /**
   * An agent not heard from for this long is gone (its process stopped, its host powered off, frozen or cut
   * off): the node's kubelet stops in the model. Agents report every 2 s. Default 6 s.
   */
  agentTimeoutMs?: number;
  onEvent?: (line: string) => void;
}

interface Bound {
  bootID: string | undefined;
  lastReport: number;
  timer: Timer | undefined;
  etcd: ContainerOverride | undefined;
  /** kube-apiserver's --etcd-servers on this host (undefined: its manifest is not there). */
  etcdServers: string[] | undefined;
  report: HostReport | undefined;
}

/**
 * Binds nodes of a simulated cluster to real hosts (the proving ground). For a bound node the model renews
 * no Lease and posts no status (the host's agent does, through the API); the model's kubelet runs the
 * node's pods only while the agent reports; a new boot id means the host was power-cycled and its containers
 * are gone; its static pods follow the host's manifest directory as the agent reports it, and the etcd
 * member's container follows the real process. kube-apiserver's --etcd-servers on the hosts decide which
 * members the apiserver's etcd client uses (see etcd.ts).
 */
export class HostBinding {
  private readonly bound = new Map<string, Bound>();
  private readonly channel: HostChannel;
  private readonly agentTimeoutMs: number;
  private backend: EtcdBackedStore | undefined;

  private constructor(
    readonly cluster: SimCluster,
    private readonly o: HostBindingOptions,
    private readonly initialEtcd: readonly string[],
  ) {
    this.agentTimeoutMs = o.agentTimeoutMs ?? 6000;
    this.channel = new HostChannel(o.token, (node, body) => this.receive(node, body));
    for (const n of o.nodes) {
      const { host } = cluster.hosts.entry(n);
      host.agentBound = true;
      this.bound.set(n, {
        bootID: undefined,
        lastReport: 0,
        timer: undefined,
        etcd: undefined,
        etcdServers: undefined,
        report: undefined,
      });
    }
  }

  static async start(
    cluster: SimCluster,
    o: HostBindingOptions,
    etcdEndpoints: readonly string[],
  ): Promise<HostBinding> {
    const b = new HostBinding(cluster, o, etcdEndpoints);
    // Until the first report nothing runs the nodes' kubelets: the model waits for the agents.
    for (const n of o.nodes) b.arm(n);
    await b.channel.start(o.listen.host, o.listen.port);
    return b;
  }

  get channelUrl(): string {
    return this.channel.url;
  }

  /** Nodes whose agent reported within the timeout. */
  alive(): string[] {
    return [...this.bound.entries()].filter(([n]) => this.cluster.hosts.host(n).kubelet === 'running').map(([n]) => n);
  }

  /** The last report of each node. */
  reports(): Map<string, HostReport | undefined> {
    return new Map([...this.bound.entries()].map(([n, b]) => [n, b.report]));
  }

  /**
   * The members the simulated apiserver writes to: the union of kube-apiserver's --etcd-servers on the
   * hosts that have its manifest (each apiserver of a stacked control plane talks to its own member;
   * after a restore the runbook points them all at the restored one). Before any report: every member.
   */
  etcdEndpoints(): string[] {
    const all = new Set<string>();
    for (const b of this.bound.values()) for (const e of b.etcdServers ?? []) all.add(e);
    return all.size > 0 ? [...all] : [...this.initialEtcd];
  }

  /**
   * Store the cluster's objects in the hosts' etcd (TLS, the apiserver's client certificate): waits until the
   * members answer, then writes what the Store holds.
   */
  async storeInEtcd(tls: EtcdTls, timeoutMs = 180_000): Promise<EtcdBackedStore> {
    const store = this.cluster.ctx.store;
    // The model's etcd must not veto writes any more: the real members decide now.
    this.cluster.etcd.close();
    store.availability = () => undefined;
    this.backend = await startEtcdBackedStore(store, () => this.etcdEndpoints(), tls, timeoutMs, this.o.onEvent);
    return this.backend;
  }

  async close(): Promise<void> {
    for (const b of this.bound.values()) b.timer?.cancel();
    await this.channel.close();
    await this.backend?.close();
  }

  private receive(node: string, body: unknown): { status: number; error?: string } {
    const b = this.bound.get(node);
    if (!b) return { status: 404, error: `node ${node} is not bound to a host here` };
    const r = body as Partial<HostReport> | null;
    if (!r || r.node !== node || typeof r.bootID !== 'string' || !Array.isArray(r.staticPods)) {
      return { status: 400, error: 'expected a host report {node, bootID, runtime, staticPods}' };
    }
    this.apply(node, b, r as HostReport);
    return { status: 200 };
  }

  private apply(node: string, b: Bound, r: HostReport): void {
    const { host, kubelet } = this.cluster.hosts.entry(node);
    const now = this.cluster.ctx.clock.now();
    b.report = r;
    b.lastReport = now;
    if (b.bootID !== undefined && b.bootID !== r.bootID) {
      // The host booted again: every container it ran is gone (the kubelet will start them anew).
      this.o.onEvent?.(`${node}: booted again (boot id ${r.bootID}): its containers are gone`);
      kubelet.containersDied(255, 'Unknown');
    }
    b.bootID = r.bootID;
    host.bootId = r.bootID;
    const runtimeUp = r.runtime === 'active';
    if (runtimeUp && host.runtime === 'stopped') {
      host.runtime = 'running';
      host.runtimeDownSince = undefined;
    } else if (!runtimeUp && host.runtime === 'running') {
      // kind's and kubeadm's containerd stop with KillMode=process: the containers keep running.
      host.runtime = 'stopped';
      host.runtimeDownSince = now;
    }
    for (const comp of STATIC_COMPONENTS)
      this.applyStatic(
        node,
        b,
        comp,
        r.staticPods.find((p) => p.name === comp),
      );
    if (r.stopping) this.setKubelet(node, false);
    else {
      this.setKubelet(node, true);
      this.arm(node);
    }
    kubelet.kick();
    this.cluster.hosts.emitChange(node);
  }

  private applyStatic(node: string, b: Bound, comp: ControlPlaneComponent, p: StaticPodReport | undefined): void {
    const hosts = this.cluster.hosts;
    hosts.setManifest(node, comp, p !== undefined);
    if (comp === 'kube-apiserver') b.etcdServers = p ? (p.etcdServers ?? []) : undefined;
    if (comp !== 'etcd') return;
    const override: ContainerOverride | undefined =
      !p || p.state === 'running'
        ? undefined
        : p.state === 'paused'
          ? { kind: 'hung' }
          : { kind: 'down', exitCode: 1, reason: 'Error' };
    if (JSON.stringify(override) !== JSON.stringify(b.etcd)) {
      b.etcd = override;
      hosts.setOverride(node, 'etcd', override);
    }
  }

  private setKubelet(node: string, alive: boolean): void {
    const host = this.cluster.hosts.host(node);
    if (alive && host.kubelet !== 'running') {
      host.kubelet = 'running';
      host.kubeletInitialisedAt = this.cluster.ctx.clock.now();
      this.o.onEvent?.(`${node}: kubelet agent reporting`);
    } else if (!alive && host.kubelet === 'running') {
      host.kubelet = 'stopped';
      this.o.onEvent?.(`${node}: kubelet agent gone`);
    }
  }

  /** (Re)start the node's silence timer: no report within the timeout and its kubelet is gone. */
  private arm(node: string): void {
    const b = this.bound.get(node)!;
    b.timer?.cancel();
    b.timer = this.cluster.ctx.clock.setTimer(
      this.agentTimeoutMs,
      () => {
        b.timer = undefined;
        this.setKubelet(node, false);
        this.cluster.hosts.emitChange(node);
      },
      `host-binding ${node} silence`,
    );
  }
}
