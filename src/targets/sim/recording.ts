import type { Clock } from '../../engine/clock.js';
import type { ActionLog, EtcdOps, NodeOps } from '../target.js';

/**
 * Wraps the simulator's node and etcd operations so that each one is recorded in the action log in the
 * words an SRE would use on a real host, and skipped (but still recorded) in dry-run mode. Read-only
 * operations always run: a dry run needs them to plan.
 */
interface RecordingOptions {
  cluster: string;
  clock: Clock;
  actions: ActionLog;
  dryRun: boolean;
}

const SERVICE_UNIT = { kubelet: 'kubelet', 'container-runtime': 'docker' } as const;

const NODE_WORDS: { [K in keyof NodeOps]?: (...args: never[]) => string } = {
  service: (node: string, service: keyof typeof SERVICE_UNIT, action: string) =>
    `ssh ${node} systemctl ${action} ${SERVICE_UNIT[service]}`,
  power: (node: string, action: string) =>
    action === 'shutdown' ? `shut host ${node} down (systemctl poweroff)` : `power ${action} host ${node}`,
  network: (node: string, action: string) => `${action === 'disconnect' ? 'cut' : 'restore'} the network of ${node}`,
  freeze: (node: string, action: string) => `${action} host ${node}`,
  manifest: (node: string, component: string, action: string) =>
    action === 'out'
      ? `ssh ${node} mv /etc/kubernetes/manifests/${component}.yaml /etc/kubernetes/${component}.yaml`
      : `ssh ${node} mv /etc/kubernetes/${component}.yaml /etc/kubernetes/manifests/${component}.yaml`,
  pressure: (node: string, resource: string, amount: string) =>
    `consume ${amount} of ${resource} on ${node} outside Kubernetes`,
  relieve: (node: string, resource: string) =>
    resource === 'disk'
      ? `ssh ${node} truncate the log files under /usr/local/tomcat/logs`
      : `ssh ${node} stop the memory hog`,
  overload: (node: string, action: string) => `${action} CPU overload on ${node}`,
  addNode: (spec: { name?: string; role?: string }) =>
    `join a new ${spec.role ?? 'worker'} node${spec.name ? ` ${spec.name}` : ''}`,
  removeNode: (node: string) => `remove node ${node} from the cluster`,
};

const ETCD_WORDS: { [K in keyof EtcdOps]?: (...args: never[]) => string } = {
  stopMember: (name: string, how: string) =>
    how === 'kill'
      ? `kill -9 etcd member ${name}`
      : how === 'pause'
        ? `kill -STOP etcd member ${name}`
        : `stop etcd member ${name}`,
  startMember: (name: string) => `start etcd member ${name} (manifest back in /etc/kubernetes/manifests)`,
  snapshotSave: () => 'etcdctl snapshot save snapshot.db',
  restoreSingle: (member: string, snap: { path: string }) =>
    `etcdctl snapshot restore ${snap.path} --name ${member} --initial-cluster ${member}=<peer-url> --data-dir /var/lib/etcd (old data dirs moved aside)`,
  memberRemove: (name: string) => `etcdctl member remove <id of ${name}>`,
  memberAdd: (name: string) =>
    `etcdctl member add ${name} --peer-urls=<peer-url>; start it with initial-cluster-state=existing`,
  pointApiserver: (members: string[]) => `set kube-apiserver --etcd-servers to ${members.join(',')}`,
};

function wrap<T extends object>(
  inner: T,
  words: Record<string, ((...args: never[]) => string) | undefined>,
  o: RecordingOptions,
): T {
  return new Proxy(inner, {
    get(t, prop, receiver) {
      const value = Reflect.get(t, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const describe = typeof prop === 'string' ? words[prop] : undefined;
      if (!describe) return (value as (...a: unknown[]) => unknown).bind(t);
      return (...args: unknown[]) => {
        o.actions.record({
          at: o.clock.now(),
          cluster: o.cluster,
          kind: 'sim',
          text: describe(...(args as never[])),
          dryRun: o.dryRun,
        });
        if (o.dryRun) return Promise.resolve(dryRunValue(prop as string, args));
        return (value as (...a: unknown[]) => unknown).apply(t, args);
      };
    },
  });
}

/** What a skipped operation pretends to return, so a dry run can go on planning. */
function dryRunValue(method: string, args: unknown[]): unknown {
  if (method === 'addNode') return (args[0] as { name?: string }).name ?? 'new-node';
  if (method === 'snapshotSave') return { path: 'snapshot.db', revision: 0, keys: 0, takenAt: 0 };
  if (method === 'memberAdd') return { id: '0', name: String(args[0]), peerURL: '', clientURL: '' };
  return undefined;
}

export function recordingNodeOps(inner: NodeOps, o: RecordingOptions): NodeOps {
  return wrap(inner, NODE_WORDS as Record<string, (...args: never[]) => string>, o);
}

export function recordingEtcdOps(inner: EtcdOps, o: RecordingOptions): EtcdOps {
  return wrap(inner, ETCD_WORDS as Record<string, (...args: never[]) => string>, o);
}
