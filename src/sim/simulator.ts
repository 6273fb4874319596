import { KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '../engine/clock.js';
import { Random } from '../engine/random.js';
import type { WatchTracker } from '../engine/watch-tracker.js';
import type { KubeObject } from '../kube/objects.js';
import { isNodeReady } from '../kube/objects.js';
import { admit } from './admission/index.js';
import type { ApiHooks } from './apiserver/context.js';
import { SimApiServer } from './apiserver/server.js';
import { checkToken, newToken, servedNames } from './apiserver/access.js';
import { servingCertificate, type ServingCertificate } from './apiserver/certificate.js';
import type { Controller, SimContext } from './context.js';
import { ControlPlane } from './control-plane/control-plane.js';
import { KubernetesEndpointsReconciler } from './control-plane/kubernetes-endpoints.js';
import { controlPlaneControllers, deletePod, evaluateEviction } from './controllers/index.js';
import { SimEtcd } from './etcd/sim-etcd.js';
import { EventRecorder } from './events.js';
import { Hosts, PAUSE_IMAGE } from './kubelet/hosts.js';
import { ImageRegistry } from './kubelet/registry.js';
import { controlPlaneImages } from './kubelet/static-pods.js';
import { NodeLifecycleController } from './node-lifecycle/controller.js';
import type { SimParams } from './params.js';
import { Store } from './store/store.js';
import { seedWorkloads } from './topology/seed.js';
import type { Topology, TopologyCluster } from './topology/types.js';
import { WorkQueue } from './work-queue.js';
import type { EtcdOps } from '../targets/target.js';

/** One simulated cluster: its store, kubelets, control loops, etcd model and HTTP apiserver. */
export class SimCluster {
  readonly controllers: Controller[] = [];
  server: SimApiServer | undefined;
  /** Replaced by a real etcd cluster in `--etcd real` mode. */
  etcdOps: EtcdOps;

  constructor(
    readonly name: string,
    readonly ctx: SimContext,
    readonly hosts: Hosts,
    readonly controlPlane: ControlPlane,
    readonly etcd: SimEtcd,
  ) {
    this.etcdOps = etcd;
  }

  /** All nodes Ready, every workload at its desired availability, no pod Pending. */
  steady(): boolean {
    const s = this.ctx.store;
    if (!s.list('nodes').every(isNodeReady)) return false;
    for (const d of s.list('deployments')) {
      if (
        (d.status?.availableReplicas ?? 0) < (d.spec?.replicas ?? 1) ||
        d.status?.observedGeneration !== d.metadata.generation
      )
        return false;
    }
    for (const st of s.list('statefulsets'))
      if ((st.status?.readyReplicas ?? 0) < (st.spec?.replicas ?? 1)) return false;
    for (const ds of s.list('daemonsets')) {
      const want = ds.status?.desiredNumberScheduled as number | undefined;
      if (want === undefined || (ds.status?.numberAvailable ?? 0) < want) return false;
    }
    return true;
  }

  hooks(): ApiHooks {
    const { store, params } = this.ctx;
    return {
      admit: (resource, obj, old) => {
        const base = resource.split('/')[0] ?? resource;
        if (resource.includes('/')) return;
        const out = admit(base, obj, old, { store, defaultTolerationSeconds: params.defaultTolerationSeconds });
        for (const k of Object.keys(obj)) delete (obj as Record<string, unknown>)[k];
        Object.assign(obj, out);
      },
      evict: (namespace, name) => {
        const d = evaluateEviction(store, namespace, name);
        if (!d.allowed) return { allowed: false, status: d.code, message: d.message, causes: d.causes };
        const pod = store.get('pods', namespace, name);
        if (pod) deletePod(store, pod, this.ctx.clock.now());
        return { allowed: true };
      },
      podLogs: (namespace, name, container, previous) => this.hosts.podLogs(namespace, name, container, previous),
      metrics: () => this.hosts.resourceMetrics(),
      // Without quorum the etcd check fails; the apiserver takes its 2 s check timeout to say so.
      health: () => ({ failing: store.availability() ? ['etcd'] : [] }),
      serving: () => this.controlPlane.active('kube-apiserver'),
    };
  }
}

export interface SimulatorOptions {
  topology: Topology;
  params: SimParams;
  clock: Clock;
  seed: number;
  /** Serve each cluster's API over HTTP on loopback (needed for client-node and kubectl). */
  serve: boolean;
  host?: string;
  /** Fixed ports, one per cluster in topology order (sim up --port); default: any free port. */
  ports?: number[];
  tracker?: WatchTracker;
  /** Extra /gameday/ endpoints (the control endpoint of `sim up`). */
  control?: (cluster: SimCluster) => ApiHooks['control'];
  /**
   * The bearer token every client must send to the served API (and the control endpoint); default: a fresh
   * random one per start. Given when someone else hands it to the clients (the proving ground's agents).
   */
  token?: string;
  /** More Host names the servers answer to besides loopback and `host` (see SimApiServer). */
  allowedHosts?: readonly string[];
  /**
   * Serve HTTPS with a certificate made for this start (`ca`). kubectl sends the token only over TLS, so
   * whatever people reach with kubectl (`sim up`, practice) is served so; in-process clients may use HTTP.
   */
  tls?: boolean;
}

/**
 * The embedded simulator: every cluster of a topology on one clock. On the virtual clock nothing moves
 * until someone waits, so a drill of twenty simulated minutes takes a fraction of a second.
 */
export class Simulator {
  readonly clusters = new Map<string, SimCluster>();
  /** The bearer token of the served API, the same for every cluster of this start. */
  readonly token: string;
  /** With `tls`: the serving certificate, which clients trust as the clusters' certificate authority (PEM). */
  readonly ca: string | undefined;
  private readonly certificate: ServingCertificate | undefined;

  private constructor(readonly options: SimulatorOptions) {
    this.token = checkToken(options.token ?? newToken());
    this.certificate = options.tls ? servingCertificate(servedNames(options.host, options.allowedHosts)) : undefined;
    this.ca = this.certificate?.cert;
  }

  static async start(options: SimulatorOptions): Promise<Simulator> {
    const sim = new Simulator(options);
    for (const [i, c] of options.topology.clusters.entries()) sim.addCluster(c, i);
    if (options.serve) {
      for (const [i, c] of [...sim.clusters.values()].entries()) {
        const hooks = c.hooks();
        const control = options.control?.(c);
        c.server = new SimApiServer({
          store: c.ctx.store,
          clock: options.clock,
          cluster: c.name,
          hooks: control ? { ...hooks, control } : hooks,
          ...(options.ports?.[i] !== undefined ? { port: options.ports[i] } : {}),
          ...(options.host ? { host: options.host } : {}),
          ...(options.tracker ? { tracker: options.tracker } : {}),
          gitVersion: options.params.kubeletVersion,
          token: sim.token,
          ...(sim.certificate ? { tls: sim.certificate } : {}),
          ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}),
        });
        await c.server.start();
      }
    }
    return sim;
  }

  private addCluster(spec: TopologyCluster, index: number): void {
    const { clock, params, seed } = this.options;
    const store = new Store(clock, spec.name);
    const controlPlane = new ControlPlane();
    const ctx: SimContext = {
      cluster: spec.name,
      store,
      clock,
      random: new Random(seed * 31 + index + 1),
      params,
      queue: new WorkQueue(clock),
      events: new EventRecorder(store, clock),
      controlPlane,
    };
    const hosts = new Hosts(ctx);
    const registry = this.options.topology.registry;
    if (registry) {
      hosts.registry = new ImageRegistry(registry.images);
      for (const image of [...controlPlaneImages(params.kubeletVersion), PAUSE_IMAGE]) hosts.registry.add(image);
    }
    for (const n of spec.nodes) hosts.addNode(n);
    const etcd = new SimEtcd(ctx, hosts, spec.etcdMembers ? { members: spec.etcdMembers } : {});
    controlPlane.attach(ctx, hosts);
    const cluster = new SimCluster(spec.name, ctx, hosts, controlPlane, etcd);
    const apiservers = {
      addresses: () => controlPlane.servingApiservers().map((n) => hosts.internalIP(n)),
      onChange: (l: () => void) => hosts.onHostChange(l),
    };
    const controllers: Controller[] = [
      new NodeLifecycleController(),
      ...controlPlaneControllers(),
      new KubernetesEndpointsReconciler(apiservers),
    ];
    for (const c of controllers) {
      c.start(ctx);
      cluster.controllers.push(c);
    }
    seedWorkloads(ctx, spec);
    this.clusters.set(spec.name, cluster);
  }

  cluster(name: string): SimCluster {
    const c = this.clusters.get(name);
    if (!c) throw new Error(`no simulated cluster "${name}"`);
    return c;
  }

  steady(): boolean {
    return [...this.clusters.values()].every((c) => c.steady());
  }

  /** Let the platform come up: every node Ready and every workload available, within `timeoutMs`. */
  async settle(timeoutMs = 600_000, signal?: AbortSignal): Promise<void> {
    const { clock } = this.options;
    const deadline = clock.now() + timeoutMs;
    while (!this.steady()) {
      this.throwErrors();
      if (clock.now() >= deadline) {
        throw new Error(
          `the simulated platform did not settle within ${timeoutMs / 1000}s: ${this.unsteady().join('; ')}`,
        );
      }
      await clock.sleep(1000, signal);
    }
    this.throwErrors();
  }

  /** What keeps the platform from being steady, for messages. */
  unsteady(): string[] {
    const out: string[] = [];
    for (const c of this.clusters.values()) {
      const s = c.ctx.store;
      const notReady = s
        .list('nodes')
        .filter((n) => !isNodeReady(n))
        .map((n) => n.metadata.name);
      if (notReady.length) out.push(`${c.name}: nodes not Ready: ${notReady.join(', ')}`);
      const pending = s
        .list('pods')
        .filter((p: KubeObject) => p.status?.phase !== 'Running' && p.status?.phase !== 'Succeeded');
      if (pending.length)
        out.push(
          `${c.name}: ${pending.length} pods not Running (${pending
            .slice(0, 3)
            .map((p) => `${p.metadata.namespace}/${p.metadata.name}`)
            .join(', ')})`,
        );
    }
    return out;
  }

  /** Surface a bug in the simulator (an exception in a timer or reconcile) instead of hiding it. */
  throwErrors(): void {
    for (const c of this.clusters.values()) {
      const errs = c.ctx.queue.takeErrors();
      if (errs.length) throw errs[0] instanceof Error ? errs[0] : new Error(String(errs[0]));
    }
    const clock = this.options.clock as { takeErrors?: () => unknown[] };
    const errs = clock.takeErrors?.() ?? [];
    if (errs.length) throw errs[0] instanceof Error ? errs[0] : new Error(String(errs[0]));
  }

  /** A client-node configuration for one cluster's apiserver. */
  kubeConfig(cluster: string): KubeConfig {
    const c = this.cluster(cluster);
    if (!c.server) throw new Error('the simulator is not serving its API');
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [
        this.ca
          ? { name: cluster, server: c.server.url, caData: Buffer.from(this.ca).toString('base64') }
          : { name: cluster, server: c.server.url, skipTLSVerify: true },
      ],
      users: [{ name: 'gameday', token: this.token }],
      contexts: [{ name: cluster, cluster, user: 'gameday' }],
      currentContext: cluster,
    });
    return kc;
  }

  async close(): Promise<void> {
    for (const c of this.clusters.values()) {
      for (const ctl of c.controllers) ctl.stop();
      c.etcd.close();
      c.controlPlane.stop();
      c.hosts.close();
      await c.server?.close();
    }
    this.options.clock.close();
  }
}
