/**
 * An experiment as written in JSON (after validation against schemas/experiment.schema.json). Durations are
 * strings here ("40s", "5m"); the runner parses them.
 */
export interface Experiment {
  $schema?: string;
  id: string;
  title: string;
  description: string;
  /** The runbook section it drills, e.g. "D1 操作系统宕机 (host crash)". */
  runbook: string;
  tags?: string[];
  /** Clusters the drill needs; the first is the default for items without `cluster`. */
  clusters?: string[];
  /** Topology the simulator should load instead of the default (a path relative to the experiment). */
  topology?: string;
  steadyState?: ProbeItem[];
  /**
   * What the drill needs before its faults (a toleration, a PodDisruptionBudget, a test workload, a label):
   * steps run before the steady state is checked, journalled, and undone at the end after the faults.
   */
  setup?: StepItem[];
  faults: FaultItem[];
  /** parallel: all faults at once (default); sequence: one after another, each after its `after` delay. */
  faultMode?: 'parallel' | 'sequence';
  blastRadius?: BlastRadius;
  detect?: ProbeItem[];
  recovery: Recovery;
  verify: ProbeItem[];
  /** Watched from injection to verification: their failing time is the unavailability. */
  monitors?: ProbeItem[];
  targets?: Targets;
  rollback?: RollbackPolicy;
  /** Probes that must stay true during the drill; one failing stops it and rolls back. */
  abortWhen?: ProbeItem[];
  timeouts?: Timeouts;
}

export interface ItemBase {
  type: string;
  cluster?: string;
  /** A short label for reports; defaults to the type. */
  name?: string;
  [param: string]: unknown;
}

export type FaultItem = ItemBase & {
  /** In sequence mode: wait this long after the previous fault. */
  after?: string;
};

export type StepItem = ItemBase & {
  /** Keep going when this step fails (the runbook's "try X; otherwise Y"). */
  continueOnError?: boolean;
};

export type ProbeItem = ItemBase & {
  /** How long a steady-state probe may take to pass, or the deadline for detect/verify. */
  timeout?: string;
  /** For poll probes: how often to ask. */
  interval?: string;
  /** false: the probe passes while its condition does not hold (detection of the fault it watches for). */
  expect?: boolean;
};

export interface Recovery {
  /** automatic: gameday runs the steps; manual: a person does, gameday times them; self-heal: nobody acts. */
  mode: 'automatic' | 'manual' | 'self-heal';
  steps?: StepItem[];
  /** Wait this long after detection before recovering (e.g. the runbook's "wait for the host to reboot"). */
  delay?: string;
}

export interface Targets {
  timeToDetect?: string;
  /** From the start of recovery to every verify probe passing. */
  timeToReady?: string;
  /** From the first fault to every verify probe passing. */
  timeToRecover?: string;
  /** Longest time any monitor probe was failing. */
  maxUnavailability?: string;
  /** Every key acknowledged before the last snapshot is present after recovery. */
  noDataLoss?: boolean;
}

export interface BlastRadius {
  /** Most nodes the faults may touch, per cluster. Default 1. */
  maxNodes?: number;
  /** Most etcd members the faults may touch. Default: a minority (never quorum). */
  maxEtcdMembers?: number;
  /** Let faults take etcd below quorum (D4b, D4c). Default false. */
  allowQuorumLoss?: boolean;
  /** Let faults take down a majority of control-plane nodes (D2). Default false. */
  allowControlPlaneMajority?: boolean;
  /** Most workloads the faults may touch. Default 1. */
  maxWorkloads?: number;
}

export interface RollbackPolicy {
  /** Revert faults even when recovery succeeded (default true: leave the cluster as found). */
  revertFaults?: boolean;
}

export interface Timeouts {
  steadyState?: string;
  detect?: string;
  recover?: string;
  verify?: string;
}

/** An experiment together with where it came from, for messages. */
export interface LoadedExperiment {
  file: string;
  experiment: Experiment;
}
