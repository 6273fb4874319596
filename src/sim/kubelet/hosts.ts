import { InvalidInputError } from '../../errors.js';
import type { KubeObject } from '../../kube/objects.js';
import type { ControlPlaneComponent, NodeOps } from '../../targets/target.js';
import type { ControlPlaneComponentName, SimContext } from '../context.js';
import { rfc3339 } from '../controllers/pods.js';
import type { TopologyNode } from '../topology/types.js';
import { HostState } from './host.js';
import { Kubelet, rfc3339micro } from './kubelet.js';
import { desiredConditions, mergeConditions, nodeObject } from './node-object.js';
import { SimNodeOps } from './node-ops.js';
import { containerLog, type ContainerLogResult } from './pod-logs.js';
import { nodeMetrics, podMetrics } from './resource-metrics.js';
import type { ContainerOverride } from './pod-runtime.js';
import { hex } from './pod-runtime.js';
import { ImageRegistry } from './registry.js';
import { staticPod } from './static-pods.js';

/** What the control plane (leader election, apiserver VIP) and etcd need to know about the hosts. */
export interface ControlPlaneHosts {
  masterNodes(): string[];
  /** Whether any host is a master (asked on every store change: no list built). */
  hasMasters(): boolean;
  /** The component's static pod container runs on `node` (`ready`: and passed its start-up). */
  componentRunning(node: string, component: ControlPlaneComponent, ready?: boolean): boolean;
  /** The host is up and can talk to the other masters. */
  hostReachable(node: string): boolean;
  internalIP(node: string): string;
  onHostChange(listener: (node: string) => void): () => void;
}

/** The sandbox image every node has. */
export const PAUSE_IMAGE = 'k8s.gcr.io/pause:3.1';

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export interface AddNodeOptions {
  /** A node joining a running cluster registers itself and turns Ready after its first status sync. */
  joining?: boolean;
}

/**
 * Every simulated host of one cluster, each with its kubelet. Seeds Node objects for the topology, routes
 * store changes to the kubelets (through the work queue, never inside the store listener), and implements
 * NodeOps for the sim target.
 */
export class Hosts implements ControlPlaneHosts {
  private readonly hosts = new Map<string, HostState>();
  private readonly kubelets = new Map<string, Kubelet>();
  private readonly listeners = new Set<(node: string) => void>();
  private readonly overrides = new Map<string, ContainerOverride>();
  private nextIndex = 0;
  /** What the platform's registry serves (a topology's `registry.images`); every image by default. */
  registry = new ImageRegistry();
  private readonly nodeOps: SimNodeOps;
  private readonly unsubscribe: (() => void)[] = [];

  constructor(readonly ctx: SimContext) {
    this.nodeOps = new SimNodeOps(this);
    this.unsubscribe.push(
      ctx.store.onChange((e) => {
        if (e.resource === 'pods') {
          const ns = e.object.metadata.namespace ?? 'default';
          const name = e.object.metadata.name;
          const now = e.object.spec?.nodeName as string | undefined;
          const before = e.old?.spec?.nodeName as string | undefined;
          // The kubelet the pod is on, and the one it left if it moved.
          for (const n of before !== now ? [now, before] : [now]) {
            const k = n ? this.kubelets.get(n) : undefined;
            if (k) ctx.queue.add(`kubelet/${n}/pod/${ns}/${name}`, () => k.podChanged(ns, name));
          }
          const nodeOf = (o: typeof e.old): string | undefined =>
            (o?.spec as { nodeName?: string } | undefined)?.nodeName;
          const from = nodeOf(e.old);
          const left =
            e.type === 'DELETED' ||
            (e.object.metadata.deletionTimestamp && !e.old?.metadata.deletionTimestamp) ||
            from !== nodeOf(e.object);
          if (from && left) this.podLeftOverloaded(from, `${ns}/${name}`);
        } else if (e.resource === 'configmaps' || e.resource === 'secrets') {
          const ns = e.object.metadata.namespace ?? 'default';
          ctx.queue.add(`kubelets/config/${ns}`, () => {
            for (const k of this.kubelets.values()) k.configChanged(ns);
          });
        }
      }),
      ctx.controlPlane.onChange((component: ControlPlaneComponentName) => {
        if (component !== 'kube-apiserver') return;
        ctx.queue.add('kubelets/apiserver', () => {
          for (const k of this.kubelets.values()) k.kick();
        });
      }),
    );
  }

  /** Register a node of the topology: its Node object and Lease, and its kubelet running. */
  addNode(spec: TopologyNode, opts: AddNodeOptions = {}): void {
    if (this.hosts.has(spec.name))
      throw new InvalidInputError(`Node "${spec.name}" is already part of cluster "${this.ctx.cluster}".`);
    const index = this.nextIndex++;
    const ip = spec.ip ?? (IPV4.test(spec.name) ? spec.name : `172.18.0.${(index % 250) + 2}`);
    const host = new HostState(spec, index, ip, this.uuid());
    if (spec.role === 'master')
      for (const c of ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const)
        host.manifests.add(c);
    host.images.add(PAUSE_IMAGE);
    host.joining = opts.joining === true;
    this.hosts.set(spec.name, host);
    this.masters = undefined;
    const kubelet = new Kubelet(this.ctx, host, {
      hostChanged: () => this.emitChange(spec.name),
      override: (node, container) => this.overrides.get(`${node}/${container}`),
      inRegistry: (image) => this.registry.has(image),
    });
    this.kubelets.set(spec.name, kubelet);
    if (!opts.joining) this.seedNode(host);
    kubelet.start();
    kubelet.seeding = !opts.joining;
    kubelet.kick();
    kubelet.seeding = false;
  }

  /** A node that was part of the cluster before the simulation started: Ready, with a fresh Lease. */
  private seedNode(host: HostState): void {
    const store = this.ctx.store;
    if (store.get('nodes', undefined, host.name)) return;
    const now = this.ctx.clock.now();
    const node = nodeObject(host, this.ctx.params);
    node.status.conditions = mergeConditions(
      [],
      desiredConditions(
        { runtimeDownSince: undefined, joining: false, memoryPressure: false, diskPressure: false },
        now,
        this.ctx.params,
      ),
      rfc3339(now),
    ).conditions;
    const created = store.create('nodes', node);
    store.create('leases', {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: host.name,
        namespace: 'kube-node-lease',
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: host.name, uid: created.metadata.uid ?? '' }],
      },
      spec: {
        holderIdentity: host.name,
        leaseDurationSeconds: this.ctx.params.nodeLeaseDuration / 1000,
        renewTime: rfc3339micro(now),
      },
    });
  }

  /** NodeOps for the sim target. */
  ops(): NodeOps {
    return this.nodeOps;
  }

  names(): string[] {
    return [...this.hosts.keys()];
  }

  has(node: string): boolean {
    return this.hosts.has(node);
  }

  /** The host and its kubelet; an unknown node is the user's mistake. */
  entry(node: string): { host: HostState; kubelet: Kubelet } {
    const host = this.hosts.get(node);
    const kubelet = this.kubelets.get(node);
    if (!host || !kubelet) {
      const known = [...this.hosts.keys()];
      const list = known.length > 12 ? `${known.slice(0, 12).join(', ')}, ...` : known.join(', ');
      throw new InvalidInputError(
        `Node "${node}" is not part of cluster "${this.ctx.cluster}". Its nodes: ${list || '(none)'}.`,
      );
    }
    return { host, kubelet };
  }

  host(node: string): HostState {
    return this.entry(node).host;
  }

  /** Remove a node for good: its kubelet stops, its Node and Lease objects go. */
  forget(node: string): void {
    const { kubelet } = this.entry(node);
    kubelet.containersDied(137, 'Error');
    kubelet.shutdown();
    this.hosts.delete(node);
    this.masters = undefined;
    this.kubelets.delete(node);
    this.emitChange(node);
  }

  // ---- ControlPlaneHosts ------------------------------------------------------------------------------

  /** Asked on every leader-election and quorum check: kept, and rebuilt only when nodes come or go. */
  private masters: string[] | undefined;

  masterNodes(): string[] {
    return [...this.mastersCached()];
  }

  hasMasters(): boolean {
    return this.mastersCached().length > 0;
  }

  private mastersCached(): string[] {
    return (this.masters ??= [...this.hosts.values()].filter((h) => h.isMaster).map((h) => h.name));
  }

  componentRunning(node: string, component: ControlPlaneComponent, ready = false): boolean {
    return this.kubelets.get(node)?.staticRunning(component, ready) ?? false;
  }

  hostReachable(node: string): boolean {
    const h = this.hosts.get(node);
    return h !== undefined && h.alive && h.network === 'connected';
  }

  internalIP(node: string): string {
    return this.hosts.get(node)?.ip ?? node;
  }

  /** A pod left `node` (deleted, evicted, rebound): if the node is overloaded, its load goes with the pods. */
  private podLeftOverloaded(node: string, key: string): void {
    const host = this.hosts.get(node);
    if (!host?.overloaded || !host.overloadPods?.delete(key)) return;
    if (host.overloadPods.size > host.overloadPodsAtStart / 2) return;
    this.ctx.queue.add(`hosts/unload/${node}`, () => {
      if (host.overloaded) void this.nodeOps.overload(node, 'stop');
    });
  }

  onHostChange(listener: (node: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Something about `node` changed that the control plane or etcd may care about. */
  emitChange(node: string): void {
    this.ctx.queue.add(`hosts/changed/${node}`, () => {
      for (const l of [...this.listeners]) l(node);
    });
  }

  /** An outside hand on a static pod's process (the etcd member state). */
  setOverride(node: string, component: ControlPlaneComponent, override: ContainerOverride | undefined): void {
    const key = `${node}/${component}`;
    if (override) this.overrides.set(key, override);
    else this.overrides.delete(key);
    this.kubelets.get(node)?.staticOverrideChanged(component);
  }

  /** Put a manifest in place or take it away without going through NodeOps (etcd restore, member add). */
  setManifest(node: string, component: ControlPlaneComponent, present: boolean): void {
    const { host, kubelet } = this.entry(node);
    if (host.manifests.has(component) === present) return;
    if (present) host.manifests.add(component);
    else host.manifests.delete(component);
    kubelet.manifestsChanged();
  }

  /**
   * `kubectl logs`: a container's log through the kubelet of the pod's node, or undefined when the pod is
   * not bound to a node of this cluster (kube-apiserver then has no kubelet to ask).
   */
  podLogs(namespace: string, name: string, container?: string, previous = false): ContainerLogResult | undefined {
    const pod: KubeObject | undefined = this.ctx.store.get('pods', namespace, name);
    const node = pod?.spec?.nodeName as string | undefined;
    const host = node ? this.hosts.get(node) : undefined;
    const kubelet = node ? this.kubelets.get(node) : undefined;
    if (!pod || !host || !kubelet) return undefined;
    const c = container ?? String(pod.spec?.containers?.[0]?.name ?? '');
    return containerLog(pod, kubelet.runtimeOf(namespace, name), c, previous, {
      ip: host.ip,
      reachable: host.alive && host.network === 'connected',
      kubeletRunning: kubelet.kubeletActive,
    });
  }

  /**
   * metrics.k8s.io as metrics-server would serve it: a NodeMetrics per node whose kubelet answers, and a
   * PodMetrics per pod with a running container on it.
   */
  resourceMetrics(): { nodes: KubeObject[]; pods: KubeObject[] } {
    const now = this.ctx.clock.now();
    const nodes: KubeObject[] = [];
    const pods: KubeObject[] = [];
    for (const [name, host] of this.hosts) {
      const kubelet = this.kubelets.get(name);
      if (!kubelet || !host.alive || host.network !== 'connected' || !kubelet.kubeletActive) continue;
      const runtimes = kubelet.runtimes();
      nodes.push(nodeMetrics(host, runtimes, now));
      for (const rt of runtimes) {
        const m = podMetrics(rt, now);
        if (m) pods.push(m);
      }
    }
    return { nodes, pods };
  }

  /** The static pod spec a component would run on `node` (for faults that need the manifest's content). */
  staticPodSpec(node: string, component: ControlPlaneComponent): KubeObject {
    const { host } = this.entry(node);
    return staticPod(component, node, host.ip, this.ctx.params.kubeletVersion);
  }

  uuid(): string {
    const h = hex(this.ctx.random, 32);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  close(): void {
    for (const u of this.unsubscribe) u();
    for (const k of this.kubelets.values()) k.shutdown();
  }
}
