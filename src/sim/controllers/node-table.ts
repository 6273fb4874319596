import type { KubeObject } from '../../kube/objects.js';
import { controllerOf, hostPorts, isTerminal, type Resources } from './pods.js';
import { allocatable, effectiveTaints, type Allocatable, type NodeUsage } from './scheduling-filters.js';

/** The scheduler's non-zero defaults for pods without requests (100m, 200Mi), used in scoring. */
export const DEFAULT_CPU = 100;
export const DEFAULT_MEMORY = 200 * 2 ** 20;

export const UNSCHEDULABLE = 1;
/** The node has a NoSchedule or NoExecute taint (its own or the not-ready one). */
export const TAINTED = 2;

type HostPort = NodeUsage['ports'][number];

/** A pod bound to a node and not finished holds resources there. */
export function holdsResources(p: KubeObject): boolean {
  return Boolean(p.spec?.nodeName) && !isTerminal(p);
}

/**
 * What the scheduler reads about every node, in flat arrays by the node's position in the store's list:
 * allocatable, the requests of the pods bound to it, which filters can reject on it, and how many pods of
 * each controller it runs. On a cluster of thousands of nodes the scheduler visits hundreds of nodes per
 * pod; reading them from objects scattered over a large heap costs a cache miss each, typed arrays do not.
 *
 * A node's requests are summed from its pods when first asked (`ensureSummed`) and then kept up to date
 * with `account` as pods come, go and finish. The table is rebuilt when nodes come or go.
 */
export class NodeTable {
  readonly size: number;
  readonly nodes: KubeObject[];
  private readonly index = new Map<string, number>();
  readonly flags: Uint8Array;
  readonly allocCpu: Float64Array;
  readonly allocMemory: Float64Array;
  readonly allocEphemeral: Float64Array;
  readonly allocPods: Float64Array;
  /** 1 once the node's pods are summed. */
  readonly summed: Uint8Array;
  readonly cpu: Float64Array;
  readonly memory: Float64Array;
  readonly ephemeral: Float64Array;
  readonly pods: Float64Array;
  readonly cpuNonZero: Float64Array;
  readonly memoryNonZero: Float64Array;
  readonly ports: (HostPort[] | undefined)[];
  /**
   * Pods per controller uid per node (summed nodes only). Dense: 4 bytes per node per controller with pods
   * bound, dropped when its last pod goes.
   */
  private readonly owners = new Map<string, { counts: Int32Array; total: number }>();

  constructor(
    nodes: KubeObject[],
    private readonly requests: (pod: KubeObject) => Resources,
    private readonly podsOnNode: (node: string) => KubeObject[],
  ) {
    const n = nodes.length;
    this.size = n;
    this.nodes = [...nodes];
    this.flags = new Uint8Array(n);
    this.allocCpu = new Float64Array(n);
    this.allocMemory = new Float64Array(n);
    this.allocEphemeral = new Float64Array(n);
    this.allocPods = new Float64Array(n);
    this.summed = new Uint8Array(n);
    this.cpu = new Float64Array(n);
    this.memory = new Float64Array(n);
    this.ephemeral = new Float64Array(n);
    this.pods = new Float64Array(n);
    this.cpuNonZero = new Float64Array(n);
    this.memoryNonZero = new Float64Array(n);
    this.ports = new Array<HostPort[] | undefined>(n).fill(undefined);
    for (let i = 0; i < n; i++) {
      this.index.set(nodes[i]!.metadata.name, i);
      this.setNode(i, nodes[i]!);
    }
  }

  indexOf(name: string): number | undefined {
    return this.index.get(name);
  }

  /** A new version of the node at `i` (same name). */
  setNode(i: number, node: KubeObject): void {
    this.nodes[i] = node;
    const a = allocatable(node);
    this.allocCpu[i] = a.cpu;
    this.allocMemory[i] = a.memory;
    this.allocEphemeral[i] = a.ephemeralStorage;
    this.allocPods[i] = a.pods;
    let flags = 0;
    if (node.spec?.unschedulable) flags |= UNSCHEDULABLE;
    if (effectiveTaints(node).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')) flags |= TAINTED;
    this.flags[i] = flags;
  }

  ensureSummed(i: number): void {
    if (this.summed[i]) return;
    this.summed[i] = 1;
    for (const p of this.podsOnNode(this.nodes[i]!.metadata.name)) if (holdsResources(p)) this.account(i, p, 1);
  }

  /** Add (1) or take away (-1) what `pod` holds on the node at `i`, if that node is summed. */
  account(i: number, pod: KubeObject, sign: 1 | -1): void {
    if (!this.summed[i]) return;
    const r = this.requests(pod);
    this.pods[i]! += sign;
    this.cpu[i]! += sign * r.cpu;
    this.memory[i]! += sign * r.memory;
    this.ephemeral[i]! += sign * r.ephemeralStorage;
    this.cpuNonZero[i]! += sign * (r.cpu || DEFAULT_CPU);
    this.memoryNonZero[i]! += sign * (r.memory || DEFAULT_MEMORY);
    const ports = hostPorts(pod);
    if (ports.length) {
      const held = (this.ports[i] ??= []);
      if (sign > 0) held.push(...ports);
      else {
        for (const port of ports) {
          const at = held.findIndex(
            (x) => x.port === port.port && x.protocol === port.protocol && x.hostIP === port.hostIP,
          );
          if (at >= 0) held.splice(at, 1);
        }
      }
    }
    const owner = controllerOf(pod)?.uid;
    if (owner) {
      let o = this.owners.get(owner);
      if (!o) {
        if (sign < 0) return;
        o = { counts: new Int32Array(this.size), total: 0 };
        this.owners.set(owner, o);
      }
      o.counts[i]! += sign;
      o.total += sign;
      if (o.total <= 0) this.owners.delete(owner);
    }
  }

  /** Pods of controller `uid` per node, or undefined when none is bound to a summed node. */
  ownerCounts(uid: string): Int32Array | undefined {
    return this.owners.get(uid)?.counts;
  }

  /** The node at `i` as the filter plugins take it (when a fast check failed and reasons are needed). */
  usage(i: number): NodeUsage {
    const owners = new Map<string, number>();
    for (const [uid, o] of this.owners) if (o.counts[i]) owners.set(uid, o.counts[i]);
    return {
      cpu: this.cpu[i]!,
      memory: this.memory[i]!,
      ephemeralStorage: this.ephemeral[i]!,
      pods: this.pods[i]!,
      cpuNonZero: this.cpuNonZero[i]!,
      memoryNonZero: this.memoryNonZero[i]!,
      ports: [...(this.ports[i] ?? [])],
      owners,
    };
  }

  allocatable(i: number): Allocatable {
    return {
      cpu: this.allocCpu[i]!,
      memory: this.allocMemory[i]!,
      ephemeralStorage: this.allocEphemeral[i]!,
      pods: this.allocPods[i]!,
    };
  }
}
