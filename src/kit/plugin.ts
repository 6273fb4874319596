import type { Clock, Timer } from '../engine/clock.js';
import type { DataSafety } from '../report/result.js';
import type { Random } from '../engine/random.js';
import type { Kube, Informer, ListOptions } from '../kube/kube.js';
import type { ResourceName } from '../kube/resources.js';
import type { Capability, EtcdOps, EtcdSnapshot, NodeOps, Target, TargetKind } from '../targets/target.js';
import type { AckedWrite } from './etcd-writer.js';

/** Types plugins need from the engine and the report, re-exported so plugins import only the kit. */
export type { Capability, Clock, Timer, DataSafety };

/** A JSON Schema fragment (2020-12) describing a plugin's parameters. */
export type JsonSchema = Record<string, unknown>;

/** Everything a fault, recovery step or probe may use. Plugins never reach for globals and never print. */
export interface PluginContext {
  readonly target: Target;
  readonly clock: Clock;
  /** The cluster this item acts on (its `cluster` field, or the experiment's first cluster). */
  readonly cluster: string;
  readonly kube: Kube;
  readonly nodes: NodeOps;
  readonly etcd: EtcdOps;
  readonly signal: AbortSignal;
  readonly dryRun: boolean;
  readonly random: Random;
  /** What the drill has done so far, shared by faults, steps and probes. */
  readonly state: RunState;
  /** A timeline entry in the report. */
  note(text: string, data?: Record<string, unknown>): void;
  /** One shared list+watch cache per (cluster, resource, options) for the whole drill. */
  informer(resource: ResourceName, options?: ListOptions): Informer;
  /** The context of another cluster of the same drill. */
  forCluster(cluster: string): PluginContext;
}

/** What faults touched and what recovery produced: how steps find "the node that crashed". */
export interface RunState {
  /** Nodes hit by faults, per cluster. */
  affectedNodes: Map<string, string[]>;
  /** etcd members hit by faults, per cluster. */
  affectedMembers: Map<string, string[]>;
  /** Workloads hit by faults, per cluster, as "namespace/Kind/name". */
  affectedWorkloads: Map<string, string[]>;
  /** Snapshots taken by recovery steps, latest last, per cluster. */
  snapshots: Map<string, EtcdSnapshot[]>;
  /** Writes etcd acknowledged to the steady writer, per cluster, for the data-safety check. */
  writes: Map<string, AckedWrite[]>;
  /** Free-form values a step leaves for a later one (e.g. the name of a node added). */
  values: Map<string, unknown>;
  /**
   * Nodes a step of this drill will join (add-node's nodeName), per cluster, known before the drill starts:
   * a probe or a later step may name them before they exist.
   */
  expectedNodes: Map<string, string[]>;
}

export function newRunState(): RunState {
  return {
    affectedNodes: new Map(),
    affectedMembers: new Map(),
    affectedWorkloads: new Map(),
    snapshots: new Map(),
    writes: new Map(),
    values: new Map(),
    expectedNodes: new Map(),
  };
}

/** What a fault will change, decided before anything changes and written to the journal. */
export interface FaultPlan {
  nodes?: string[];
  members?: string[];
  workloads?: string[];
  /**
   * The fault stops what runs on `nodes` (the host powered off, frozen or cut off, its container runtime,
   * or etcd's own manifest): an etcd member there is lost to quorum. Faults that leave etcd running on a
   * master (kubelet stopped, kube-apiserver's manifest moved) leave it unset.
   */
  stopsEtcd?: boolean;
  /** Whatever the fault needs to undo itself later, e.g. the replica count before scaling to zero. */
  data?: Record<string, unknown>;
}

interface PluginBase {
  /** kebab-case id, equal to the file name and the `type` an experiment uses. */
  readonly name: string;
  /** One sentence, shown by `gameday list` and in the generated README tables. */
  readonly summary: string;
  /** JSON Schema of the item's own parameters (the common fields are added by the experiment schema). */
  readonly params: JsonSchema;
  /**
   * The host and etcd operations it asks of the target (none: it only uses the Kubernetes API), so that a
   * target that cannot do one refuses the drill before anything changes.
   */
  readonly needs?: readonly Capability[];
  /**
   * The targets this item can run on, when not every one (a simulator-only fault; kind cannot add nodes):
   * what `gameday schedule` reads to leave out the drills a target cannot run.
   */
  readonly targets?: readonly TargetKind[];
}

export interface Fault<P = Record<string, unknown>> extends PluginBase {
  /** Resolve selectors into exactly what will be changed. Read-only. */
  plan(ctx: PluginContext, params: P): Promise<FaultPlan>;
  inject(ctx: PluginContext, params: P, plan: FaultPlan): Promise<void>;
  /** Undo `inject`. Idempotent, and able to run from the journal alone after the process died. */
  revert(ctx: PluginContext, params: P, plan: FaultPlan): Promise<void>;
  /** The plan in plain words, for `gameday explain` and dry runs. */
  describe(params: P): string;
}

/**
 * What a recovery step takes down (nodes it stops or removes, etcd members it stops), resolved right before
 * it runs: the drill refuses a step that would take down more than the experiment's blast radius allows,
 * counted together with the faults still in effect.
 */
export type StepImpact = Pick<FaultPlan, 'nodes' | 'members' | 'stopsEtcd'>;

export interface RecoveryStep<P = Record<string, unknown>> extends PluginBase {
  /**
   * Read-only, before the first fault: what the step will need exists (a node it names). A throw refuses
   * the drill while nothing has changed, as a fault's plan does.
   */
  check?(ctx: PluginContext, params: P): Promise<void>;
  /**
   * What the step would take down with these parameters (absent or undefined: nothing). Called with the
   * same `params` object as `run`, just before it; a step that picks at random must act on what it said.
   */
  impact?(ctx: PluginContext, params: P): Promise<StepImpact | undefined>;
  run(ctx: PluginContext, params: P): Promise<void>;
  /**
   * Every change the step makes is undone by the rollback (objects it writes are put back as they were,
   * objects it creates are removed, a service it stops is started): it may prepare a drill in `setup`.
   */
  readonly undoable?: boolean;
  /** What the step will add to the cluster, when its parameters say it before it runs (a node's name). */
  willAdd?(params: P): { nodes?: string[] };
  /** The step in plain words, and the runbook's commands, shown in manual mode and by `explain`. */
  describe(params: P): string;
}

export interface ProbeResult {
  ok: boolean;
  /** What was observed, e.g. "2/2 available" or "10.128.38.8 Ready=Unknown (NodeStatusUnknown)". */
  observed: string;
}

/** A running probe: `evaluate` answers synchronously from watch caches (or the last poll). */
export interface ProbeHandle {
  evaluate(): ProbeResult;
  stop(): void;
  /**
   * A monitor that times its own outages from the requests it sent (the etcd writer: first refused write
   * to the next acknowledged one): the longest, in ms. The report gives this figure instead of timing the
   * probe's answers, which arrive a request timeout late.
   */
  unavailableMs?(): number;
}

export interface Probe<P = Record<string, unknown>> extends PluginBase {
  /**
   * watch: answers from list+watch caches, re-evaluated on each event. poll: asks something that cannot be
   * watched (etcd health, an HTTP endpoint) every `interval` on the target's clock.
   */
  readonly mode: 'watch' | 'poll';
  start(ctx: PluginContext, params: P): Promise<ProbeHandle>;
  describe(params: P): string;
}
