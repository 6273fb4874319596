/**
 * Bounds on what an experiment may ask for, so that a value that validates also makes sense to run: no
 * 100000000h wait, no 2^31 replicas, no 10 MB name. Documented in the README (Input limits).
 */
export const LIMITS = {
  /** Any duration: a drill's waits, deadlines and targets. */
  maxDurationMs: 24 * 3_600_000,
  /** Written length of a duration ("1h30m15s500ms" is 13). */
  maxDurationLength: 32,
  /** Kubernetes object names (DNS subdomain) and node names. */
  maxNameLength: 253,
  /** Namespaces, label values and other DNS labels. */
  maxLabelLength: 63,
  /** Label keys: a 253-character prefix, "/", a 63-character name. */
  maxLabelKeyLength: 317,
  /** Labels in one selector. */
  maxLabels: 64,
  /** Nodes or etcd members named or counted in one selector. */
  maxSelected: 1000,
  /** Replicas a drill may scale a workload to: far beyond a drill's needs, far below what would hang a run. */
  maxReplicas: 10_000,
  /** Strings of a plugin's parameters that set no tighter bound (images, URLs, patterns, reasons). */
  maxString: 1024,
  /** Lists of a plugin's parameters that set no tighter bound. */
  maxItems: 1000,
  /** Integers that set no tighter bound: Kubernetes' int32. */
  maxInteger: 2_147_483_647,
} as const;
