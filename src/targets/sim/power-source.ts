import type { Simulator } from '../../sim/simulator.js';
import type { PowerSource } from '../../warroom/power.js';
import type { Target } from '../target.js';
import { SimTarget } from './sim-target.js';

/**
 * The simulated hosts' power, for the war room's tiles, when the simulator runs in this process (`gameday
 * run` on the embedded simulator, `practice`, `sim up`): it sees a person's `ipmitool power on` in the node
 * shell as well as the drill's own power calls.
 */
export function simPowerSource(sim: Simulator): PowerSource {
  return {
    state(cluster, node) {
      const hosts = sim.clusters.get(cluster)?.hosts;
      return hosts?.has(node) ? hosts.host(node).power : undefined;
    },
    onChange(listener) {
      const stops = [...sim.clusters.values()].map((c) => c.hosts.onHostChange(() => listener()));
      return () => stops.forEach((s) => s());
    },
  };
}

/** The power source of a target whose simulator runs in this process, if it is one. */
export function powerSourceOf(target: Target): PowerSource | undefined {
  return target instanceof SimTarget ? simPowerSource(target.sim) : undefined;
}
