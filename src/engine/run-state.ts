import type { FaultPlan, RunState } from '../kit/plugin.js';

/**
 * What a fault hits, for `"from": "faults"` in later items. Recorded when the fault is planned, not when it
 * is injected: monitors and abort conditions start before the first injection and a later fault's plan may
 * name the nodes an earlier one hits; a fault whose injection fails ends the drill before any step runs.
 */
export function recordHits(state: RunState, cluster: string, plan: FaultPlan): void {
  const add = (map: Map<string, string[]>, value: string): void => {
    const list = map.get(cluster) ?? [];
    if (!list.includes(value)) list.push(value);
    map.set(cluster, list);
  };
  for (const n of plan.nodes ?? []) add(state.affectedNodes, n);
  for (const m of plan.members ?? []) add(state.affectedMembers, m);
  for (const w of plan.workloads ?? []) add(state.affectedWorkloads, w);
}
