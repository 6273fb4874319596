import { InvalidInputError } from '../../errors.js';
import type { PluginContext } from '../../engine/plugin.js';

/**
 * Annotations the simulated kubelet reads in place of a real process: how much memory a container uses,
 * and whether it crashes. On a pod template they reach every new pod; on a pod, only that pod.
 */
export const SIM_MEMORY_USAGE = 'sim.gameday.io/memory-usage';
/** "exit": the container exits with code 1 after starting; "liveness": its liveness probe fails. */
export const SIM_CRASH = 'sim.gameday.io/crash';

/** Refuse, before anything changes, a fault that only the simulator can carry out. */
export function requireSim(ctx: PluginContext, fault: string, instead: string): void {
  if (ctx.target.kind !== 'sim') {
    throw new InvalidInputError(`${ctx.cluster}: the fault "${fault}" works on the simulator only, not on ${ctx.target.kind}; ${instead}`);
  }
}
