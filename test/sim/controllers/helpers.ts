import { VirtualClock } from '../../../src/engine/clock.js';
import { Random } from '../../../src/engine/random.js';
import type { KubeObject } from '../../../src/kube/objects.js';
import type { ControlPlaneComponentName, ControlPlaneState, Controller, SimContext } from '../../../src/sim/context.js';
import { EventRecorder } from '../../../src/sim/events.js';
import { DEFAULT_PARAMS } from '../../../src/sim/params.js';
import { Store } from '../../../src/sim/store/store.js';
import { WorkQueue } from '../../../src/sim/work-queue.js';
import { admit } from '../../../src/sim/admission/index.js';
import { rfc3339 } from '../../../src/sim/controllers/pods.js';

/** A control plane whose components are all up unless a test says otherwise. */
export class StubControlPlane implements ControlPlaneState {
  private readonly down = new Set<ControlPlaneComponentName>();
  private readonly listeners = new Set<(c: ControlPlaneComponentName) => void>();
  active(c: ControlPlaneComponentName): boolean {
    return !this.down.has(c);
  }
  onChange(l: (c: ControlPlaneComponentName) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  set(c: ControlPlaneComponentName, up: boolean): void {
    if (up) this.down.delete(c);
    else this.down.add(c);
    for (const l of this.listeners) l(c);
  }
}

export interface TestSim {
  ctx: SimContext;
  clock: VirtualClock;
  store: Store;
  controlPlane: StubControlPlane;
  start(...controllers: Controller[]): void;
  /** Let virtual time pass (every timer due in between fires). */
  advance(ms: number): Promise<void>;
  /** Create through admission, as a client would through the apiserver. */
  create(resource: string, obj: KubeObject): KubeObject;
  close(): void;
}

export function testSim(seed = 1): TestSim {
  const clock = new VirtualClock();
  const store = new Store(clock);
  const controlPlane = new StubControlPlane();
  const queue = new WorkQueue(clock);
  const ctx: SimContext = {
    cluster: 'test',
    store,
    clock,
    random: new Random(seed),
    params: { ...DEFAULT_PARAMS },
    queue,
    events: new EventRecorder(store, clock),
    controlPlane,
  };
  const started: Controller[] = [];
  return {
    ctx,
    clock,
    store,
    controlPlane,
    start(...controllers) {
      for (const c of controllers) {
        c.start(ctx);
        started.push(c);
      }
    },
    async advance(ms) {
      await clock.sleep(ms);
      const errors = [...queue.takeErrors(), ...clock.takeErrors()];
      if (errors.length) throw errors[0];
    },
    create(resource, obj) {
      return store.create(resource, admit(resource, obj, undefined, { store }));
    },
    close() {
      for (const c of started) c.stop();
      clock.close();
    },
  };
}

export function node(
  name: string,
  opts: {
    cpu?: string;
    memory?: string;
    pods?: number;
    taints?: KubeObject['spec'];
    labels?: Record<string, string>;
    ready?: boolean;
  } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...opts.labels } },
    spec: opts.taints ? { taints: opts.taints } : {},
    status: {
      capacity: { cpu: opts.cpu ?? '8', memory: opts.memory ?? '32Gi', pods: String(opts.pods ?? 110) },
      allocatable: { cpu: opts.cpu ?? '8', memory: opts.memory ?? '32Gi', pods: String(opts.pods ?? 110) },
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True', reason: 'KubeletReady' }],
    },
  };
}

/**
 * The kubelet, reduced to what controllers observe: a bound pod becomes Running and Ready `startMs` after
 * binding, and a pod with a deletionTimestamp is removed `stopMs` later. Nodes in `dead` do neither.
 */
export class FakeKubelet implements Controller {
  readonly name = 'fake-kubelet';
  readonly dead = new Set<string>();
  private unsubscribe: (() => void) | undefined;
  constructor(
    private readonly startMs = 3_000,
    private readonly stopMs = 1_000,
  ) {}
  start(ctx: SimContext): void {
    const handle = (p: KubeObject): void => {
      const node = p.spec?.nodeName as string | undefined;
      if (!node || this.dead.has(node)) return;
      const { namespace, name, uid } = p.metadata;
      if (p.metadata.deletionTimestamp) {
        ctx.clock.setTimer(this.stopMs, () => {
          const cur = ctx.store.get('pods', namespace, name);
          if (cur && cur.metadata.uid === uid && !this.dead.has(node)) ctx.store.remove('pods', namespace, name);
        });
      } else if (p.status?.phase === 'Pending' || p.status?.phase === undefined) {
        ctx.clock.setTimer(this.startMs, () => {
          const cur = ctx.store.get('pods', namespace, name);
          if (!cur || cur.metadata.uid !== uid || cur.metadata.deletionTimestamp || this.dead.has(node)) return;
          if (cur.status?.phase === 'Running') return;
          ctx.store.mutate('pods', namespace, name, (o) => {
            const t = rfc3339(ctx.clock.now());
            o.status.phase = 'Running';
            o.status.conditions = [
              ...((o.status.conditions ?? []) as { type: string }[]).filter(
                (c) => c.type !== 'Ready' && c.type !== 'ContainersReady',
              ),
              { type: 'Ready', status: 'True', lastTransitionTime: t },
              { type: 'ContainersReady', status: 'True', lastTransitionTime: t },
            ];
          });
        });
      }
    };
    this.unsubscribe = ctx.store.onChange((e) => {
      if (e.resource !== 'pods' || e.type === 'DELETED') return;
      const before = e.old;
      if (
        before &&
        before.spec?.nodeName === e.object.spec?.nodeName &&
        !!before.metadata.deletionTimestamp === !!e.object.metadata.deletionTimestamp
      )
        return;
      handle(e.object);
    });
  }
  stop(): void {
    this.unsubscribe?.();
  }
}

export function pods(store: Store, namespace?: string): KubeObject[] {
  return store.list('pods', { namespace });
}

export function events(store: Store, reason?: string): KubeObject[] {
  return store.list('events').filter((e) => !reason || e.reason === reason);
}

export function bare(
  name: string,
  opts: { memory?: string; cpu?: string; namespace?: string; extra?: Record<string, unknown> } = {},
): KubeObject {
  const requests: Record<string, string> = {};
  if (opts.memory) requests.memory = opts.memory;
  if (opts.cpu) requests.cpu = opts.cpu;
  return {
    metadata: { name, namespace: opts.namespace ?? 'default' },
    spec: { containers: [{ name: 'main', image: 'busybox:1.36', resources: { requests } }], ...opts.extra },
  };
}
