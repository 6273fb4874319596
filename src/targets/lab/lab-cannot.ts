import type { Capability } from '../target.js';
import { commandFor, type CommandName, type LabCluster, type LabProfile } from './profile.js';

/**
 * What a lab cluster cannot do, read from its profile alone: the lab target asks it in preflight, and
 * `gameday schedule` when it writes a job, so both refuse a drill for the same reason.
 */

/** What each operation is called in messages about a missing command template. */
const DOES: Record<CommandName, string> = {
  serviceStop: 'stop a service',
  serviceStart: 'start a service',
  serviceRestart: 'restart a service',
  serviceState: 'read a service state',
  powerOff: 'power a host off',
  shutdown: 'shut a host down',
  powerOn: 'power a host on',
  freeze: 'freeze a host',
  unfreeze: 'unfreeze a host',
  networkDisconnect: 'cut a host off the network',
  networkConnect: 'reconnect a host',
  manifestOut: 'move a static-pod manifest out',
  manifestIn: 'move a static-pod manifest back',
  memoryPressure: 'take memory',
  memoryRelieve: 'give memory back',
  diskPressure: 'fill the disk',
  diskRelieve: 'free the disk',
  overloadStart: 'overload a host',
  overloadStop: 'stop overloading a host',
  addNode: 'add a node',
  removeNode: 'remove a node',
  etcdRunning: 'see whether etcd runs',
  etcdKill: 'kill etcd',
  etcdPause: 'freeze etcd',
  etcdResume: 'resume etcd',
};

/** The profile's commands each capability runs (the undo included: a fault must be able to revert). */
const NEEDED_COMMANDS: Record<Exclude<Capability, 'etcd'>, readonly CommandName[]> = {
  service: ['serviceStop', 'serviceStart', 'serviceRestart'],
  power: ['powerOff', 'powerOn'],
  network: ['networkDisconnect', 'networkConnect'],
  freeze: ['freeze', 'unfreeze'],
  manifest: ['manifestOut', 'manifestIn'],
  'memory-pressure': ['memoryPressure', 'memoryRelieve'],
  'disk-pressure': ['diskPressure', 'diskRelieve'],
  overload: ['overloadStart', 'overloadStop'],
  'add-node': ['addNode'],
  'remove-node': ['removeNode'],
};

/** Why the profile's `name` command cannot run on `cluster`, or undefined when it can. */
export function labLacks(profile: LabProfile, cluster: LabCluster, name: CommandName): string | undefined {
  const t = commandFor(profile, cluster, name);
  if (typeof t === 'object' && 'unsupported' in t)
    return `The lab profile says it cannot ${DOES[name]}: ${t.unsupported}`;
  if (t !== undefined) return undefined;
  return (
    `The lab profile${profile.file ? ` ${profile.file}` : ''} has no "${name}" command to ${DOES[name]} ` +
    `on cluster "${cluster.name}": add one under "commands" (for example {"local": "ipmitool -H {bmc} power on"}).`
  );
}

/** Why `cluster` cannot do `capability`, or undefined when its profile says how. */
export function labCannot(profile: LabProfile, cluster: LabCluster, capability: Capability): string | undefined {
  if (capability === 'etcd') {
    return cluster.etcd
      ? undefined
      : `The lab profile${profile.file ? ` ${profile.file}` : ''} has no "etcd" section for cluster "${cluster.name}".`;
  }
  for (const name of NEEDED_COMMANDS[capability]) {
    const why = labLacks(profile, cluster, name);
    if (why) return why;
  }
  return undefined;
}
