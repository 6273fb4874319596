import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import schema from '../../../schemas/lab-profile.schema.json' with { type: 'json' };
import { withDefaultBounds } from '../../experiment/bounds.js';
import { MAX_PROFILE_BYTES, readInputFile } from '../../input-file.js';
import { parseJsonSource } from '../../experiment/json-source.js';
import { quoteText } from '../../experiment/quote.js';
import { LabProfileError } from '../common/errors.js';
import type { ControlPlaneComponent } from '../target.js';

/**
 * A string runs on the node over ssh; `{ local }` runs on the machine running gameday; `{ unsupported }`
 * says the lab cannot do it, and why: a drill that needs it is refused before anything changes.
 */
export type CommandTemplate = string | { local: string } | { unsupported: string };

export type CommandName =
  | 'serviceStop'
  | 'serviceStart'
  | 'serviceRestart'
  | 'serviceState'
  | 'powerOff'
  | 'shutdown'
  | 'powerOn'
  | 'freeze'
  | 'unfreeze'
  | 'networkDisconnect'
  | 'networkConnect'
  | 'manifestOut'
  | 'manifestIn'
  | 'memoryPressure'
  | 'memoryRelieve'
  | 'diskPressure'
  | 'diskRelieve'
  | 'overloadStart'
  | 'overloadStop'
  | 'addNode'
  | 'removeNode'
  | 'etcdRunning'
  | 'etcdKill'
  | 'etcdPause'
  | 'etcdResume';

export type LabCommands = Partial<Record<CommandName, CommandTemplate>> & {
  units?: { kubelet?: string; containerRuntime?: string };
};

export interface SshSettings {
  user: string;
  port?: number;
  key?: string;
  jumpHost?: string;
  sudo?: boolean;
  /** Seconds ssh waits for the host to accept the connection (ConnectTimeout). Default 10. */
  connectTimeout?: number;
  options?: string[];
}

export interface LabHost {
  host?: string;
  bmc?: string;
  ssh?: Partial<SshSettings>;
}

export interface LabEtcd {
  endpoints: string[];
  cacert: string;
  cert: string;
  key: string;
  nodes: string[];
  names?: string[];
  dataDir?: string;
  apiserverNodes?: string[];
  /** etcdctl on the etcd nodes: a path, or a name root's PATH finds under sudo. Default "etcdctl". */
  etcdctl?: string;
  /** etcdutl on the etcd nodes (etcd 3.5 and later restore and read snapshots with it). Default "etcdutl". */
  etcdutl?: string;
}

export interface LabCluster {
  name: string;
  context: string;
  /**
   * The cluster gameday runs in (a scheduled game day's pod): its API is reached with the pod's service
   * account, the kubeconfig context "inClusterContext" client-node makes for it.
   */
  inCluster?: boolean;
  kubeconfig?: string;
  /** The cluster the context must lead to; checked before anything is touched (see cluster-identity.ts). */
  identity?: { server?: string; ca?: string; kubeSystemUid?: string };
  nodes: { ssh: SshSettings; hosts?: Record<string, LabHost> };
  etcd?: LabEtcd;
  manifests?: Partial<Record<ControlPlaneComponent, string>>;
  commands?: LabCommands;
}

export interface LabProfile {
  name?: string;
  clusters: LabCluster[];
  commands?: LabCommands;
  /** The file it was loaded from (set by the loader), for messages. */
  file?: string;
}

/**
 * The commands an SRE runs on a systemd host, used where a profile says nothing. Power on, freeze,
 * network partition and node add/remove have none: they need a BMC, a hypervisor or a spare host that only
 * the profile can name.
 */
export const DEFAULT_COMMANDS: Readonly<Partial<Record<CommandName, CommandTemplate>>> = {
  serviceStop: 'systemctl stop {unit}',
  serviceStart: 'systemctl start {unit}',
  serviceRestart: 'systemctl restart {unit}',
  serviceState: 'systemctl is-active {unit}',
  // A crash, not a shutdown: the kernel powers the machine off at once, no unit is stopped, no disk synced
  // (sysrq "o"). The kernel.sysrq setting may forbid it from the keyboard, not from /proc as root.
  powerOff: 'echo o > /proc/sysrq-trigger',
  shutdown: 'systemctl poweroff',
  manifestOut: 'mv /etc/kubernetes/manifests/{manifest} /etc/kubernetes/{manifest}',
  // Already back (the runbook's own move ran before the fault's revert): nothing to do. Out is never a
  // no-op: a manifest someone had moved out before the drill must not be moved in by its revert.
  manifestIn:
    '[ -e /etc/kubernetes/manifests/{manifest} ] && [ ! -e /etc/kubernetes/{manifest} ] || mv /etc/kubernetes/{manifest} /etc/kubernetes/manifests/{manifest}',
  // tmpfs pages are memory no cgroup of Kubernetes' accounts for: a runaway process, as the drill wants.
  memoryPressure:
    'mkdir -p /run/gameday-ballast && mount -t tmpfs -o size={bytes} gameday-ballast /run/gameday-ballast && fallocate -l {bytes} /run/gameday-ballast/memory',
  memoryRelieve: 'umount /run/gameday-ballast',
  diskPressure: 'fallocate -l {bytes} /var/lib/gameday-ballast',
  diskRelieve: 'rm -f /var/lib/gameday-ballast',
  overloadStart:
    "systemd-run --unit=gameday-overload sh -c 'n=$(( $(nproc) * 4 )); i=0; while [ $i -lt $n ]; do (while :; do :; done) & i=$((i+1)); done; wait'",
  overloadStop: 'systemctl stop gameday-overload',
  etcdRunning: 'pgrep -x etcd',
  etcdKill: 'pkill -KILL -x etcd',
  etcdPause: 'pkill -STOP -x etcd',
  etcdResume: 'pkill -CONT -x etcd',
};

/** kubeadm hosts since Kubernetes 1.24 (dockershim removed) run containerd; docker-era hosts set "docker". */
/** The context client-node's loadFromCluster() makes from a pod's service account. */
export const IN_CLUSTER_CONTEXT = 'inClusterContext';

export const DEFAULT_UNITS = { kubelet: 'kubelet', containerRuntime: 'containerd' } as const;

/** The template for `name` on `cluster`: the cluster's, else the profile's, else the default. */
export function commandFor(profile: LabProfile, cluster: LabCluster, name: CommandName): CommandTemplate | undefined {
  return cluster.commands?.[name] ?? profile.commands?.[name] ?? DEFAULT_COMMANDS[name];
}

export function unitFor(profile: LabProfile, cluster: LabCluster, service: 'kubelet' | 'containerRuntime'): string {
  return cluster.commands?.units?.[service] ?? profile.commands?.units?.[service] ?? DEFAULT_UNITS[service];
}

let validator: ReturnType<Ajv2020['compile']> | undefined;

function validate(data: unknown): ErrorObject[] {
  if (!validator) {
    const ajv = new Ajv2020({ allErrors: true, strict: true, logger: false });
    // The written schema leaves sizes open; the validator bounds every string, list and number.
    validator = ajv.compile(withDefaultBounds(schema) as object);
  }
  return validator(data) ? [] : [...(validator.errors ?? [])];
}

/** What was expected, in words, for one ajv error. */
function expected(e: ErrorObject): string {
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return `a property "${String(p['missingProperty'])}" (required)`;
    case 'additionalProperties':
      return `no property ${quoteText(String(p['additionalProperty']))} (not a lab-profile field)`;
    case 'maxLength':
      return `at most ${String(p['limit'])} characters`;
    case 'minLength':
      return 'a non-empty string';
    case 'maxItems':
      return `at most ${String(p['limit'])} items`;
    case 'maximum':
      return `a number at most ${String(p['limit'])}`;
    case 'type':
      return /^[aeiou]/.test(String(p['type'])) ? `an ${String(p['type'])}` : `a ${String(p['type'])}`;
    case 'enum':
      return `one of ${(p['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'oneOf':
      return 'a command line string, {"local": "<command line>"} or {"unsupported": "<why>"}';
    default:
      return e.message ?? e.keyword;
  }
}

/**
 * Validate a parsed profile; every problem is reported as `<file>:<line>:<col>: <JSON path>: expected ...`.
 * Cross-field rules the schema cannot say (unique names and contexts, etcd lists of equal length) follow.
 */
export function checkLabProfile(data: unknown, file: string, locate?: (pointer: string) => string): LabProfile {
  const where = (pointer: string): string => `${file}${locate ? `:${locate(pointer)}` : ''}: ${pointer || '/'}`;
  // A template failing oneOf also reports each branch's failure: keep the one summary.
  const errors = validate(data).filter(
    (e, _i, all) =>
      !all.some(
        (o) =>
          o.keyword === 'oneOf' &&
          o !== e &&
          e.instancePath.startsWith(o.instancePath) &&
          e.schemaPath.includes('/oneOf/'),
      ),
  );
  const problems = errors.map((e) => `${where(e.instancePath)}: expected ${expected(e)}`);
  if (problems.length === 0) {
    const profile = data as LabProfile;
    const seen = new Map<string, number>();
    profile.clusters.forEach((c, i) => {
      if (c.inCluster === true) {
        if (c.context !== undefined && c.context !== IN_CLUSTER_CONTEXT)
          problems.push(
            `${where(`/clusters/${i}/context`)}: expected "${IN_CLUSTER_CONTEXT}" or no context with "inCluster": true (the service account's context)`,
          );
        c.context = IN_CLUSTER_CONTEXT;
      } else if ((c.context as string | undefined) === undefined) {
        problems.push(`${where(`/clusters/${i}`)}: expected a property "context" (required unless "inCluster": true)`);
        return;
      }
      for (const [what, value] of [
        ['name', c.name],
        ['context', c.context],
      ] as const) {
        const key = `${what}:${value}`;
        const first = seen.get(key);
        if (first !== undefined)
          problems.push(
            `${where(`/clusters/${i}/${what}`)}: expected a ${what} not used by /clusters/${first} ("${value}")`,
          );
        else seen.set(key, i);
      }
      const e = c.etcd;
      if (e && e.endpoints.length !== e.nodes.length) {
        problems.push(
          `${where(`/clusters/${i}/etcd/endpoints`)}: expected one endpoint per etcd node (${e.nodes.length} nodes, ${e.endpoints.length} endpoints)`,
        );
      }
      if (e?.names && e.names.length !== e.nodes.length) {
        problems.push(
          `${where(`/clusters/${i}/etcd/names`)}: expected one member name per etcd node (${e.nodes.length})`,
        );
      }
    });
  }
  if (problems.length > 0) {
    throw new LabProfileError(`The lab profile is not valid:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return { ...(data as LabProfile), file };
}

/** Read, parse and validate a lab profile file. */
export function loadLabProfile(path: string): LabProfile {
  const read = readInputFile(path, { maxBytes: MAX_PROFILE_BYTES, what: 'a lab profile' });
  if (!read.ok) {
    const at = read.position ? `:${read.position.line}:${read.position.column}` : '';
    throw new LabProfileError(`Cannot read the lab profile ${path}${at}: the file ${read.reason}.`);
  }
  const text = read.text;
  const parsed = parseJsonSource(text);
  if (!parsed.ok) {
    throw new LabProfileError(
      `${path}:${parsed.position.line}:${parsed.position.column}: not valid JSON: ${parsed.message}`,
    );
  }
  const doc = parsed.doc;
  return checkLabProfile(doc.data, path, (pointer) => {
    const pos = doc.locate(pointer);
    return `${pos.line}:${pos.column}`;
  });
}
