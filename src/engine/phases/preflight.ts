import { InvalidInputError } from '../../errors.js';
import type { DrillRun } from '../drill-run.js';
import type { StepItem } from '../../experiment/types.js';
import { lookup, type AnyFault, type AnyStep } from '../plugins.js';
import { paramsOf } from '../probe-set.js';

/** The plugins an experiment's items name, in the order of its faults and recovery steps. */
export interface DrillPlugins {
  faults: AnyFault[];
  steps: AnyStep[];
}

/** Everything the experiment names exists on this target and in this gameday, before anything is touched. */
export function preflight(d: DrillRun): DrillPlugins {
  d.enter('preflight');
  const exp = d.experiment;
  const own = d.target.clusters();
  for (const [i, c] of (exp.clusters ?? []).entries()) {
    if (!own.includes(d.aliases.get(c) ?? c)) {
      throw new InvalidInputError(
        `${d.file}: /clusters/${i}: expected one of this target's clusters (${own.join(', ')}), got "${c}".`,
      );
    }
  }
  const steps = (exp.recovery.steps ?? []).map((s) => lookup(d.plugins.steps, s.type, 'recovery step'));
  expectNodes(d, exp.recovery.steps ?? [], steps);
  return { faults: exp.faults.map((f) => lookup(d.plugins.faults, f.type, 'fault')), steps };
}

/** The nodes the drill's steps will join, by name, so that probes started before them may name them. */
export function expectNodes(d: DrillRun, items: readonly StepItem[], steps: readonly AnyStep[]): void {
  items.forEach((item, i) => {
    const nodes = steps[i]?.willAdd?.(paramsOf(item)).nodes ?? [];
    if (nodes.length === 0) return;
    const cluster = d.contextFor(item.cluster).cluster;
    d.state.expectedNodes.set(cluster, [...(d.state.expectedNodes.get(cluster) ?? []), ...nodes]);
  });
}
