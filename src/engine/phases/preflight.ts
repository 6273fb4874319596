import { InvalidInputError } from '../../errors.js';
import type { Capability } from '../../targets/target.js';
import type { DrillRun } from '../drill-run.js';
import type { StepItem } from '../../experiment/types.js';
import { lookup, type AnyFault, type AnyStep } from '../plugins.js';
import { paramsOf } from '../probe-set.js';

/** The plugins an experiment's items name, in the order of its faults and recovery steps. */
export interface DrillPlugins {
  faults: AnyFault[];
  steps: AnyStep[];
  /** The setup's steps, in order. */
  setup: AnyStep[];
}

/**
 * Everything the experiment names exists on this target and in this gameday, and the target can do what
 * its faults and recovery steps need, before anything is touched.
 */
export async function preflight(d: DrillRun): Promise<DrillPlugins> {
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
  const plugins = {
    faults: exp.faults.map((f) => lookup(d.plugins.faults, f.type, 'fault')),
    steps: (exp.recovery.steps ?? []).map((s) => lookup(d.plugins.steps, s.type, 'recovery step')),
    setup: (exp.setup ?? []).map((s) => lookup(d.plugins.steps, s.type, 'setup step')),
  };
  expectNodes(d, exp.recovery.steps ?? [], plugins.steps);
  // A person carries out manual steps: only gameday's own steps count.
  const steps = exp.recovery.mode === 'automatic' ? (exp.recovery.steps ?? []) : [];
  const items: { pointer: string; cluster: string | undefined; type: string; needs: readonly Capability[] }[] = [
    ...exp.faults.map((f, i) => ({
      pointer: `/faults/${i}`,
      cluster: f.cluster,
      type: f.type,
      needs: plugins.faults[i]!.needs ?? [],
    })),
    ...(exp.setup ?? []).map((s, i) => ({
      pointer: `/setup/${i}`,
      cluster: s.cluster,
      type: s.type,
      needs: plugins.setup[i]!.needs ?? [],
    })),
    ...steps.map((s, i) => ({
      pointer: `/recovery/steps/${i}`,
      cluster: s.cluster,
      type: s.type,
      needs: plugins.steps[i]!.needs ?? [],
    })),
  ];
  const defaultCluster = exp.clusters?.[0] ?? own[0] ?? 'default';
  for (const item of items) {
    const name = item.cluster ?? defaultCluster;
    const cluster = d.aliases.get(name) ?? name;
    for (const need of item.needs) {
      const why = d.target.cannot?.(cluster, need);
      if (why) {
        throw new InvalidInputError(
          `${d.file}: ${item.pointer} (${item.type}): this ${d.target.kind} target cannot do it: ${why.replace(/[.\s]*$/, '.')} Nothing was changed.`,
        );
      }
    }
  }
  const checks = [
    ...(exp.setup ?? []).map((s, i) => ({ s, step: plugins.setup[i]!, pointer: `/setup/${i}` })),
    ...steps.map((s, i) => ({ s, step: plugins.steps[i]!, pointer: `/recovery/steps/${i}` })),
  ];
  for (const { s, step, pointer } of checks) {
    if (!step.check) continue;
    const params = paramsOf(s);
    await d.located(pointer, () => step.check!(d.contextFor(s.cluster), params));
  }
  return plugins;
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
