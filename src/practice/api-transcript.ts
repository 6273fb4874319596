import type { Clock } from '../engine/clock.js';
import type { Informer, WatchEvent } from '../kube/kube.js';
import { conditionOf, type KubeObject, type Taint } from '../kube/objects.js';
import { tryParseQuantity } from '../kube/quantity.js';
import type { Action, ActionLog } from '../targets/target.js';

/**
 * The API changes a person makes with kubectl, as the watch shows them, in words for the post-mortem:
 * "deployment gateway-system/gateway-proxy: replicas 0 -> 2", "node 10.128.38.8 cordoned". Controllers'
 * own work (pods created by ReplicaSets, node-lifecycle taints) is left out so the transcript stays the
 * people's; what cannot be told apart is kept and attributed as well as the action log allows.
 */
export type ChangeResource = 'deployments' | 'statefulsets' | 'daemonsets' | 'nodes' | 'pods' | 'configmaps';

const KIND_WORD: Record<ChangeResource, string> = {
  deployments: 'deployment',
  statefulsets: 'statefulset',
  daemonsets: 'daemonset',
  nodes: 'node',
  pods: 'pod',
  configmaps: 'configmap',
};

/** Taints Kubernetes itself sets and removes (node lifecycle, cordon's own taint). */
const SYSTEM_TAINT = /^node\.(kubernetes\.io|cloudprovider\.kubernetes\.io)\//;

export function describeChange(
  resource: ChangeResource,
  type: WatchEvent['type'],
  before: KubeObject | undefined,
  after: KubeObject,
): string | undefined {
  const name = after.metadata.namespace ? `${after.metadata.namespace}/${after.metadata.name}` : after.metadata.name;
  const what = `${KIND_WORD[resource]} ${name}`;
  switch (resource) {
    case 'deployments':
    case 'statefulsets':
    case 'daemonsets': {
      if (type === 'ADDED') return before === undefined ? `${what} created` : undefined;
      if (type === 'DELETED') return `${what} deleted`;
      if (!before || before.metadata.generation === after.metadata.generation) return undefined;
      return `${what}: ${workloadDiff(before, after).join('; ') || `spec changed (generation ${after.metadata.generation ?? '?'})`}`;
    }
    case 'nodes': {
      if (type === 'DELETED') return `${what} deleted`;
      if (type === 'ADDED') return `${what} joined`;
      if (!before) return undefined;
      const out: string[] = [];
      if (Boolean(before.spec?.unschedulable) !== Boolean(after.spec?.unschedulable))
        out.push(after.spec?.unschedulable ? 'cordoned' : 'uncordoned');
      const t = (o: KubeObject): string[] =>
        ((o.spec?.taints ?? []) as Taint[])
          .filter((x) => !SYSTEM_TAINT.test(x.key))
          .map((x) => `${x.key}${x.value ? `=${x.value}` : ''}:${x.effect}`);
      const [b, a] = [t(before), t(after)];
      for (const x of a) if (!b.includes(x)) out.push(`taint ${x} added`);
      for (const x of b) if (!a.includes(x)) out.push(`taint ${x} removed`);
      return out.length ? `${what} ${out.join(', ')}` : undefined;
    }
    case 'pods': {
      const owner = after.metadata.ownerReferences?.find((r) => r.controller)?.kind;
      // ReplicaSets create and delete their pods all the time; a person deletes DaemonSet, StatefulSet and bare pods.
      if (owner === 'ReplicaSet' || owner === 'Node') return undefined;
      const evicted = conditionOf(after, 'DisruptionTarget')?.status === 'True';
      if (type === 'ADDED') return before === undefined && !owner ? `${what} created` : undefined;
      if (evicted) return undefined;
      if (type === 'DELETED' && !before?.metadata.deletionTimestamp) return `${what} deleted`;
      if (type === 'MODIFIED' && !before?.metadata.deletionTimestamp && after.metadata.deletionTimestamp)
        return `${what} deleted`;
      return undefined;
    }
    case 'configmaps':
      if (type === 'ADDED') return before === undefined ? `${what} created` : undefined;
      if (type === 'DELETED') return `${what} deleted`;
      return before && JSON.stringify(before.data) !== JSON.stringify(after.data) ? `${what} data changed` : undefined;
  }
}

function workloadDiff(before: KubeObject, after: KubeObject): string[] {
  const out: string[] = [];
  if (before.spec?.replicas !== after.spec?.replicas)
    out.push(`replicas ${String(before.spec?.replicas)} -> ${String(after.spec?.replicas)}`);
  const annotation = 'kubectl.kubernetes.io/restartedAt';
  const ra = after.spec?.template?.metadata?.annotations?.[annotation] as string | undefined;
  if (ra && ra !== before.spec?.template?.metadata?.annotations?.[annotation])
    out.push(`rollout restart (restartedAt ${ra})`);
  const containers = (o: KubeObject): { name: string; image?: string; resources?: unknown }[] =>
    o.spec?.template?.spec?.containers ?? [];
  for (const c of containers(after)) {
    const old = containers(before).find((x) => x.name === c.name);
    if (!old) continue;
    if (old.image !== c.image) out.push(`container ${c.name} image ${String(old.image)} -> ${String(c.image)}`);
    if (resourcesKey(old.resources) !== resourcesKey(c.resources))
      out.push(`container ${c.name} resources ${JSON.stringify(c.resources ?? {})}`);
  }
  if (
    JSON.stringify(before.spec?.template?.spec?.tolerations ?? []) !==
    JSON.stringify(after.spec?.template?.spec?.tolerations ?? [])
  ) {
    out.push(`tolerations ${JSON.stringify(after.spec?.template?.spec?.tolerations ?? [])}`);
  }
  if (Boolean(before.spec?.paused) !== Boolean(after.spec?.paused)) out.push(after.spec?.paused ? 'paused' : 'resumed');
  return out;
}

/** Resources compared by value: "2" and "2000m" are the same CPU, whichever way a writer spelled it. */
function resourcesKey(r: unknown): string {
  const res = (r ?? {}) as Record<string, Record<string, string> | undefined>;
  const part = (m: Record<string, string> | undefined): string =>
    Object.entries(m ?? {})
      .map(([k, v]) => `${k}=${tryParseQuantity(v) ?? v}`)
      .sort()
      .join(',');
  return `${part(res['requests'])}|${part(res['limits'])}`;
}

export interface ApiTranscriptOptions {
  clock: Clock;
  informers: Partial<Record<ChangeResource, Informer>>;
  /** The target's action log: a write gameday made to the same object shortly before is gameday's. */
  actions?: ActionLog;
  onEntry: (e: { at: number; text: string; by: 'gameday' | 'someone' }) => void;
}

/** How long after gameday's own API call the change it caused may show up in a watch. */
const OWN_CHANGE_WINDOW_MS = 15_000;

/** Follows the informers and reports each change a person would have made. Returns a stop function. */
export async function watchApiChanges(o: ApiTranscriptOptions): Promise<() => void> {
  const entries = Object.entries(o.informers) as [ChangeResource, Informer][];
  await Promise.all(entries.map(([, i]) => i.ready()));
  const last = new Map<string, KubeObject>();
  const keyOf = (r: string, obj: KubeObject): string => `${r}/${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
  for (const [r, inf] of entries) for (const obj of inf.items()) last.set(keyOf(r, obj), obj);
  const own = (obj: KubeObject, at: number): boolean => {
    const log = o.actions?.entries ?? [];
    for (let i = log.length - 1; i >= 0; i--) {
      const a: Action = log[i]!;
      if (at - a.at > OWN_CHANGE_WINDOW_MS) break;
      if (a.kind === 'api' && !/^(GET|LIST|WATCH)\b/.test(a.text) && a.text.includes(obj.metadata.name)) return true;
    }
    return false;
  };
  const stops = entries.map(([r, inf]) =>
    inf.onEvent((e) => {
      const k = keyOf(r, e.object);
      const before = last.get(k);
      if (e.type === 'DELETED') last.delete(k);
      else last.set(k, e.object);
      const text = describeChange(r, e.type, before, e.object);
      if (!text) return;
      const at = o.clock.now();
      o.onEntry({ at, text, by: own(e.object, at) ? 'gameday' : 'someone' });
    }),
  );
  return () => {
    for (const s of stops) s();
  };
}
