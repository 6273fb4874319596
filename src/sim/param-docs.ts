import { DEFAULT_PARAMS, type SimParams } from './params.js';

/** How a parameter is written in a topology's `params`. */
export type ParamUnit = 'duration' | 'count' | 'rate' | 'fraction' | 'seconds' | 'quantity' | 'text' | 'boolean';

export interface ParamDoc {
  unit: ParamUnit;
  /** What it is, and the Kubernetes flag or default it models. */
  description: string;
}

/**
 * Every simulator parameter a topology may override, with its unit; the defaults are DEFAULT_PARAMS
 * (Kubernetes' own, see ../shared/reference/kubernetes-behaviour.md). schemas/sim-params.schema.json is
 * generated from this table (`npm run schema`), so an editor shows each one's unit and default.
 */
export const PARAM_DOCS: { readonly [K in keyof Required<SimParams>]: ParamDoc } = {
  nodeStatusUpdateFrequency: {
    unit: 'duration',
    description: 'How often the kubelet computes its node status (kubelet --node-status-update-frequency).',
  },
  nodeStatusReportFrequency: {
    unit: 'duration',
    description: 'How often the kubelet posts an unchanged node status (kubelet nodeStatusReportFrequency).',
  },
  nodeLeaseDuration: { unit: 'duration', description: "The node's Lease duration (kubelet nodeLeaseDurationSeconds)." },
  leaseRenewInterval: {
    unit: 'duration',
    description: 'How often the kubelet renews its node Lease (a quarter of the lease duration).',
  },
  nodeMonitorPeriod: {
    unit: 'duration',
    description:
      'How often the node-lifecycle controller checks the nodes (kube-controller-manager --node-monitor-period).',
  },
  nodeMonitorGracePeriod: {
    unit: 'duration',
    description:
      'How long a node may be silent before it is marked NotReady/Unknown (kube-controller-manager --node-monitor-grace-period; "50s" from v1.32).',
  },
  nodeStartupGracePeriod: {
    unit: 'duration',
    description: 'How long a starting node may be silent before it is marked unhealthy (--node-startup-grace-period).',
  },
  nodeEvictionRate: {
    unit: 'rate',
    description: 'Nodes per second the node controller taints for eviction in a healthy zone (--node-eviction-rate).',
  },
  secondaryNodeEvictionRate: {
    unit: 'rate',
    description: 'Nodes per second in an unhealthy zone of a large cluster (--secondary-node-eviction-rate).',
  },
  largeClusterSizeThreshold: {
    unit: 'count',
    description: 'Nodes above which a cluster counts as large for the eviction rates (--large-cluster-size-threshold).',
  },
  unhealthyZoneThreshold: {
    unit: 'fraction',
    description: 'Share of NotReady nodes that makes a zone unhealthy (--unhealthy-zone-threshold).',
  },
  defaultTolerationSeconds: {
    unit: 'seconds',
    description:
      'The not-ready/unreachable NoExecute toleration the admission plugin gives every pod (--default-not-ready-toleration-seconds).',
  },
  backoffInitial: { unit: 'duration', description: "The kubelet's first CrashLoopBackOff / image pull back-off." },
  backoffMax: { unit: 'duration', description: "The kubelet's back-off ceiling." },
  backoffReset: {
    unit: 'duration',
    description: 'A container that ran this long starts its back-off from the beginning again.',
  },
  terminationGracePeriod: { unit: 'duration', description: "A pod's default terminationGracePeriodSeconds." },
  probePeriod: { unit: 'duration', description: 'Liveness and readiness probe period (periodSeconds).' },
  probeFailureThreshold: {
    unit: 'count',
    description: 'Probe failures before a container is restarted or unready (failureThreshold).',
  },
  imagePullTime: { unit: 'duration', description: 'How long pulling an image takes when it succeeds (an estimate).' },
  containerStartTime: {
    unit: 'duration',
    description: 'From container start to Ready when there is no readiness delay (an estimate).',
  },
  kubeletStartTime: {
    unit: 'duration',
    description: 'From `systemctl start kubelet` to its first status post (plugin and PLEG start-up; an estimate).',
  },
  runtimeStartTime: {
    unit: 'duration',
    description: '`systemctl start docker|containerd` until the daemon is up (an estimate).',
  },
  hostBootTime: { unit: 'duration', description: 'From power on until the kubelet runs (an estimate).' },
  staticPodRelist: {
    unit: 'duration',
    description: 'How often the kubelet re-lists the manifest directory (--file-check-frequency).',
  },
  leaderLeaseDuration: {
    unit: 'duration',
    description: 'Leader-election lease of kube-controller-manager and kube-scheduler (--leader-elect-lease-duration).',
  },
  leaderRenewDeadline: {
    unit: 'duration',
    description: 'Leader-election renew deadline (--leader-elect-renew-deadline).',
  },
  leaderRetryPeriod: { unit: 'duration', description: 'Leader-election retry period (--leader-elect-retry-period).' },
  etcdElectionTimeout: {
    unit: 'duration',
    description: "etcd's --election-timeout: how long followers wait for a leader.",
  },
  etcdRequestTimeout: {
    unit: 'duration',
    description: 'How long an etcd request may take before it fails (etcdctl --command-timeout and the like).',
  },
  kubeletVersion: { unit: 'text', description: 'The kubelet version the nodes report (kubectl get node).' },
  evictionHardMemoryAvailable: {
    unit: 'quantity',
    description: "The kubelet's --eviction-hard memory.available threshold.",
  },
  evictionHardNodefsAvailable: {
    unit: 'quantity',
    description: "The kubelet's --eviction-hard nodefs.available threshold (a quantity or a percentage).",
  },
  evictionPressureTransitionPeriod: {
    unit: 'duration',
    description:
      'A pressure condition stays True this long after the pressure is gone (--eviction-pressure-transition-period).',
  },
  evictionMonitoringPeriod: {
    unit: 'duration',
    description:
      "How often the kubelet's eviction manager runs; it evicts at most one pod per run (housekeeping interval).",
  },
  plegRelistThreshold: {
    unit: 'duration',
    description: 'The runtime not relisted for this long makes PLEG unhealthy.',
  },
  staticPodInotifyDelay: {
    unit: 'duration',
    description: 'How soon the kubelet notices a manifest moved in or out of the manifest directory (inotify).',
  },
  containerStopTime: { unit: 'duration', description: "How long a deleted pod's containers take to stop." },
  crashingContainerRunTime: { unit: 'duration', description: 'How long a crashing container runs before it exits.' },
  oomKillAfter: {
    unit: 'duration',
    description: 'How long a container over its memory limit runs before the OOM killer ends it.',
  },
  podRetryPeriod: {
    unit: 'duration',
    description:
      'How often the kubelet retries a pod it could not start (FailedMount, FailedCreatePodSandBox, config errors).',
  },
  schedulerPreemptionMessage: {
    unit: 'boolean',
    description:
      "Append kube-scheduler's preemption summary to FailedScheduling messages, as v1.2x does; false gives older versions' shorter message.",
  },
};

const UNIT_WORDS: Record<ParamUnit, string> = {
  duration: 'a duration such as "40s" or "5m" (a bare number is milliseconds)',
  count: 'a count',
  rate: 'nodes per second',
  fraction: 'a fraction between 0 and 1',
  seconds: 'a number of seconds',
  quantity: 'a Kubernetes quantity or a percentage, such as "100Mi" or "10%"',
  text: 'a string',
  boolean: 'true or false',
};

/** A duration as an experiment writes it: "40s", "5m", "300ms", "1h". */
export function durationText(ms: number): string {
  for (const [unit, size] of [
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

const PARAM_DEFAULTS: Required<SimParams> = { schedulerPreemptionMessage: true, ...DEFAULT_PARAMS };

/** The `params` object of a topology: every parameter with its unit and default. */
export function simParamsSchema(): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, doc] of Object.entries(PARAM_DOCS) as [keyof SimParams, ParamDoc][]) {
    const value = PARAM_DEFAULTS[name];
    const def = doc.unit === 'duration' ? durationText(value as number) : value;
    const type =
      doc.unit === 'duration'
        ? ['string', 'number']
        : doc.unit === 'boolean'
          ? 'boolean'
          : doc.unit === 'text' || doc.unit === 'quantity'
            ? 'string'
            : ['number', 'string'];
    properties[name] = {
      type,
      ...(type === 'boolean' ? {} : { maxLength: 32 }),
      description: `${doc.description} Unit: ${UNIT_WORDS[doc.unit]}. Default ${JSON.stringify(def)}.`,
      default: def,
    };
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://gameday.dev/schemas/sim-params.schema.json',
    title: "overrides of Kubernetes' defaults",
    description:
      'The simulator\'s parameters a topology may override (generated from src/sim/param-docs.ts by `npm run schema`); each says its unit and default. E.g. "nodeMonitorGracePeriod": "50s" for v1.32+ behaviour.',
    type: 'object',
    additionalProperties: false,
    properties,
  };
}

export const SIM_PARAMS_SCHEMA_FILE = 'schemas/sim-params.schema.json';

export function renderSimParamsSchema(): string {
  return `${JSON.stringify(simParamsSchema(), null, 2)}\n`;
}
