import { InvalidInputError } from '../errors.js';
import type { PluginContext } from './plugin.js';

/**
 * Annotations the simulated kubelet reads in place of a real process (src/sim/kubelet/container-behaviour.ts),
 * when a container starts. On a pod template they reach every new pod; `<key>.<container>` scopes one to a
 * container.
 */
export const SIM_PREFIX = 'sim.gameday.io/';
/** Working set of the container; above limits.memory it is OOMKilled. */
export const SIM_MEMORY_USAGE = `${SIM_PREFIX}memory-usage`;
/** "true": the container exits with code 1 shortly after starting. */
export const SIM_CRASH = `${SIM_PREFIX}crash`;
/** "fail": the liveness probe fails, so the kubelet kills and restarts the container. */
export const SIM_LIVENESS = `${SIM_PREFIX}liveness`;

export function scoped(annotation: string, container: string): string {
  return `${annotation}.${container}`;
}

/** Refuse, before anything changes, a fault that only the simulator can carry out. */
export function requireSim(ctx: PluginContext, fault: string, instead: string): void {
  if (ctx.target.kind !== 'sim') {
    throw new InvalidInputError(
      `${ctx.cluster}: the fault "${fault}" works on the simulator only, not on ${ctx.target.kind}; ${instead}`,
    );
  }
}
