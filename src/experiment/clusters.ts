import type { Experiment } from './types.js';

/** Every cluster name an experiment gives, in `clusters` or on any of its items, first mention first. */
export function namedClusters(exp: Experiment): string[] {
  const items = [
    exp.setup ?? [],
    exp.faults,
    exp.recovery.steps ?? [],
    exp.steadyState ?? [],
    exp.detect ?? [],
    exp.verify,
    exp.monitors ?? [],
    exp.abortWhen ?? [],
  ].flat();
  const names = [...(exp.clusters ?? []), ...items.map((i) => i.cluster).filter((c): c is string => c !== undefined)];
  return [...new Set(names)];
}
