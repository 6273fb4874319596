import type { KubeObject } from '../../kube/objects.js';
import type { Random } from '../../engine/random.js';
import type { SimParams } from '../params.js';
import { rfc3339 } from '../controllers/pods.js';
import { Backoff } from './backoff.js';
import { behaviourOf, imageRepository, qosClass, type ContainerSpec } from './container-behaviour.js';
import { normalizeReference } from './registry.js';
import { goDuration } from './go-duration.js';
import { containerExit } from './image-process.js';
import { missingEnv, missingPullSecrets, missingVolume, type ConfigLookup } from './pod-config.js';

/** What a pod's containers need from their host and kubelet. */
export interface RuntimeEnv {
  readonly params: SimParams;
  readonly random: Random;
  readonly hostIP: string;
  now(): number;
  /** The host is powered and not frozen: processes run. */
  processesRun(): boolean;
  /** ... and the container runtime is up. */
  runtimeUp(): boolean;
  /** ... and the kubelet runs: containers get started, restarted, probed. */
  kubeletActive(): boolean;
  imageCached(image: string): boolean;
  cacheImage(image: string): void;
  registryReachable(): boolean;
  /** The platform's registry has this image (ImageRegistry). */
  imageInRegistry(image: string): boolean;
  /** The node's CNI plugin can set up pod networks. */
  cniReady(): boolean;
  allocatePodIP(): string;
  lookup: ConfigLookup;
  /** Record an event on the pod (dropped when the apiserver cannot be reached). */
  event(pod: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void;
  /** An outside hand on a container's process (the etcd member state of an etcd static pod). */
  override?(pod: KubeObject, container: string): ContainerOverride | undefined;
}

export type ContainerOverride = { kind: 'down'; exitCode: number; reason: string } | { kind: 'hung' };

interface Terminated {
  kind: 'terminated';
  startedAt: number;
  finishedAt: number;
  exitCode: number;
  reason: string;
  message?: string;
  containerID: string;
}

type ContainerState =
  | { kind: 'waiting'; reason: string; message?: string }
  | {
      kind: 'running';
      startedAt: number;
      containerID: string;
      /** Ready from then on (undefined: never, the readiness probe fails). */
      readyAt: number | undefined;
      /** The process ends by itself then (crash, OOM kill). */
      endAt?: number;
      end?: { exitCode: number; reason: string; message?: string };
      /** The kubelet kills it then for failing its liveness probe. */
      livenessKillAt?: number;
      hung?: boolean;
    }
  | Terminated;

export interface ContainerRuntime {
  name: string;
  image: string;
  specKey: string;
  restartCount: number;
  started: boolean;
  state: ContainerState;
  last?: Terminated;
  restartAt?: number | undefined;
  crashBackoff: Backoff;
  pull?: { until: number; ok: boolean; message: string } | undefined;
  pullBackoff: Backoff;
  pullRetryAt?: number | undefined;
  /** Image pulled by this container already (imageID shown in status). */
  imageID?: string;
  lastEvents: Map<string, number>;
}

type Blocked = 'volume' | 'sandbox' | 'config' | undefined;

/** The shortest a container's process runs (exec, dynamic loading): `echo hi` still takes a moment. */
const PROCESS_MIN_RUN = 100;

/**
 * The containers of one pod on one host, as the container runtime holds them and the kubelet drives them
 * (kubelet syncPod, level-triggered): `sync` looks at the state now, acts, and says when to look again.
 */
export class PodRuntime {
  readonly containers = new Map<string, ContainerRuntime>();
  sandbox: { ip: string; createdAt: number } | undefined;
  startTime: number | undefined;
  blocked: Blocked;
  terminating: { stopAt: number } | undefined;
  evicted: { message: string } | undefined;
  /** A pod that was already running when the simulation began: its first start is instant and Ready. */
  warm = false;
  private initializedAt: number | undefined;
  private readonly transitions = new Map<string, { status: string; at: number }>();
  private readonly podEvents = new Map<string, number>();

  constructor(
    public pod: KubeObject,
    private readonly env: RuntimeEnv,
  ) {}

  get uid(): string {
    return this.pod.metadata.uid ?? '';
  }

  private get specs(): ContainerSpec[] {
    return (this.pod.spec?.containers ?? []) as ContainerSpec[];
  }

  private get restartPolicy(): string {
    return (this.pod.spec?.restartPolicy as string | undefined) ?? 'Always';
  }

  private podRef(): string {
    return `${this.pod.metadata.name}_${this.pod.metadata.namespace ?? 'default'}(${this.uid})`;
  }

  private readonly usageCache = new Map<(pod: KubeObject) => number, number>();

  /** A per-pod figure computed from the pod object (memory, disk use), cached until the pod changes. */
  usage(of: (pod: KubeObject) => number): number {
    let v = this.usageCache.get(of);
    if (v === undefined) {
      v = of(this.pod);
      this.usageCache.set(of, v);
    }
    return v;
  }

  /** Containers whose process runs now. */
  running(name?: string): boolean {
    for (const c of this.containers.values()) {
      if ((name === undefined || c.name === name) && c.state.kind === 'running') return true;
    }
    return false;
  }

  /** Every container runs and is Ready. */
  ready(now = this.env.now()): boolean {
    if (this.specs.length === 0) return false;
    return this.specs.every((s) => this.containerReady(this.containers.get(s.name), now));
  }

  private containerReady(c: ContainerRuntime | undefined, now: number): boolean {
    return c?.state.kind === 'running' && !c.state.hung && c.state.readyAt !== undefined && c.state.readyAt <= now;
  }

  /** Every container has stopped (after a deletion or an eviction). */
  stopped(): boolean {
    return !this.running();
  }

  /** The host died or the runtime went down: every process ends, the sandbox with them. */
  killAll(exitCode: number, reason: string): void {
    const now = this.env.now();
    for (const c of this.containers.values()) {
      if (c.state.kind === 'running') this.terminate(c, now, { exitCode, reason });
    }
    this.sandbox = undefined;
  }

  /** The pod was deleted: stop the containers within min(grace, containerStopTime). */
  beginTermination(graceSeconds: number): void {
    if (this.terminating) return;
    const now = this.env.now();
    for (const c of this.containers.values()) {
      if (c.state.kind === 'running') this.env.event(this.pod, 'Normal', 'Killing', `Stopping container ${c.name}`);
    }
    this.terminating = { stopAt: now + Math.min(graceSeconds * 1000, this.env.params.containerStopTime) };
  }

  /** The eviction manager evicted the pod: containers stop and the pod ends Failed. */
  evict(message: string): void {
    this.evicted = { message };
    for (const c of this.containers.values()) {
      if (c.state.kind === 'running') this.terminate(c, this.env.now(), { exitCode: 137, reason: 'Error' });
    }
  }

  /**
   * Follow a new version of the pod object. Behaviour annotations changed on a running pod (a fault patching
   * it) act on the running containers: a crash or OOM kill comes, a liveness or readiness probe starts failing.
   */
  update(pod: KubeObject): void {
    const previous = this.pod;
    this.pod = pod;
    this.usageCache.clear();
    // Status writes share the annotations object with the version before: nothing to compare.
    if (pod.metadata.annotations === previous.metadata.annotations) return;
    if (JSON.stringify(pod.metadata.annotations ?? {}) === JSON.stringify(previous.metadata.annotations ?? {})) return;
    const now = this.env.now();
    const p = this.env.params;
    for (const spec of this.specs) {
      const c = this.containers.get(spec.name);
      if (c?.state.kind !== 'running') continue;
      const s = c.state;
      const b = behaviourOf(pod, spec);
      if (b.crashSetting && s.end?.reason !== 'Error') {
        s.endAt = Math.min(s.endAt ?? Number.POSITIVE_INFINITY, now + p.crashingContainerRunTime);
        s.end = { exitCode: b.exitCode, reason: 'Error', message: b.crashMessage };
      } else if (b.oom && !b.crashSetting && s.end?.reason !== 'OOMKilled') {
        s.endAt = now + p.oomKillAfter;
        s.end = { exitCode: 137, reason: 'OOMKilled' };
      } else if (!b.crashSetting && !b.oom) {
        // Back to how the process ends by itself (its command's exit), if it does.
        const own = this.ownEnd(spec, b, s.startedAt);
        if (own) {
          s.endAt = Math.max(own.at, now);
          s.end = own.end;
        } else {
          delete s.endAt;
          delete s.end;
        }
      }
      if (b.livenessFails && s.livenessKillAt === undefined) {
        const live = this.probe(c.name, 'livenessProbe');
        s.livenessKillAt = now + live.failureThreshold * live.period;
      } else if (!b.livenessFails) delete s.livenessKillAt;
      if (b.readinessFails && s.readyAt !== undefined) {
        s.readyAt = undefined;
        this.env.event(pod, 'Warning', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503');
      } else if (!b.readinessFails && s.readyAt === undefined) s.readyAt = now;
    }
  }

  /** Act on the state now; returns when to look again (undefined: nothing pending). */
  sync(): number | undefined {
    const env = this.env;
    const now = env.now();
    if (!env.processesRun()) return undefined;
    const wakes: (number | undefined)[] = [];
    // The process ends by itself whether or not the kubelet runs.
    for (const c of this.containers.values()) {
      if (c.state.kind === 'running' && c.state.endAt !== undefined) {
        if (c.state.endAt <= now && c.state.end) this.terminate(c, c.state.endAt, c.state.end);
        else wakes.push(c.state.endAt);
      }
    }
    if (!env.runtimeUp()) return earliest(wakes, now);
    if (this.terminating) {
      if (now >= this.terminating.stopAt) {
        for (const c of this.containers.values()) {
          if (c.state.kind === 'running') this.terminate(c, now, { exitCode: 0, reason: 'Completed' });
        }
        return undefined;
      }
      return this.terminating.stopAt;
    }
    if (this.evicted || !env.kubeletActive()) return earliest(wakes, now);
    this.startTime ??= now;
    this.initializedAt ??= now;

    for (const c of this.containers.values()) {
      if (c.state.kind === 'running' && c.state.livenessKillAt !== undefined && c.state.livenessKillAt <= now) {
        const threshold = this.probe(c.name, 'livenessProbe').failureThreshold;
        for (let i = 0; i < threshold; i++) {
          env.event(this.pod, 'Warning', 'Unhealthy', 'Liveness probe failed: HTTP probe failed with statuscode: 500');
        }
        env.event(this.pod, 'Normal', 'Killing', `Container ${c.name} failed liveness probe, will be restarted`);
        this.terminate(c, now, { exitCode: 137, reason: 'Error' });
      }
    }

    const volume = missingVolume(this.pod, env.lookup);
    if (volume) {
      this.blocked = 'volume';
      this.waitAll('ContainerCreating');
      this.throttledPodEvent('Warning', 'FailedMount', volume.message, now);
      wakes.push(now + env.params.podRetryPeriod);
      return earliest(wakes, now);
    }
    if (!this.sandbox) {
      const hostNetwork = this.pod.spec?.hostNetwork === true;
      if (!hostNetwork && !env.cniReady()) {
        this.blocked = 'sandbox';
        this.waitAll('ContainerCreating');
        const id = hex(env.random, 64);
        const podName = `${this.pod.metadata.name}_${this.pod.metadata.namespace ?? 'default'}`;
        this.throttledPodEvent(
          'Warning',
          'FailedCreatePodSandBox',
          `Failed create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "${id}" network for pod "${this.pod.metadata.name}": networkPlugin cni failed to set up pod "${podName}" network: failed to allocate for range 0: no IP addresses available in range set`,
          now,
        );
        wakes.push(now + env.params.podRetryPeriod);
        return earliest(wakes, now);
      }
      if (this.containers.size > 0 && [...this.containers.values()].some((c) => c.started)) {
        env.event(this.pod, 'Normal', 'SandboxChanged', 'Pod sandbox changed, it will be killed and re-created.');
      }
      this.sandbox = { ip: hostNetwork ? env.hostIP : env.allocatePodIP(), createdAt: now };
    }
    this.blocked = undefined;

    for (const spec of this.specs) wakes.push(this.syncContainer(spec, now));
    return earliest(wakes, now);
  }

  private syncContainer(spec: ContainerSpec, now: number): number | undefined {
    const env = this.env;
    const image = spec.image ?? '';
    // The pod's spec is shared between its versions: serialize a container's spec once per object.
    let specKey = specKeys.get(spec);
    if (specKey === undefined) {
      specKey = JSON.stringify(spec);
      specKeys.set(spec, specKey);
    }
    let c = this.containers.get(spec.name);
    if (!c) {
      c = {
        name: spec.name,
        image,
        specKey,
        restartCount: 0,
        started: false,
        state: { kind: 'waiting', reason: 'ContainerCreating' },
        crashBackoff: new Backoff(env.params.backoffInitial, env.params.backoffMax, env.params.backoffReset),
        pullBackoff: new Backoff(env.params.backoffInitial, env.params.backoffMax, env.params.backoffReset),
        lastEvents: new Map(),
      };
      this.containers.set(spec.name, c);
    }
    if (c.specKey !== specKey) {
      if (c.state.kind === 'running') {
        env.event(this.pod, 'Normal', 'Killing', `Container ${c.name} definition changed, will be restarted`);
        this.terminate(c, now, { exitCode: 137, reason: 'Error' }, false);
      }
      c.specKey = specKey;
      c.image = image;
      c.restartAt = undefined;
      c.pull = undefined;
      c.pullRetryAt = undefined;
      c.crashBackoff.clear();
      c.pullBackoff.clear();
    }
    const override = env.override?.(this.pod, c.name);
    if (c.state.kind === 'running') {
      c.state.hung = override?.kind === 'hung';
      if (override?.kind === 'down') {
        this.terminate(c, now, { exitCode: override.exitCode, reason: override.reason }, false);
        return undefined;
      }
      const s = c.state;
      return earliestOf(
        [s.readyAt !== undefined && s.readyAt > now ? s.readyAt : undefined, s.endAt, s.livenessKillAt],
        now,
      );
    }
    if (override?.kind === 'down') return undefined;
    if (c.started) {
      if (this.restartPolicy === 'Never') return undefined;
      if (this.restartPolicy === 'OnFailure' && c.state.kind === 'terminated' && c.state.exitCode === 0)
        return undefined;
    }
    if (c.restartAt !== undefined && c.restartAt > now) {
      const delay = goDuration(c.crashBackoff.current);
      this.setState(c, {
        kind: 'waiting',
        reason: 'CrashLoopBackOff',
        message: `back-off ${delay} restarting failed container=${c.name} pod=${this.podRef()}`,
      });
      this.throttledEvent(
        c,
        'Warning',
        'BackOff',
        `Back-off restarting failed container ${c.name} in pod ${this.podRef()}`,
        now,
        c.restartAt,
      );
      return c.restartAt;
    }

    // Image.
    const pullPolicy =
      spec.imagePullPolicy ?? (image.endsWith(':latest') || !image.includes(':') ? 'Always' : 'IfNotPresent');
    const needPull = !env.imageCached(image) || (pullPolicy === 'Always' && !c.imageID);
    if (needPull && pullPolicy !== 'Never') {
      if (c.pull) {
        if (c.pull.until > now) return c.pull.until;
        const pull = c.pull;
        c.pull = undefined;
        if (pull.ok) {
          env.cacheImage(image);
          env.event(this.pod, 'Normal', 'Pulled', `Successfully pulled image "${image}"`);
        } else {
          env.event(this.pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${pull.message}`);
          env.event(this.pod, 'Warning', 'Failed', 'Error: ErrImagePull');
          this.setState(c, { kind: 'waiting', reason: 'ErrImagePull', message: pull.message });
          c.pullRetryAt = now + c.pullBackoff.next(now);
          // ErrImagePull shows until the next sync, which finds the pull backing off.
          return now + env.params.imagePullTime;
        }
      } else if (c.pullRetryAt !== undefined && c.pullRetryAt > now) {
        this.setState(c, { kind: 'waiting', reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}"` });
        this.throttledEvent(c, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, now, c.pullRetryAt);
        this.throttledEvent(c, 'Warning', 'Failed', 'Error: ImagePullBackOff', now, c.pullRetryAt);
        return c.pullRetryAt;
      } else {
        const missingSecrets = missingPullSecrets(this.pod, env.lookup);
        if (missingSecrets.length > 0) {
          env.event(
            this.pod,
            'Warning',
            'FailedToRetrieveImagePullSecret',
            `Unable to retrieve some image pull secrets (${missingSecrets.join(', ')}); attempting to pull the image may not succeed.`,
          );
        }
        const ok = env.imageInRegistry(image) && env.registryReachable() && missingSecrets.length === 0;
        const message = pullError(image, {
          reachable: env.registryReachable() && !/\.invalid(\/|:|$)/i.test(registryHost(image)),
          found: env.imageInRegistry(image),
          authorized: missingSecrets.length === 0,
        });
        c.pull = { until: now + env.params.imagePullTime, ok, message };
        env.event(this.pod, 'Normal', 'Pulling', `Pulling image "${image}"`);
        if (c.state.kind !== 'waiting') this.setState(c, { kind: 'waiting', reason: 'ContainerCreating' });
        return c.pull.until;
      }
    } else if (needPull) {
      this.setState(c, {
        kind: 'waiting',
        reason: 'ErrImageNeverPull',
        message: `Container image "${image}" is not present with pull policy of Never`,
      });
      return undefined;
    } else if (!c.imageID || c.started) {
      env.event(this.pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`);
    }
    c.pullBackoff.clear();
    c.pullRetryAt = undefined;
    c.imageID ??= `docker-pullable://${imageRepository(image)}@sha256:${hex(env.random, 64)}`;

    // Environment.
    const envError = missingEnv(this.pod, spec, env.lookup);
    if (envError) {
      this.blocked = 'config';
      this.setState(c, { kind: 'waiting', reason: 'CreateContainerConfigError', message: envError });
      this.throttledEvent(c, 'Warning', 'Failed', `Error: ${envError}`, now, now + env.params.podRetryPeriod);
      return now + env.params.podRetryPeriod;
    }

    return this.start(c, spec, now);
  }

  private start(c: ContainerRuntime, spec: ContainerSpec, now: number): number | undefined {
    const env = this.env;
    const p = env.params;
    const b = behaviourOf(this.pod, spec);
    if (c.started) c.restartCount++;
    c.started = true;
    c.restartAt = undefined;
    const containerID = `docker://${hex(env.random, 64)}`;
    env.event(this.pod, 'Normal', 'Created', `Created container ${c.name}`);
    env.event(this.pod, 'Normal', 'Started', `Started container ${c.name}`);
    const readiness = this.probe(c.name, 'readinessProbe');
    const startup = this.warm && !c.started ? 0 : Math.max(p.containerStartTime, readiness.initialDelay);
    const readyAt = b.readinessFails ? undefined : now + startup;
    const running: ContainerState = { kind: 'running', startedAt: now, containerID, readyAt };
    const ends: { at: number; end: { exitCode: number; reason: string; message?: string } }[] = [];
    const own = this.ownEnd(spec, b, now);
    if (own) ends.push(own);
    if (b.oom) ends.push({ at: now + p.oomKillAfter, end: { exitCode: 137, reason: 'OOMKilled' } });
    ends.sort((x, y) => x.at - y.at);
    const first = ends[0];
    if (first) {
      running.endAt = first.at;
      running.end = first.end;
    }
    if (b.livenessFails) {
      const live = this.probe(c.name, 'livenessProbe');
      running.livenessKillAt = now + live.initialDelay + live.failureThreshold * live.period;
    }
    if (b.readinessFails) {
      env.event(this.pod, 'Warning', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 503');
    }
    this.setState(c, running);
    return earliestOf([readyAt, running.endAt, running.livenessKillAt], now);
  }

  /**
   * How a container's process started at `startedAt` ends by itself, if it does: the crash it is set up for
   * (sim.gameday.io/crash), else what its command does (a Job's `echo done`, `sleep 30`, `exit 3`, busybox
   * without a command), else a command-line `exit N` this simulator cannot follow.
   */
  private ownEnd(
    spec: ContainerSpec,
    b: ReturnType<typeof behaviourOf>,
    startedAt: number,
  ): { at: number; end: { exitCode: number; reason: string; message?: string } } | undefined {
    const p = this.env.params;
    const exit = b.crashSetting ? undefined : containerExit(this.pod, spec);
    if (exit) {
      // A process that fails at once still runs a moment (crashingContainerRunTime); `echo` a little less.
      const runFor = exit.after > 0 ? exit.after : exit.code !== 0 ? p.crashingContainerRunTime : PROCESS_MIN_RUN;
      return { at: startedAt + runFor, end: { exitCode: exit.code, reason: exit.code === 0 ? 'Completed' : 'Error' } };
    }
    if (b.crash) {
      return {
        at: startedAt + p.crashingContainerRunTime,
        end: { exitCode: b.exitCode, reason: 'Error', message: b.crashMessage },
      };
    }
    return undefined;
  }

  private probe(
    container: string,
    kind: 'livenessProbe' | 'readinessProbe',
  ): { initialDelay: number; period: number; failureThreshold: number } {
    const spec = this.specs.find((s) => s.name === container)?.[kind];
    return {
      initialDelay: (spec?.initialDelaySeconds ?? 0) * 1000,
      period: spec?.periodSeconds !== undefined ? spec.periodSeconds * 1000 : this.env.params.probePeriod,
      failureThreshold: spec?.failureThreshold ?? this.env.params.probeFailureThreshold,
    };
  }

  /** A running container ends at `at`; it restarts after its back-off unless the pod is going away. */
  private terminate(
    c: ContainerRuntime,
    at: number,
    end: { exitCode: number; reason: string; message?: string },
    backoff = true,
  ): void {
    if (c.state.kind !== 'running') return;
    const t: Terminated = {
      kind: 'terminated',
      startedAt: c.state.startedAt,
      finishedAt: at,
      exitCode: end.exitCode,
      reason: end.reason,
      containerID: c.state.containerID,
    };
    if (end.message !== undefined) t.message = end.message;
    c.state = t;
    if (backoff && !this.terminating && !this.evicted) c.restartAt = at + c.crashBackoff.next(at);
  }

  private setState(c: ContainerRuntime, s: ContainerState): void {
    if (c.state.kind === 'terminated' && s.kind !== 'terminated') c.last = c.state;
    c.state = s;
  }

  private waitAll(reason: string): void {
    this.pendingReason = reason;
  }

  /** Why containers not created yet wait (ContainerCreating while volumes or the sandbox are not ready). */
  private pendingReason = 'ContainerCreating';

  private throttledPodEvent(type: 'Normal' | 'Warning', reason: string, message: string, now: number): void {
    const last = this.podEvents.get(reason);
    if (last !== undefined && now - last < this.env.params.podRetryPeriod) return;
    this.podEvents.set(reason, now);
    this.env.event(this.pod, type, reason, message);
  }

  /** Record once per back-off window (the kubelet records on each sync attempt; this keeps counts sane). */
  private throttledEvent(
    c: ContainerRuntime,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    now: number,
    until: number,
  ): void {
    const key = `${reason}/${message}`;
    const next = c.lastEvents.get(key);
    if (next !== undefined && now < next) return;
    c.lastEvents.set(key, until);
    this.env.event(this.pod, type, reason, message);
  }

  /** The pod's status as the kubelet posts it; conditions the kubelet does not own are kept from `current`. */
  status(current: Record<string, unknown> | undefined): Record<string, unknown> {
    const now = this.env.now();
    const specs = this.specs;
    const containerStatuses = specs.map((s) => this.containerStatus(s, now));
    const allReady = specs.length > 0 && specs.every((s) => this.containerReady(this.containers.get(s.name), now));
    const notReady = specs.filter((s) => !this.containerReady(this.containers.get(s.name), now)).map((s) => s.name);
    let phase = 'Pending';
    const rts = specs.map((s) => this.containers.get(s.name));
    if (this.evicted) phase = 'Failed';
    else if (rts.some((c) => c?.state.kind === 'running')) phase = 'Running';
    else if (
      rts.length > 0 &&
      rts.every((c) => c?.started && c.state.kind === 'terminated') &&
      this.restartPolicy !== 'Always'
    ) {
      phase = rts.every((c) => c?.state.kind === 'terminated' && c.state.exitCode === 0) ? 'Succeeded' : 'Failed';
    } else if (rts.some((c) => c?.started)) phase = 'Running';
    const conditions: Record<string, unknown>[] = [];
    const cond = (type: string, status: boolean, reason?: string, message?: string): void => {
      const s = status ? 'True' : 'False';
      const prev = this.transitions.get(type);
      if (!prev || prev.status !== s) this.transitions.set(type, { status: s, at: now });
      const c: Record<string, unknown> = {
        type,
        status: s,
        lastProbeTime: null,
        lastTransitionTime: rfc3339(this.transitions.get(type)!.at),
      };
      if (!status && reason) c.reason = reason;
      if (!status && message) c.message = message;
      conditions.push(c);
    };
    cond('Initialized', this.initializedAt !== undefined);
    const why = `containers with unready status: [${notReady.join(' ')}]`;
    cond('Ready', allReady, 'ContainersNotReady', why);
    cond('ContainersReady', allReady, 'ContainersNotReady', why);
    const kept = ((current?.conditions ?? []) as Record<string, unknown>[]).filter(
      (c) => !['Initialized', 'Ready', 'ContainersReady'].includes(c.type as string),
    );
    if (!kept.some((c) => c.type === 'PodScheduled')) {
      kept.unshift({
        type: 'PodScheduled',
        status: 'True',
        lastProbeTime: null,
        lastTransitionTime: this.pod.metadata.creationTimestamp ?? rfc3339(now),
      });
    }
    const out: Record<string, unknown> = {
      phase,
      conditions: [...conditions.slice(0, 1), ...conditions.slice(1), ...kept],
      hostIP: this.env.hostIP,
    };
    if (this.sandbox) {
      out.podIP = this.sandbox.ip;
      out.podIPs = [{ ip: this.sandbox.ip }];
    }
    if (this.startTime !== undefined) out.startTime = rfc3339(this.startTime);
    out.containerStatuses = containerStatuses;
    out.qosClass = qosClass(this.pod);
    if (this.evicted) {
      out.reason = 'Evicted';
      out.message = this.evicted.message;
    }
    if (current?.nominatedNodeName !== undefined) out.nominatedNodeName = current.nominatedNodeName;
    return out;
  }

  private containerStatus(spec: ContainerSpec, now: number): Record<string, unknown> {
    const c = this.containers.get(spec.name);
    const st: Record<string, unknown> = {
      name: spec.name,
      state: { waiting: { reason: this.pendingReason } },
      lastState: {},
      ready: false,
      restartCount: c?.restartCount ?? 0,
      image: spec.image ?? '',
      imageID: c?.imageID ?? '',
      started: false,
    };
    if (!c) return st;
    st.ready = this.containerReady(c, now);
    const s = c.state;
    if (s.kind === 'running') {
      st.state = { running: { startedAt: rfc3339(s.startedAt) } };
      st.containerID = s.containerID;
      st.started = true;
    } else if (s.kind === 'terminated') {
      st.state = { terminated: terminatedJson(s) };
      st.containerID = s.containerID;
    } else {
      st.state = { waiting: s.message !== undefined ? { reason: s.reason, message: s.message } : { reason: s.reason } };
    }
    if (c.last) st.lastState = { terminated: terminatedJson(c.last) };
    return st;
  }

  /**
   * A container's runs as `kubectl logs` sees them (pod-logs.ts): the current state and the last terminated
   * run, each a run with its id, start and, once ended, its end.
   */
  logState(container: string): { current: ContainerLogState; last?: ContainerRun } | undefined {
    const c = this.containers.get(container);
    if (!c) return undefined;
    const s = c.state;
    const current: ContainerLogState =
      s.kind === 'waiting'
        ? { kind: 'waiting', reason: s.reason }
        : s.kind === 'running'
          ? { kind: 'running', run: { containerID: s.containerID, startedAt: s.startedAt } }
          : { kind: 'terminated', run: runOf(s) };
    return c.last ? { current, last: runOf(c.last) } : { current };
  }
}

/** One run of a container: from its start until it ended (finishedAt), or on. */
export interface ContainerRun {
  containerID: string;
  startedAt: number;
  finishedAt?: number;
  exitCode?: number;
  reason?: string;
  message?: string;
}

export type ContainerLogState =
  { kind: 'waiting'; reason: string } | { kind: 'running' | 'terminated'; run: ContainerRun };

function runOf(t: Terminated): ContainerRun {
  const run: ContainerRun = {
    containerID: t.containerID,
    startedAt: t.startedAt,
    finishedAt: t.finishedAt,
    exitCode: t.exitCode,
    reason: t.reason,
  };
  if (t.message !== undefined) run.message = t.message;
  return run;
}

function terminatedJson(t: Terminated): Record<string, unknown> {
  const j: Record<string, unknown> = {
    exitCode: t.exitCode,
    reason: t.reason,
    startedAt: rfc3339(t.startedAt),
    finishedAt: rfc3339(t.finishedAt),
    containerID: t.containerID,
  };
  if (t.message !== undefined) j.message = t.message;
  return j;
}

function earliestOf(times: (number | undefined)[], now: number): number | undefined {
  return earliest(times, now);
}

function earliest(times: (number | undefined)[], now: number): number | undefined {
  let best: number | undefined;
  for (const t of times) {
    if (t === undefined) continue;
    const at = Math.max(t, now);
    if (best === undefined || at < best) best = at;
  }
  return best;
}

/**
 * Why a pull failed, as the kubelet reports containerd's error (event `Failed to pull image "<image>": ...`
 * and the ErrImagePull message): the registry cannot be reached, refuses without credentials, or has no such
 * image.
 */
function pullError(image: string, why: { reachable: boolean; found: boolean; authorized: boolean }): string {
  const ref = normalizeReference(image).reference;
  const prefix = `failed to pull and unpack image "${ref}": failed to resolve reference "${ref}"`;
  if (!why.reachable) {
    const host = registryHost(image);
    const path = ref.slice(ref.indexOf('/') + 1).replace(/[:@]([^:@/]+)$/, '/manifests/$1');
    return `rpc error: code = Unknown desc = ${prefix}: failed to do request: Head "https://${host}/v2/${path}": dial tcp: lookup ${host}: no such host`;
  }
  if (!why.authorized)
    return `rpc error: code = Unknown desc = ${prefix}: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`;
  return `rpc error: code = NotFound desc = ${prefix}: ${ref}: not found`;
}

function registryHost(image: string): string {
  const first = image.split('/')[0] ?? '';
  return image.includes('/') && (first.includes('.') || first.includes(':')) ? first : 'registry-1.docker.io';
}

const HEX_DIGITS = '0123456789abcdef';

/** JSON of container specs, by object (stored objects are never changed). */
const specKeys = new WeakMap<ContainerSpec, string>();

export function hex(random: Random, n: number): string {
  // Joined at the end: appending one character at a time leaves a chain of n string pieces behind every id.
  const digits: string[] = new Array<string>(n);
  for (let i = 0; i < n; i++) digits[i] = HEX_DIGITS[random.int(16)]!;
  return digits.join('');
}
