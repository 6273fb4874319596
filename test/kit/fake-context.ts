import { VirtualClock } from '../../src/engine/clock.js';
import { newRunState, type PluginContext, type RunState } from '../../src/kit/plugin.js';
import { Random } from '../../src/engine/random.js';
import type { Informer, Kube, WatchEvent } from '../../src/kube/kube.js';
import { objectKey, type KubeObject } from '../../src/kube/objects.js';
import type { ResourceName } from '../../src/kube/resources.js';
import { matchLabels, parseLabelSelector } from '../../src/sim/store/selectors.js';
import {
  ActionLog,
  type EtcdMember,
  type EtcdOps,
  type EtcdSnapshot,
  type NodeOps,
  type Target,
  type TargetKind,
  type WriteResult,
} from '../../src/targets/target.js';

/**
 * A plugin context over fixed objects: reads answer from them, writes are recorded as text (and not applied),
 * host and etcd operations are recorded. Not a simulator: tests that need Kubernetes to react use the sim target.
 */
export interface Fake {
  ctx: PluginContext;
  clock: VirtualClock;
  calls: string[];
  state: RunState;
  /** Replace or add an object, as a watch event would, and wake the clock's waiters. */
  put(resource: ResourceName, obj: KubeObject): void;
  remove(resource: ResourceName, name: string, namespace?: string): void;
  etcd: FakeEtcd;
  /** Host-level calls made from now on stay under way until this settles (an ssh that does not answer). */
  holdHostCalls(until: Promise<void> | undefined): void;
}

export interface FakeOptions {
  objects?: Partial<Record<ResourceName, KubeObject[]>>;
  targetKind?: TargetKind;
  members?: EtcdMember[];
  running?: string[];
  dryRun?: boolean;
  cluster?: string;
}

export class FakeEtcd implements EtcdOps {
  members_: EtcdMember[];
  running_: Set<string>;
  data = new Map<string, string>();
  revision = 1;
  refuseWrites = false;
  constructor(
    private readonly calls: string[],
    members: EtcdMember[],
    running: string[],
  ) {
    this.members_ = members;
    this.running_ = new Set(running);
  }
  members(): Promise<EtcdMember[]> {
    return Promise.resolve([...this.members_]);
  }
  running(): Promise<string[]> {
    return Promise.resolve([...this.running_]);
  }
  stopMember(name: string, how: 'kill' | 'stop' | 'pause'): Promise<void> {
    this.calls.push(`etcd stop ${name} ${how}`);
    this.running_.delete(name);
    return Promise.resolve();
  }
  startMember(name: string): Promise<void> {
    this.calls.push(`etcd start ${name}`);
    this.running_.add(name);
    return Promise.resolve();
  }
  health() {
    return Promise.resolve(
      this.members_.map((m) => ({
        endpoint: m.clientURL,
        member: m.name,
        healthy: this.running_.has(m.name),
        message: `${m.clientURL} is ${this.running_.has(m.name) ? 'healthy' : 'unhealthy'}`,
      })),
    );
  }
  snapshotSave(label?: string): Promise<EtcdSnapshot> {
    this.calls.push(`etcd snapshot ${label ?? ''}`.trim());
    return Promise.resolve({
      path: `/tmp/${label ?? 'snapshot'}.db`,
      revision: this.revision,
      keys: this.data.size,
      takenAt: 0,
    });
  }
  restoreSingle(member: string, snapshot: EtcdSnapshot): Promise<void> {
    this.calls.push(`etcd restore ${member} ${snapshot.path}`);
    this.members_ = this.members_.filter((m) => m.name === member);
    this.running_ = new Set([member]);
    return Promise.resolve();
  }
  memberRemove(name: string): Promise<void> {
    this.calls.push(`etcd member remove ${name}`);
    this.members_ = this.members_.filter((m) => m.name !== name);
    this.running_.delete(name);
    return Promise.resolve();
  }
  memberAdd(name: string, node?: string): Promise<EtcdMember> {
    this.calls.push(`etcd member add ${name}${node ? ` on ${node}` : ''}`);
    const m: EtcdMember = {
      id: `id-${name}`,
      name,
      peerURL: `https://${node ?? name}:2380`,
      clientURL: `https://${node ?? name}:2379`,
      ...(node ? { node } : {}),
    };
    this.members_.push(m);
    this.running_.add(name);
    return Promise.resolve(m);
  }
  pointApiserver(members: string[]): Promise<void> {
    this.calls.push(`etcd point apiserver ${members.join(',')}`);
    return Promise.resolve();
  }
  write(key: string, value: string): Promise<WriteResult> {
    if (this.refuseWrites) return Promise.resolve({ ok: false, error: 'etcdserver: request timed out' });
    this.data.set(key, value);
    return Promise.resolve({ ok: true, revision: ++this.revision });
  }
  read(prefix: string): Promise<Map<string, string>> {
    return Promise.resolve(new Map([...this.data].filter(([k]) => k.startsWith(prefix))));
  }
}

export function member(name: string, node: string): EtcdMember {
  return { id: `id-${name}`, name, peerURL: `https://${node}:2380`, clientURL: `https://${node}:2379`, node };
}

const clocks: VirtualClock[] = [];

/** Stop every fake's clock, so that a poll loop a failed test left running cannot keep time moving. */
export function closeFakes(): void {
  for (const c of clocks.splice(0)) c.close();
}

export function fakeContext(o: FakeOptions = {}): Fake {
  const clock = new VirtualClock(Date.UTC(2026, 0, 1));
  clocks.push(clock);
  const calls: string[] = [];
  const store = new Map<ResourceName, Map<string, KubeObject>>();
  const listeners = new Map<ResourceName, Set<(e: WatchEvent) => void>>();
  const table = (r: ResourceName): Map<string, KubeObject> => {
    let t = store.get(r);
    if (!t) store.set(r, (t = new Map()));
    return t;
  };
  for (const [r, items] of Object.entries(o.objects ?? {}) as [ResourceName, KubeObject[]][])
    for (const obj of items) table(r).set(objectKey(obj), obj);
  const emit = (r: ResourceName, e: WatchEvent): void => {
    for (const l of listeners.get(r) ?? []) l(e);
    clock.notify();
  };
  const inNs = (obj: KubeObject, ns: string | undefined): boolean => ns === undefined || obj.metadata.namespace === ns;
  let generated = 0;
  const kube: Kube = {
    cluster: o.cluster ?? 'business',
    config: undefined as never,
    dryRun: o.dryRun ?? false,
    list: (r, opts) => {
      const labels = parseLabelSelector(opts?.labelSelector);
      return Promise.resolve({
        items: [...table(r).values()].filter((x) => inNs(x, opts?.namespace) && matchLabels(x, labels)),
        resourceVersion: '1',
      });
    },
    get: (r, name, ns) => Promise.resolve(table(r).get(ns ? `${ns}/${name}` : name)),
    create: (r, obj) => {
      // As the apiserver does: a name made from generateName when none is given.
      if (!obj.metadata.name && obj.metadata.generateName)
        obj = { ...obj, metadata: { ...obj.metadata, name: `${obj.metadata.generateName}${++generated}` } };
      calls.push(`create ${r} ${objectKey(obj)}`);
      return Promise.resolve(obj);
    },
    replace: (r, obj) => {
      calls.push(`replace ${r} ${objectKey(obj)}`);
      return Promise.resolve(obj);
    },
    patch: (r, name, patch, opts) => {
      calls.push(
        `patch ${r} ${opts.namespace ? `${opts.namespace}/` : ''}${name} ${opts.type} ${JSON.stringify(patch)}`,
      );
      return Promise.resolve({ metadata: { name } });
    },
    delete: (r, name, opts) => {
      calls.push(
        `delete ${r} ${opts?.namespace ? `${opts.namespace}/` : ''}${name}${opts?.gracePeriodSeconds !== undefined ? ` grace=${opts.gracePeriodSeconds}` : ''}`,
      );
      return Promise.resolve();
    },
    evict: (ns, name) => {
      calls.push(`evict ${ns}/${name}`);
      return Promise.resolve({ evicted: true });
    },
    scale: (r, ns, name, replicas) => {
      calls.push(`scale ${r} ${ns}/${name} ${replicas}`);
      return Promise.resolve();
    },
    informer: (r, opts) => {
      const inf: Informer = {
        resource: r,
        ready: () => Promise.resolve(),
        items: () => [...table(r).values()].filter((x) => inNs(x, opts?.namespace)),
        get: (name, ns) => table(r).get(ns ? `${ns}/${name}` : name),
        onEvent: (l) => {
          let set = listeners.get(r);
          if (!set) listeners.set(r, (set = new Set()));
          set.add(l);
          return () => set.delete(l);
        },
        stop: () => undefined,
      };
      return inf;
    },
    raw: (path) => Promise.resolve({ status: 200, body: `GET ${path} ok` }),
    close: () => undefined,
  };
  let hold: Promise<void> | undefined;
  const nodeCall = (text: string): Promise<void> => {
    calls.push(text);
    return hold ?? Promise.resolve();
  };
  const nodes: NodeOps = {
    service: (n, s, a) => nodeCall(`${a} ${s} on ${n}`),
    power: (n, a) => nodeCall(`power ${a} ${n}`),
    network: (n, a) => nodeCall(`network ${a} ${n}`),
    freeze: (n, a) => nodeCall(`freeze ${a} ${n}`),
    manifest: (n, c, a) => nodeCall(`manifest ${c} ${a} on ${n}`),
    pressure: (n, r, amount) => nodeCall(`pressure ${r} ${amount} on ${n}`),
    relieve: (n, r) => nodeCall(`relieve ${r} on ${n}`),
    overload: (n, a) => nodeCall(`overload ${a} ${n}`),
    addNode: (spec) => nodeCall(`add node ${spec.name ?? ''}`.trim()).then(() => spec.name ?? 'new-node'),
    removeNode: (n) => nodeCall(`remove node ${n}`),
    serviceState: () => Promise.resolve('active'),
  };
  const etcd = new FakeEtcd(calls, o.members ?? [], o.running ?? (o.members ?? []).map((m) => m.name));
  const target: Target = {
    kind: o.targetKind ?? 'sim',
    clock,
    clusters: () => [kube.cluster],
    kube: () => kube,
    nodes: () => nodes,
    etcd: () => etcd,
    actions: new ActionLog(),
    close: () => Promise.resolve(),
  };
  const state = newRunState();
  const ctx: PluginContext = {
    target,
    clock,
    cluster: kube.cluster,
    kube,
    nodes,
    etcd,
    signal: new AbortController().signal,
    dryRun: o.dryRun ?? false,
    random: new Random(1),
    state,
    note: (text) => calls.push(`note ${text}`),
    informer: (r, opts) => kube.informer(r, opts),
    forCluster: () => ctx,
  };
  return {
    ctx,
    clock,
    calls,
    state,
    etcd,
    put(r, obj) {
      const existed = table(r).has(objectKey(obj));
      table(r).set(objectKey(obj), obj);
      emit(r, { type: existed ? 'MODIFIED' : 'ADDED', object: obj });
    },
    remove(r, name, ns) {
      const k = ns ? `${ns}/${name}` : name;
      const obj = table(r).get(k);
      table(r).delete(k);
      if (obj) emit(r, { type: 'DELETED', object: obj });
    },
    holdHostCalls(until) {
      hold = until;
    },
  };
}

/** Objects as the default topology has them, small enough to read in a test. */
export function node(
  name: string,
  o: { master?: boolean; ready?: string; memory?: string; unschedulable?: boolean; taints?: unknown[] } = {},
): KubeObject {
  return {
    metadata: { name, labels: o.master ? { 'node-role.kubernetes.io/master': '' } : {} },
    spec: { ...(o.unschedulable ? { unschedulable: true } : {}), ...(o.taints ? { taints: o.taints } : {}) },
    status: {
      allocatable: { memory: o.memory ?? '8Gi', cpu: '4' },
      conditions: [
        {
          type: 'Ready',
          status: o.ready ?? 'True',
          ...(o.ready && o.ready !== 'True' ? { reason: 'NodeStatusUnknown' } : {}),
        },
      ],
    },
  };
}

export function deployment(
  namespace: string,
  name: string,
  o: { replicas?: number; available?: number; containers?: unknown[]; annotations?: Record<string, string> } = {},
): KubeObject {
  return {
    metadata: { name, namespace, generation: 1 },
    spec: {
      replicas: o.replicas ?? 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, ...(o.annotations ? { annotations: o.annotations } : {}) },
        spec: {
          containers: o.containers ?? [
            {
              name: name,
              image: `registry/${name}:1`,
              resources: { requests: { memory: '512Mi' }, limits: { memory: '1Gi' } },
            },
          ],
        },
      },
    },
    status: {
      observedGeneration: 1,
      replicas: o.replicas ?? 2,
      updatedReplicas: o.replicas ?? 2,
      availableReplicas: o.available ?? o.replicas ?? 2,
      readyReplicas: o.available ?? o.replicas ?? 2,
    },
  };
}

export function pod(
  namespace: string,
  name: string,
  o: {
    app?: string;
    node?: string;
    phase?: string;
    ready?: boolean;
    memory?: string;
    owner?: string;
    terminating?: boolean;
    restarts?: number;
    waiting?: string;
    lastTerminated?: string;
    uid?: string;
  } = {},
): KubeObject {
  const ready = o.ready ?? (o.phase ?? 'Running') === 'Running';
  return {
    metadata: {
      name,
      namespace,
      uid: o.uid ?? `uid-${name}`,
      labels: o.app ? { app: o.app } : {},
      ...(o.owner
        ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: o.owner, name: 'owner', uid: 'u', controller: true }] }
        : {}),
      ...(o.terminating ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: {
      ...(o.node ? { nodeName: o.node } : {}),
      containers: [{ name: 'app', resources: { requests: { memory: o.memory ?? '256Mi' } } }],
    },
    status: {
      phase: o.phase ?? 'Running',
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [
        {
          name: 'app',
          ready,
          restartCount: o.restarts ?? 0,
          state: o.waiting ? { waiting: { reason: o.waiting } } : { running: {} },
          ...(o.lastTerminated ? { lastState: { terminated: { reason: o.lastTerminated, exitCode: 137 } } } : {}),
        },
      ],
    },
  };
}
