import type { KubeObject } from '../../kube/objects.js';
import type { StoreEvent } from '../store/store.js';
import { BaseController } from './base-controller.js';
import { DEFAULT_CPU, DEFAULT_MEMORY, holdsResources, NodeTable, TAINTED, UNSCHEDULABLE } from './node-table.js';
import { controllerOf, hostPorts, isTerminal, podKey, podRequests, rfc3339, type Resources } from './pods.js';
import {
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
   * The nodes in the store's order with their allocatable and requested resources, kept up to date from
   * node and pod events (listing 5,000 nodes or summing a node's pods per pod is too slow).
   */
  private table: NodeTable | undefined;
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
    this.table = undefined;
    this.nodeSignatures.clear();
    this.antiAffinityPods.clear();
    for (const n of this.ctx.store.list('nodes')) this.nodeSignatures.set(n.metadata.name, nodeSignature(n));
    for (const p of this.ctx.store.list('pods')) {
      if (this.isPending(p)) this.enqueue(podKey(p));
      else if (p.spec?.nodeName && !isTerminal(p) && requiredAntiAffinityTerms(p).length)
        this.antiAffinityPods.set(podKey(p), p);
    }
  }

  protected onStoreEvent(e: StoreEvent): void {
    if (e.resource === 'nodes') this.onNodeEvent(e);
    else if (e.resource === 'pods') this.onPodEvent(e);
  }

  private onNodeEvent(e: StoreEvent): void {
    const name = e.object.metadata.name;
    if (e.type === 'MODIFIED' && this.table) {
      const i = this.table.indexOf(name);
      if (i !== undefined) this.table.setNode(i, e.object);
      else this.table = undefined;
    } else this.table = undefined;
    if (e.type === 'DELETED') {
      this.nodeSignatures.delete(name);
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
      else if (old && JSON.stringify(old.spec) !== JSON.stringify(pod.spec))
        this.enqueue(key, this.backoffLeft(failed));
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
    const table = this.nodes();
    const result = this.findNode(pod, table);
    if (result.node) {
      this.bind(pod, result.node);
      this.unschedulable.delete(key);
      return;
    }
    const message =
      table.size === 0 ? 'no nodes available to schedule pods' : this.fitError(pod, table.size, result.rejections);
    // Recorded before the status write, whose change event must not look like a new pending pod.
    const prev = this.unschedulable.get(key);
    this.unschedulable.set(key, { attempts: (prev?.attempts ?? 0) + 1, lastAttempt: this.ctx.clock.now() });
    this.enqueue(key, UNSCHEDULABLE_RETRY);
    this.markUnschedulable(pod, message);
  }

  private findNode(pod: KubeObject, table: NodeTable): { node?: KubeObject; rejections: Map<string, Rejection> } {
    const rejections = new Map<string, Rejection>();
    const n = table.size;
    if (n === 0) return { rejections };
    const req = this.requests(pod);
    const affinity = this.affinityContext(pod, table.nodes);
    const want = numFeasibleNodesToFind(n);
    // Reused between pods: this loop runs for hundreds of nodes per pod on a large cluster.
    if (this.feasible.length < n) this.feasible = new Int32Array(n);
    const feasible = this.feasible;
    let found = 0;
    const facts = podFacts(pod);
    const { flags, allocCpu, allocMemory, allocEphemeral, allocPods, cpu, memory, ephemeral, pods } = table;
    let processed = 0;
    for (; processed < n && found < want; processed++) {
      const i = (this.nextStartNode + processed) % n;
      table.ensureSummed(i);
      const node = table.nodes[i]!;
      // The default profile's filters in order; the checks that cannot reject this pod or node are skipped.
      let rejection =
        (flags[i]! & UNSCHEDULABLE ? nodeUnschedulable(pod, node) : undefined) ??
        (flags[i]! & TAINTED ? taintToleration(pod, node) : undefined) ??
        (facts.nodeAffinity ? nodeAffinity(pod, node) : undefined) ??
        (facts.hostPorts && table.ports[i]?.length ? nodePorts(pod, table.usage(i)) : undefined);
      if (
        !rejection &&
        !(
          pods[i]! + 1 <= allocPods[i]! &&
          !(req.cpu > 0 && req.cpu > allocCpu[i]! - cpu[i]!) &&
          !(req.memory > 0 && req.memory > allocMemory[i]! - memory[i]!) &&
          !(req.ephemeralStorage > 0 && req.ephemeralStorage > allocEphemeral[i]! - ephemeral[i]!)
        )
      ) {
        rejection = resourcesFit(req, table.usage(i), table.allocatable(i));
      }
      if (!rejection && affinity) rejection = interPodAffinity(affinity, node);
      if (rejection) rejections.set(node.metadata.name, rejection);
      else feasible[found++] = i;
    }
    this.nextStartNode = (this.nextStartNode + processed) % n;
    if (found === 0) return { rejections };
    return { node: table.nodes[this.select(pod, req, table, feasible, found)]!, rejections };
  }

  /** Positions of the feasible nodes of the current attempt. */
  private feasible = new Int32Array(0);

  /**
   * Least allocated + balanced allocation + spreading of one owner's pods; ties broken by the seeded
   * generator. Returns the chosen node's position.
   */
  private select(pod: KubeObject, req: Resources, table: NodeTable, feasible: Int32Array, found: number): number {
    const random = this.ctx.random;
    const owner = controllerOf(pod)?.uid;
    const same = owner ? table.ownerCounts(owner) : undefined;
    let maxSame = 0;
    if (same) {
      for (let k = 0; k < found; k++) {
        const c = same[feasible[k]!]!;
        if (c > maxSame) maxSame = c;
      }
    }
    const reqCpu = req.cpu || DEFAULT_CPU;
    const reqMemory = req.memory || DEFAULT_MEMORY;
    const { allocCpu, allocMemory, cpuNonZero, memoryNonZero } = table;
    let best = feasible[0]!;
    let bestScore = -Infinity;
    let ties = 0;
    for (let k = 0; k < found; k++) {
      const i = feasible[k]!;
      const aCpu = allocCpu[i]!;
      const aMemory = allocMemory[i]!;
      const c = cpuNonZero[i]! + reqCpu;
      const m = memoryNonZero[i]! + reqMemory;
      const cpuFree = aCpu > 0 ? Math.max(0, (aCpu - c) / aCpu) : 0;
      const memFree = aMemory > 0 ? Math.max(0, (aMemory - m) / aMemory) : 0;
      const least = Math.floor(((cpuFree + memFree) / 2) * 100);
      const balanced = Math.floor((1 - Math.abs(cpuFree - memFree)) * 100);
      const spread = maxSame === 0 ? 100 : Math.floor(((maxSame - (same ? same[i]! : 0)) / maxSame) * 100);
      const score = least + balanced + 2 * spread;
      if (score > bestScore) {
        bestScore = score;
        best = i;
        ties = 1;
      } else if (score === bestScore) {
        ties++;
        if (random.int(ties) === 0) best = i;
      }
    }
    return best;
  }

  /** Follow a pod change in the requests summed per node. */
  private trackUsage(e: StoreEvent): void {
    const table = this.table;
    if (!table) return;
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
    if (old && holdsResources(old)) {
      const i = table.indexOf(old.spec.nodeName as string);
      if (i !== undefined) table.account(i, old, -1);
    }
    if (cur && holdsResources(cur)) {
      const i = table.indexOf(cur.spec.nodeName as string);
      if (i !== undefined) table.account(i, cur, 1);
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
  private nodes(): NodeTable {
    const store = this.ctx.store;
    if (!this.table || this.table.size !== store.count('nodes')) {
      this.table = new NodeTable(
        store.list('nodes'),
        (p) => this.requests(p),
        (node) => store.podsOnNode(node),
      );
    }
    return this.table;
  }

  private affinityContext(pod: KubeObject, nodes: KubeObject[]): AffinityContext | undefined {
    const affinityTerms = requiredAffinityTerms(pod);
    const antiTerms = requiredAntiAffinityTerms(pod);
    const existingAnti = [...this.antiAffinityPods.values()].filter((p) =>
      requiredAntiAffinityTerms(p).some((t) => termSelects(t, p.metadata.namespace, pod)),
    );
    if (affinityTerms.length === 0 && antiTerms.length === 0 && existingAnti.length === 0) return undefined;
    const byName = new Map(nodes.map((n) => [n.metadata.name, n]));
    const assigned =
      affinityTerms.length || antiTerms.length
        ? this.ctx.store.list('pods').filter((p) => p.spec?.nodeName && !isTerminal(p))
        : [];
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
    const selfMatch =
      affinityTerms.length > 0 &&
      affinityDomains.every((d) => d.size === 0) &&
      affinityTerms.every((t) => termSelects(t, pod.metadata.namespace, pod));
    return { affinityTerms, affinityDomains, selfMatch, antiTerms, antiDomains: domains(antiTerms), forbidden };
  }

  private bind(pod: KubeObject, node: KubeObject): void {
    const now = rfc3339(this.ctx.clock.now());
    // A new object sharing the unchanged parts (containers, volumes, metadata) with the pending pod.
    const bound = this.ctx.store.transform('pods', pod.metadata.namespace, pod.metadata.name, (p) => {
      const conditions = ((p.status?.conditions ?? []) as { type: string }[]).filter((c) => c.type !== 'PodScheduled');
      conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now } as {
        type: string;
      });
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
    const cond = (
      (pod.status?.conditions ?? []) as { type: string; status: string; reason?: string; message?: string }[]
    ).find((c) => c.type === 'PodScheduled');
    if (!(cond && cond.status === 'False' && cond.reason === 'Unschedulable' && cond.message === message)) {
      const now = rfc3339(this.ctx.clock.now());
      this.ctx.store.mutate('pods', pod.metadata.namespace, pod.metadata.name, (p) => {
        p.status ??= {};
        p.status.phase ??= 'Pending';
        const conditions = ((p.status.conditions ?? []) as { type: string }[]).filter((c) => c.type !== 'PodScheduled');
        conditions.push({
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message,
          lastProbeTime: null,
          lastTransitionTime: now,
        } as {
          type: string;
        });
        p.status.conditions = conditions;
      });
    }
    this.ctx.events.record(pod, 'Warning', 'FailedScheduling', message, 'default-scheduler');
  }
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
      if (v === undefined || !a.affinityDomains[i]!.has(v))
        return { reasons: [REASON_POD_AFFINITY], resolvable: false };
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
  return JSON.stringify([
    node.spec?.unschedulable ?? false,
    node.status?.allocatable,
    node.metadata.labels,
    effectiveTaints(node),
  ]);
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
