import type { KubeObject } from '../../kube/objects.js';
import type { StoreEvent } from '../store/store.js';
import { BaseController } from './base-controller.js';
import { controllerOf, hostPorts, isTerminal, podKey, podRequests, rfc3339, type Resources } from './pods.js';
import {
  allocatable,
  effectiveTaints,
  nodeAffinity,
  nodePorts,
  nodeUnschedulable,
  REASON_EXISTING_ANTI_AFFINITY,
  REASON_POD_AFFINITY,
  REASON_POD_ANTI_AFFINITY,
  requiredAffinityTerms,
  requiredAntiAffinityTerms,
  resourcesFit,
  taintToleration,
  termSelects,
  topologyValue,
  type Allocatable,
  type NodeUsage,
  type Rejection,
} from './scheduling-filters.js';

export interface SchedulerOptions {
  /**
   * Append the PostFilter (preemption) summary to FailedScheduling messages as Kubernetes 1.2x does
   * (` preemption: 0/7 nodes are available: 7 No preemption victims found for incoming pod.`). Default on;
   * off gives the shorter message of older versions such as the runbook's v1.13.
   */
  preemptionMessage?: boolean;
  schedulerName?: string;
}

/** podMaxInUnschedulablePodsDuration: an unschedulable pod is retried at least this often. */
export const UNSCHEDULABLE_RETRY = 300_000;
const BACKOFF_INITIAL = 1_000;
const BACKOFF_MAX = 10_000;
const DEFAULT_CPU = 100;
const DEFAULT_MEMORY = 200 * 2 ** 20;

const NO_VICTIMS = 'No preemption victims found for incoming pod';
const NOT_HELPFUL = 'Preemption is not helpful for scheduling';

/**
 * kube-scheduler: binds each pending pod to the best feasible node (filters in the default profile's order,
 * least-allocated scoring with spreading and a seeded tie-break), or marks it Unschedulable with a
 * FailedScheduling event worded as Kubernetes words it. Unschedulable pods are retried when nodes or pods
 * change (with the 1 s to 10 s back-off) and at least every 5 minutes.
 */
export class Scheduler extends BaseController {
  readonly name = 'scheduler';
  protected readonly component = 'kube-scheduler' as const;
  private readonly preemptionMessage: boolean | undefined;
  private readonly schedulerName: string;
  /**
   * Requests on each node, built from the store when first asked and then kept up to date from pod events
   * (summing a node's pods on every pod change costs O(pods per node) per change).
   */
  private readonly usage = new Map<string, NodeUsage>();
  /** The nodes in the store's order, kept from node events (listing 5,000 nodes per pod is too slow). */
  private nodeList: KubeObject[] | undefined;
  /** The usage of `nodeList[i]`, looked up once. */
  private usageList: (NodeUsage | undefined)[] = [];
  private readonly nodeIndex = new Map<string, number>();
  private readonly unschedulable = new Map<string, { attempts: number; lastAttempt: number }>();
  private readonly nodeSignatures = new Map<string, string>();
  /** Assigned pods carrying required anti-affinity terms (rare; checked against every incoming pod). */
  private readonly antiAffinityPods = new Map<string, KubeObject>();
  private nextStartNode = 0;

  constructor(options: SchedulerOptions = {}) {
    super();
    this.preemptionMessage = options.preemptionMessage;
    this.schedulerName = options.schedulerName ?? 'default-scheduler';
  }

  private get withPreemption(): boolean {
    return this.preemptionMessage ?? this.ctx.params.schedulerPreemptionMessage ?? true;
  }

  protected resyncAll(): void {
    // Nothing was observed while inactive: rebuild every cache from the store.
    this.usage.clear();
    this.nodeList = undefined;
    this.nodeSignatures.clear();
    this.antiAffinityPods.clear();
    for (const n of this.ctx.store.list('nodes')) this.nodeSignatures.set(n.metadata.name, nodeSignature(n));
    for (const p of this.ctx.store.list('pods')) {
      if (this.isPending(p)) this.enqueue(podKey(p));
      else if (p.spec?.nodeName && !isTerminal(p) && requiredAntiAffinityTerms(p).length) this.antiAffinityPods.set(podKey(p), p);
    }
  }

  protected onStoreEvent(e: StoreEvent): void {
    if (e.resource === 'nodes') this.onNodeEvent(e);
    else if (e.resource === 'pods') this.onPodEvent(e);
  }

  private onNodeEvent(e: StoreEvent): void {
    const name = e.object.metadata.name;
    if (e.type === 'MODIFIED' && this.nodeList) {
      const i = this.nodeIndex.get(name);
      if (i !== undefined) this.nodeList[i] = e.object;
      else this.nodeList = undefined;
    } else this.nodeList = undefined;
    if (e.type === 'DELETED') {
      this.nodeSignatures.delete(name);
      this.usage.delete(name);
      return;
    }
    const sig = nodeSignature(e.object);
    if (this.nodeSignatures.get(name) === sig) return; // heartbeats do not make pods schedulable
    this.nodeSignatures.set(name, sig);
    this.moveAllUnschedulable();
  }

  private onPodEvent(e: StoreEvent): void {
    const pod = e.object;
    const old = e.old;
    this.trackUsage(e);
    // A status write on a bound pod (most events at scale) changes nothing the scheduler keeps.
    if (
      e.type === 'MODIFIED' &&
      old !== undefined &&
      old.spec === pod.spec &&
      pod.spec?.nodeName &&
      old.metadata.deletionTimestamp === pod.metadata.deletionTimestamp &&
      isTerminal(old) === isTerminal(pod) &&
      requiredAntiAffinityTerms(pod).length === 0
    ) {
      return;
    }
    const key = podKey(pod);
    const oldNode = old?.spec?.nodeName as string | undefined;
    const newNode = e.type === 'DELETED' ? undefined : (pod.spec?.nodeName as string | undefined);

    if (newNode && !isTerminal(pod) && requiredAntiAffinityTerms(pod).length) this.antiAffinityPods.set(key, pod);
    else this.antiAffinityPods.delete(key);

    if (e.type !== 'DELETED' && this.isPending(pod)) {
      const failed = this.unschedulable.get(key);
      if (!failed) this.enqueue(key);
      else if (old && JSON.stringify(old.spec) !== JSON.stringify(pod.spec)) this.enqueue(key, this.backoffLeft(failed));
      return;
    }
    this.unschedulable.delete(key);
    // Resources freed on a node: pods that did not fit may fit now.
    const freed =
      (oldNode && (e.type === 'DELETED' || !newNode)) ||
      (newNode && old && !isTerminal(old) && isTerminal(pod)) ||
      (newNode && old && !sameRequests(this.requests(old), this.requests(pod)));
    if (freed) this.moveAllUnschedulable();
  }

  private isPending(pod: KubeObject): boolean {
    return (
      !pod.spec?.nodeName &&
      !pod.metadata.deletionTimestamp &&
      !isTerminal(pod) &&
      ((pod.spec?.schedulerName as string | undefined) ?? 'default-scheduler') === this.schedulerName &&
      !(pod.spec?.schedulingGates as unknown[] | undefined)?.length
    );
  }

  private backoffLeft(f: { attempts: number; lastAttempt: number }): number {
    const backoff = Math.min(BACKOFF_INITIAL * 2 ** Math.max(0, f.attempts - 1), BACKOFF_MAX);
    return Math.max(0, f.lastAttempt + backoff - this.ctx.clock.now());
  }

  private moveAllUnschedulable(): void {
    for (const [key, f] of this.unschedulable) this.enqueue(key, this.backoffLeft(f));
  }

  protected reconcile(key: string): void {
    const [ns, name] = splitPodKey(key);
    const pod = this.ctx.store.get('pods', ns, name);
    if (!pod || !this.isPending(pod)) {
      this.unschedulable.delete(key);
      return;
    }
    const nodes = this.nodes();
    const result = this.findNode(pod, nodes);
    if (result.node) {
      this.bind(pod, result.node);
      this.unschedulable.delete(key);
      return;
    }
    const message = nodes.length === 0 ? 'no nodes available to schedule pods' : this.fitError(pod, nodes.length, result.rejections);
    // Recorded before the status write, whose change event must not look like a new pending pod.
    const prev = this.unschedulable.get(key);
    this.unschedulable.set(key, { attempts: (prev?.attempts ?? 0) + 1, lastAttempt: this.ctx.clock.now() });
    this.enqueue(key, UNSCHEDULABLE_RETRY);
    this.markUnschedulable(pod, message);
  }

  private findNode(pod: KubeObject, nodes: KubeObject[]): { node?: KubeObject; rejections: Map<string, Rejection> } {
    const rejections = new Map<string, Rejection>();
    if (nodes.length === 0) return { rejections };
    const req = this.requests(pod);
    const affinity = this.affinityContext(pod, nodes);
    const want = numFeasibleNodesToFind(nodes.length);
    // Reused between pods: this loop runs for hundreds of nodes per pod on a large cluster.
    const feasible = this.feasibleNodes;
    const usages = this.feasibleUsages;
    const allocs = this.feasibleAllocs;
    feasible.length = 0;
    usages.length = 0;
    allocs.length = 0;
    const facts = podFacts(pod);
    let processed = 0;
    for (; processed < nodes.length && feasible.length < want; processed++) {
      const i = (this.nextStartNode + processed) % nodes.length;
      const node = nodes[i]!;
      const usage = (this.usageList[i] ??= this.nodeUsage(node.metadata.name));
      const n = nodeFacts(node);
      const rejection = this.filter(pod, facts, node, n, usage, req, affinity);
      if (rejection) rejections.set(node.metadata.name, rejection);
      else {
        feasible.push(node);
        usages.push(usage);
        allocs.push(n.allocatable);
      }
    }
    this.nextStartNode = (this.nextStartNode + processed) % nodes.length;
    if (feasible.length === 0) return { rejections };
    return { node: this.select(pod, req, feasible, usages, allocs), rejections };
  }

  private readonly feasibleNodes: KubeObject[] = [];
  private readonly feasibleUsages: NodeUsage[] = [];
  private readonly feasibleAllocs: Allocatable[] = [];
  private readonly sameOwner: number[] = [];

  /** The default profile's filters in order; the checks that cannot reject this pod or node are skipped. */
  private filter(
    pod: KubeObject,
    facts: PodFacts,
    node: KubeObject,
    n: NodeFacts,
    usage: NodeUsage,
    req: Resources,
    affinity: AffinityContext | undefined,
  ): Rejection | undefined {
    return (
      (n.unschedulable ? nodeUnschedulable(pod, node) : undefined) ??
      (n.taints ? taintToleration(pod, node) : undefined) ??
      (facts.nodeAffinity ? nodeAffinity(pod, node) : undefined) ??
      (facts.hostPorts && usage.ports.length ? nodePorts(pod, usage) : undefined) ??
      resourcesFit(req, usage, n.allocatable) ??
      (affinity ? interPodAffinity(affinity, node) : undefined)
    );
  }

  /** Least allocated + balanced allocation + spreading of one owner's pods; ties broken by the seeded generator. */
  private select(pod: KubeObject, req: Resources, feasible: KubeObject[], usages: NodeUsage[], allocs: Allocatable[]): KubeObject {
    const random = this.ctx.random;
    const owner = controllerOf(pod)?.uid;
    const sameOwner = this.sameOwner;
    sameOwner.length = feasible.length;
    let maxSame = 0;
    for (let i = 0; i < feasible.length; i++) {
      const same = owner ? (usages[i]!.owners.get(owner) ?? 0) : 0;
      sameOwner[i] = same;
      if (same > maxSame) maxSame = same;
    }
    const reqCpu = req.cpu || DEFAULT_CPU;
    const reqMemory = req.memory || DEFAULT_MEMORY;
    let best: KubeObject = feasible[0]!;
    let bestScore = -Infinity;
    let ties = 0;
    for (let i = 0; i < feasible.length; i++) {
      const node = feasible[i]!;
      const alloc = allocs[i]!;
      const u = usages[i]!;
      const cpu = u.cpuNonZero + reqCpu;
      const mem = u.memoryNonZero + reqMemory;
      const cpuFree = alloc.cpu > 0 ? Math.max(0, (alloc.cpu - cpu) / alloc.cpu) : 0;
      const memFree = alloc.memory > 0 ? Math.max(0, (alloc.memory - mem) / alloc.memory) : 0;
      const least = Math.floor(((cpuFree + memFree) / 2) * 100);
      const balanced = Math.floor((1 - Math.abs(cpuFree - memFree)) * 100);
      const spread = maxSame === 0 ? 100 : Math.floor(((maxSame - sameOwner[i]!) / maxSame) * 100);
      const score = least + balanced + 2 * spread;
      if (score > bestScore) {
        bestScore = score;
        best = node;
        ties = 1;
      } else if (score === bestScore) {
        ties++;
        if (random.int(ties) === 0) best = node;
      }
    }
    return best;
  }

  private nodeUsage(node: string): NodeUsage {
    let u = this.usage.get(node);
    if (u) return u;
    u = { cpu: 0, memory: 0, ephemeralStorage: 0, pods: 0, cpuNonZero: 0, memoryNonZero: 0, ports: [], owners: new Map() };
    for (const p of this.ctx.store.podsOnNode(node)) if (counted(p)) this.account(u, p, 1);
    this.usage.set(node, u);
    return u;
  }

  /** Add (sign 1) or take away (sign -1) what a pod holds on its node. */
  private account(u: NodeUsage, p: KubeObject, sign: 1 | -1): void {
    const r = this.requests(p);
    u.pods += sign;
    u.cpu += sign * r.cpu;
    u.memory += sign * r.memory;
    u.ephemeralStorage += sign * r.ephemeralStorage;
    u.cpuNonZero += sign * (r.cpu || DEFAULT_CPU);
    u.memoryNonZero += sign * (r.memory || DEFAULT_MEMORY);
    const ports = hostPorts(p);
    if (sign > 0) u.ports.push(...ports);
    else {
      for (const port of ports) {
        const i = u.ports.findIndex((x) => x.port === port.port && x.protocol === port.protocol && x.hostIP === port.hostIP);
        if (i >= 0) u.ports.splice(i, 1);
      }
    }
    const owner = controllerOf(p)?.uid;
    if (owner) {
      const n = (u.owners.get(owner) ?? 0) + sign;
      if (n > 0) u.owners.set(owner, n);
      else u.owners.delete(owner);
    }
  }

  /** Follow a pod change in the usage of the nodes already summed (the others are summed when asked). */
  private trackUsage(e: StoreEvent): void {
    const old = e.old;
    const cur = e.type === 'DELETED' ? undefined : e.object;
    // Most changes are status writes that leave what the pod holds as it was.
    if (
      old &&
      cur &&
      old.spec === cur.spec &&
      old.metadata.ownerReferences === cur.metadata.ownerReferences &&
      isTerminal(old) === isTerminal(cur)
    ) {
      return;
    }
    if (old && counted(old)) {
      const u = this.usage.get(old.spec.nodeName as string);
      if (u) this.account(u, old, -1);
    }
    if (cur && counted(cur)) {
      const u = this.usage.get(cur.spec.nodeName as string);
      if (u) this.account(u, cur, 1);
    }
  }

  /** Effective requests of a stored pod, computed once per spec (stored objects are never changed). */
  private readonly requestCache = new WeakMap<object, Resources>();

  private requests(pod: KubeObject): Resources {
    const spec = pod.spec as object | undefined;
    if (!spec) return podRequests(pod);
    let r = this.requestCache.get(spec);
    if (!r) {
      r = podRequests(pod);
      this.requestCache.set(spec, r);
    }
    return r;
  }

  /** The nodes as the store lists them, kept between reconciles. */
  private nodes(): KubeObject[] {
    if (!this.nodeList || this.nodeList.length !== this.ctx.store.count('nodes')) {
      this.nodeList = this.ctx.store.list('nodes');
      this.usageList = [];
      this.nodeIndex.clear();
      this.nodeList.forEach((n, i) => this.nodeIndex.set(n.metadata.name, i));
    }
    return this.nodeList;
  }

  private affinityContext(pod: KubeObject, nodes: KubeObject[]): AffinityContext | undefined {
    const affinityTerms = requiredAffinityTerms(pod);
    const antiTerms = requiredAntiAffinityTerms(pod);
    const existingAnti = [...this.antiAffinityPods.values()].filter((p) =>
      requiredAntiAffinityTerms(p).some((t) => termSelects(t, p.metadata.namespace, pod)),
    );
    if (affinityTerms.length === 0 && antiTerms.length === 0 && existingAnti.length === 0) return undefined;
    const byName = new Map(nodes.map((n) => [n.metadata.name, n]));
    const assigned = affinityTerms.length || antiTerms.length ? this.ctx.store.list('pods').filter((p) => p.spec?.nodeName && !isTerminal(p)) : [];
    const domains = (terms: typeof antiTerms): Set<string>[] =>
      terms.map((t) => {
        const s = new Set<string>();
        for (const p of assigned) {
          if (!termSelects(t, pod.metadata.namespace, p)) continue;
          const v = topologyValue(byName.get(p.spec.nodeName as string), t.topologyKey);
          if (v !== undefined) s.add(v);
        }
        return s;
      });
    const forbidden: { key: string; value: string }[] = [];
    for (const p of existingAnti) {
      for (const t of requiredAntiAffinityTerms(p)) {
        if (!termSelects(t, p.metadata.namespace, pod)) continue;
        const v = topologyValue(byName.get(p.spec?.nodeName as string), t.topologyKey);
        if (v !== undefined) forbidden.push({ key: t.topologyKey, value: v });
      }
    }
    const affinityDomains = domains(affinityTerms);
    // A pod may be the first of a group that wants to be together: allowed anywhere if it matches its own terms.
    const selfMatch = affinityTerms.length > 0 && affinityDomains.every((d) => d.size === 0) && affinityTerms.every((t) => termSelects(t, pod.metadata.namespace, pod));
    return { affinityTerms, affinityDomains, selfMatch, antiTerms, antiDomains: domains(antiTerms), forbidden };
  }

  private bind(pod: KubeObject, node: KubeObject): void {
    const now = rfc3339(this.ctx.clock.now());
    // A new object sharing the unchanged parts (containers, volumes, metadata) with the pending pod.
    const bound = this.ctx.store.transform('pods', pod.metadata.namespace, pod.metadata.name, (p) => {
      const conditions = ((p.status?.conditions ?? []) as { type: string }[]).filter((c) => c.type !== 'PodScheduled');
      conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now } as { type: string });
      return { ...p, spec: { ...p.spec, nodeName: node.metadata.name }, status: { ...p.status, conditions } };
    });
    if (bound) {
      this.ctx.events.record(
        bound,
        'Normal',
        'Scheduled',
        `Successfully assigned ${pod.metadata.namespace ?? 'default'}/${pod.metadata.name} to ${node.metadata.name}`,
        'default-scheduler',
      );
    }
  }

  /** framework.FitError.Error(), with the PostFilter message of DefaultPreemption appended. */
  private fitError(pod: KubeObject, numNodes: number, rejections: Map<string, Rejection>): string {
    let msg = `0/${numNodes} nodes are available: ${histogram([...rejections.values()].flatMap((r) => r.reasons))}.`;
    if (this.withPreemption) {
      if (pod.spec?.preemptionPolicy === 'Never') msg += ' preemption: not eligible due to preemptionPolicy=Never.';
      else {
        const post = [...rejections.values()].map((r) => (r.resolvable ? NO_VICTIMS : NOT_HELPFUL));
        msg += ` preemption: 0/${numNodes} nodes are available: ${histogram(post)}.`;
      }
    }
    return msg;
  }

  private markUnschedulable(pod: KubeObject, message: string): void {
    const cond = ((pod.status?.conditions ?? []) as { type: string; status: string; reason?: string; message?: string }[]).find(
      (c) => c.type === 'PodScheduled',
    );
    if (!(cond && cond.status === 'False' && cond.reason === 'Unschedulable' && cond.message === message)) {
      const now = rfc3339(this.ctx.clock.now());
      this.ctx.store.mutate('pods', pod.metadata.namespace, pod.metadata.name, (p) => {
        p.status ??= {};
        p.status.phase ??= 'Pending';
        const conditions = ((p.status.conditions ?? []) as { type: string }[]).filter((c) => c.type !== 'PodScheduled');
        conditions.push({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message, lastProbeTime: null, lastTransitionTime: now } as {
          type: string;
        });
        p.status.conditions = conditions;
      });
    }
    this.ctx.events.record(pod, 'Warning', 'FailedScheduling', message, 'default-scheduler');
  }
}

/** A pod bound to a node and not finished holds resources there. */
function counted(p: KubeObject): boolean {
  return Boolean(p.spec?.nodeName) && !isTerminal(p);
}

function sameRequests(a: Resources, b: Resources): boolean {
  return a.cpu === b.cpu && a.memory === b.memory && a.ephemeralStorage === b.ephemeralStorage;
}

/** Which filters can reject a pod at all, decided once per scheduling attempt. */
interface PodFacts {
  nodeAffinity: boolean;
  hostPorts: boolean;
}

function podFacts(pod: KubeObject): PodFacts {
  const selector = pod.spec?.nodeSelector as Record<string, string> | undefined;
  return {
    nodeAffinity:
      (selector !== undefined && Object.keys(selector).length > 0) ||
      pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution !== undefined,
    hostPorts: hostPorts(pod).length > 0,
  };
}

/** What the filters read from a node, computed once per node version (stored objects are never changed). */
interface NodeFacts {
  allocatable: Allocatable;
  unschedulable: boolean;
  /** Whether the node has any taint (its own or the not-ready one) the taint filter looks at. */
  taints: boolean;
}

const nodeFactsCache = new WeakMap<KubeObject, NodeFacts>();

function nodeFacts(node: KubeObject): NodeFacts {
  let f = nodeFactsCache.get(node);
  if (!f) {
    f = {
      allocatable: allocatable(node),
      unschedulable: Boolean(node.spec?.unschedulable),
      taints: effectiveTaints(node).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute'),
    };
    nodeFactsCache.set(node, f);
  }
  return f;
}

interface AffinityContext {
  affinityTerms: ReturnType<typeof requiredAffinityTerms>;
  affinityDomains: Set<string>[];
  selfMatch: boolean;
  antiTerms: ReturnType<typeof requiredAntiAffinityTerms>;
  antiDomains: Set<string>[];
  forbidden: { key: string; value: string }[];
}

function interPodAffinity(a: AffinityContext, node: KubeObject): Rejection | undefined {
  if (!a.selfMatch) {
    for (let i = 0; i < a.affinityTerms.length; i++) {
      const v = topologyValue(node, a.affinityTerms[i]!.topologyKey);
      if (v === undefined || !a.affinityDomains[i]!.has(v)) return { reasons: [REASON_POD_AFFINITY], resolvable: false };
    }
  }
  for (let i = 0; i < a.antiTerms.length; i++) {
    const v = topologyValue(node, a.antiTerms[i]!.topologyKey);
    if (v !== undefined && a.antiDomains[i]!.has(v)) return { reasons: [REASON_POD_ANTI_AFFINITY], resolvable: true };
  }
  for (const f of a.forbidden) {
    if (topologyValue(node, f.key) === f.value) return { reasons: [REASON_EXISTING_ANTI_AFFINITY], resolvable: true };
  }
  return undefined;
}

/** "3 Insufficient memory, 1 node(s) were unschedulable" sorted as Go's sort.Strings sorts them. */
export function histogram(reasons: string[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts.entries()]
    .map(([r, n]) => `${n} ${r}`)
    .sort()
    .join(', ');
}

/** What can change a scheduling decision about a node (not its heartbeat times). */
function nodeSignature(node: KubeObject): string {
  return JSON.stringify([node.spec?.unschedulable ?? false, node.status?.allocatable, node.metadata.labels, effectiveTaints(node)]);
}

/** percentageOfNodesToScore's adaptive default: all nodes below 100, else 50% - n/125, at least 5% and 100 nodes. */
function numFeasibleNodesToFind(n: number): number {
  if (n < 100) return n;
  const pct = Math.max(5, 50 - Math.floor(n / 125));
  return Math.max(100, Math.floor((n * pct) / 100));
}

function splitPodKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}
