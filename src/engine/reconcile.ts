import jsonpatch from 'fast-json-patch';
import { isDeepStrictEqual } from 'node:util';
import { errorMessage } from '../errors.js';
import type { Clock } from './clock.js';
import type { PluginContext } from '../kit/plugin.js';
import { restorable, restoreObject, sameAsRecorded } from '../kit/restore.js';
import { isNodeReady, type KubeObject, type Taint } from '../kube/objects.js';
import type { ResourceName } from '../kube/resources.js';
import type { NewNodeSpec } from '../targets/target.js';
import { objectKey, type Journal, type JournalObject } from './journal.js';

/**
 * After the faults are reverted and the steps' host-level changes undone: is every object the drill touched
 * as it was before the drill? Each difference is put back when the drill made it (a node a drain left
 * cordoned, replicas a step changed, a toleration, a Service selector, a ConfigMap; in a manual drill, what
 * its people changed, such as the node the runbook told them to cordon) or, when nothing can
 * put it back from here (etcd membership, a node that does not come back Ready), listed. Objects the drill
 * only looked at are compared, never written.
 */

/** One way the cluster differs from before the drill, and how to put it back if gameday may. */
interface Finding {
  text: string;
  /** It may go away by itself (a node booting, pods starting, an API coming back): worth waiting for. */
  eventual?: boolean;
  /** Puts it back; returns what was done, in words. */
  fix?: () => Promise<string>;
}

export interface ReconcileResult {
  /** What was put back in this pass. */
  restored: string[];
  /** What is still different (or could not be put back), in words. */
  differences: string[];
  /** Some of the differences may go away by themselves: waiting may help. */
  waiting: boolean;
}

/** How often one object is put back before gameday stops fighting whatever keeps changing it. */
const MAX_FIXES = 3;

export class Reconciler {
  private readonly fixes = new Map<string, number>();

  constructor(
    private readonly journal: Journal,
    private readonly contextFor: (cluster: string) => PluginContext,
  ) {}

  /** Whether the journal records anything to compare. */
  get empty(): boolean {
    return (this.journal.data.objects ?? []).length === 0 && Object.keys(this.journal.data.etcd ?? {}).length === 0;
  }

  /** One pass: compare everything recorded, put back what the drill changed, list the rest. */
  async pass(restore = true): Promise<ReconcileResult> {
    const out: ReconcileResult = { restored: [], differences: [], waiting: false };
    // Newest first, as the faults are reverted: the setup's objects last, a PDB before its workload.
    for (const rec of [...(this.journal.data.objects ?? [])].reverse()) {
      let findings: Finding[];
      try {
        findings = await inspect(rec, this.contextFor(rec.cluster));
      } catch (err) {
        findings = [{ text: `${describe(rec)}: cannot be read: ${errorMessage(err)}`, eventual: true }];
      }
      const key = objectKey(rec);
      for (const f of findings) {
        const tries = this.fixes.get(key) ?? 0;
        // Only what the drill wrote to is the drill's to put back, or what its people did in a manual recovery.
        const drills = rec.by.length > 0 || this.journal.data.manualRecovery !== undefined;
        if (!restore || !f.fix || !drills || tries >= MAX_FIXES) {
          out.differences.push(tries >= MAX_FIXES ? `${f.text} (put back ${tries} times; it keeps changing)` : f.text);
          out.waiting ||= f.eventual === true;
          continue;
        }
        this.fixes.set(key, tries + 1);
        try {
          out.restored.push(await f.fix());
        } catch (err) {
          out.differences.push(`${f.text}; putting it back failed: ${errorMessage(err)}`);
          out.waiting = true;
        }
        // One fix per object per pass: the next pass reads it again.
        break;
      }
    }
    for (const [cluster, before] of Object.entries(this.journal.data.etcd ?? {})) {
      try {
        const now = (await this.contextFor(cluster).etcd.members()).map((m) => m.name).sort();
        const was = before.map((m) => m.name).sort();
        if (!isDeepStrictEqual(now, was))
          out.differences.push(
            `${cluster}: etcd members are ${now.join(', ') || 'none'} (before the drill: ${was.join(', ')})`,
          );
      } catch (err) {
        out.differences.push(`${cluster}: etcd members cannot be listed: ${errorMessage(err)}`);
        out.waiting = true;
      }
    }
    return out;
  }

  /**
   * Pass after pass until nothing differs (and `ready()` holds: the steady state is back), or until the
   * deadline: then the differences left. What takes time (a node booting, pods starting) is waited for.
   */
  async settle(
    clock: Clock,
    o: { timeoutMs: number; ready?: () => boolean; onPass?: (r: ReconcileResult) => void; signal?: AbortSignal },
  ): Promise<ReconcileResult & { ok: boolean }> {
    const deadline = clock.now() + o.timeoutMs;
    const restored: string[] = [];
    let delay = 1000;
    for (;;) {
      const r = await this.pass(true);
      restored.push(...r.restored);
      o.onPass?.(r);
      const ready = o.ready?.() ?? true;
      if (r.differences.length === 0 && r.restored.length === 0 && ready)
        return { ok: true, restored, differences: [], waiting: false };
      // Nothing left that time can change (what someone else did, membership): no use waiting.
      const stuck = r.restored.length === 0 && !r.waiting && ready && r.differences.length > 0;
      if (stuck || clock.now() >= deadline)
        return { ok: false, restored, differences: r.differences, waiting: r.waiting };
      await clock.sleep(Math.min(delay, Math.max(0, deadline - clock.now())), o.signal);
      delay = Math.min(delay * 2, 15_000);
    }
  }
}

function describe(rec: Pick<JournalObject, 'cluster' | 'resource' | 'namespace' | 'name'>): string {
  const kind = KINDS[rec.resource] ?? rec.resource;
  return `${rec.cluster}: ${kind} ${rec.namespace ? `${rec.namespace}/` : ''}${rec.name}`;
}

const KINDS: Partial<Record<ResourceName, string>> = {
  nodes: 'node',
  deployments: 'Deployment',
  statefulsets: 'StatefulSet',
  daemonsets: 'DaemonSet',
  services: 'Service',
  configmaps: 'ConfigMap',
  secrets: 'Secret',
};

const WORKLOADS: ReadonlySet<ResourceName> = new Set<ResourceName>(['deployments', 'statefulsets', 'daemonsets']);

async function inspect(rec: JournalObject, ctx: PluginContext): Promise<Finding[]> {
  const now = await ctx.kube.get(rec.resource, rec.name, rec.namespace);
  const what = describe(rec);
  const before = rec.before;
  if (!before && !now) return [];
  if (!before && now) {
    return [
      {
        text: `${what} was created by the drill and is still there`,
        fix: async () => {
          if (rec.resource === 'nodes') await ctx.nodes.removeNode(rec.name);
          else await ctx.kube.delete(rec.resource, rec.name, { namespace: rec.namespace });
          return `removed ${what}, which the drill created`;
        },
      },
    ];
  }
  if (before && !now) {
    return [
      {
        text: `${what} is gone (it was there before the drill)`,
        fix: async () => {
          if (rec.resource === 'nodes') await ctx.nodes.addNode(nodeSpecOf(before));
          else await ctx.kube.create(rec.resource, withoutStatus(before));
          return `created ${what} again as it was`;
        },
      },
    ];
  }
  if (!before || !now) return [];
  if (rec.resource === 'nodes') return inspectNode(what, before, now, ctx, rec.by.length > 0);
  if (WORKLOADS.has(rec.resource)) return inspectWorkload(what, rec, before, now, ctx);
  if (rec.resource === 'services') return inspectService(what, rec, before, now, ctx);
  if (sameAsRecorded(now, withoutStatus(before))) return [];
  return [
    {
      text: `${what} differs from before the drill (${changedPaths(contentOf(before), contentOf(now))})`,
      fix: async () => {
        await restoreObject(ctx, rec.resource, withoutStatus(before));
        return `put back ${what} as it was`;
      },
    },
  ];
}

/** Taints the node-lifecycle controller manages come and go with the node's health: not compared. */
const userTaints = (node: KubeObject): Taint[] =>
  ((node.spec?.taints ?? []) as Taint[])
    .filter((t) => !t.key.startsWith('node.kubernetes.io/'))
    .map((t) => ({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect }))
    .sort((a, b) => `${a.key}:${a.effect}`.localeCompare(`${b.key}:${b.effect}`));

const taintWords = (ts: Taint[]): string =>
  ts.length === 0 ? 'none' : ts.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(', ');

function inspectNode(
  what: string,
  before: KubeObject,
  now: KubeObject,
  ctx: PluginContext,
  written: boolean,
): Finding[] {
  const out: Finding[] = [];
  const name = now.metadata.name;
  const was = before.spec?.unschedulable === true;
  const is = now.spec?.unschedulable === true;
  const wasTaints = userTaints(before);
  if (was !== is || !isDeepStrictEqual(wasTaints, userTaints(now))) {
    const parts: string[] = [];
    if (was !== is)
      parts.push(`is ${is ? 'SchedulingDisabled' : 'schedulable'} (it was ${was ? 'cordoned' : 'schedulable'})`);
    if (!isDeepStrictEqual(wasTaints, userTaints(now)))
      parts.push(`has taints ${taintWords(userTaints(now))} (it had ${taintWords(wasTaints)})`);
    out.push({
      text: `${what} ${parts.join(' and ')}`,
      fix: async () => {
        const current = (await ctx.kube.get('nodes', name)) ?? now;
        const lifecycle = ((current.spec?.taints ?? []) as Taint[]).filter((t) =>
          t.key.startsWith('node.kubernetes.io/'),
        );
        const taints = [...wasTaints, ...lifecycle];
        await ctx.kube.patch(
          'nodes',
          name,
          { spec: { unschedulable: was ? true : null, taints: taints.length > 0 ? taints : null } },
          { type: 'merge' },
        );
        return `put back ${what} ${was ? 'cordoned' : 'schedulable'} with taints ${taintWords(wasTaints)}`;
      },
    });
  }
  // Labels and annotations only of a node the drill wrote to: a node it only watched is its agents' to label.
  for (const field of written ? (['labels', 'annotations'] as const) : []) {
    const diff = metaDiff(before.metadata[field], now.metadata[field], field === 'annotations');
    if (Object.keys(diff).length === 0) continue;
    out.push({
      text: `${what} has ${field} ${Object.keys(diff).join(', ')} changed (label-nodes, a setup)`,
      fix: async () => {
        await ctx.kube.patch('nodes', name, { metadata: { [field]: diff } }, { type: 'merge' });
        return `put back ${what}'s ${field} ${Object.keys(diff).join(', ')} as they were`;
      },
    });
  }
  if (isNodeReady(before) && !isNodeReady(now))
    out.push({ text: `${what} is not Ready (it was Ready before the drill)`, eventual: true });
  return out;
}

/**
 * Labels (or annotations) that differ from before, as the merge patch that puts them back (null: remove).
 * Annotations the kubelet and the cluster's agents keep writing are theirs, not the drill's: not compared.
 */
function metaDiff(
  was: Record<string, string> | undefined,
  is: Record<string, string> | undefined,
  annotations: boolean,
): Record<string, string | null> {
  const system = (k: string): boolean => annotations && /kubernetes\.io\/|k8s\.io\/|projectcalico\.org\//.test(k);
  const out: Record<string, string | null> = {};
  for (const k of new Set([...Object.keys(was ?? {}), ...Object.keys(is ?? {})])) {
    if (system(k) || was?.[k] === is?.[k]) continue;
    out[k] = was?.[k] ?? null;
  }
  return out;
}

function inspectWorkload(
  what: string,
  rec: JournalObject,
  before: KubeObject,
  now: KubeObject,
  ctx: PluginContext,
): Finding[] {
  const out: Finding[] = [];
  const daemon = rec.resource === 'daemonsets';
  const replicas = { was: Number(before.spec?.replicas ?? 1), is: Number(now.spec?.replicas ?? 1) };
  if (!daemon && replicas.was !== replicas.is) {
    out.push({
      text: `${what} has ${replicas.is} replicas (it had ${replicas.was})`,
      fix: async () => {
        await ctx.kube.scale(
          rec.resource as 'deployments' | 'statefulsets',
          rec.namespace ?? '',
          rec.name,
          replicas.was,
        );
        return `put back ${what} at ${replicas.was} replicas`;
      },
    });
  }
  const t0 = normalise(before.spec?.template);
  const t1 = normalise(now.spec?.template);
  if (!isDeepStrictEqual(t0, t1)) {
    out.push({
      text: `${what} has a pod template that differs at ${changedPaths(t0, t1)}`,
      fix: async () => {
        // Only if nobody wrote to it since it was read: a JSON patch testing the resourceVersion.
        await ctx.kube.patch(
          rec.resource,
          rec.name,
          [
            { op: 'test', path: '/metadata/resourceVersion', value: now.metadata.resourceVersion },
            { op: 'replace', path: '/spec/template', value: before.spec?.template },
          ],
          { namespace: rec.namespace, type: 'json' },
        );
        return `put back ${what}'s pod template as it was`;
      },
    });
  }
  const available = (o: KubeObject): [number, number] =>
    daemon
      ? [Number(o.status?.numberAvailable ?? 0), Number(o.status?.desiredNumberScheduled ?? 0)]
      : [
          Number(rec.resource === 'statefulsets' ? (o.status?.readyReplicas ?? 0) : (o.status?.availableReplicas ?? 0)),
          Number(o.spec?.replicas ?? 1),
        ];
  const [a0, d0] = available(before);
  const [a1, d1] = available(now);
  if (d0 > 0 && a0 >= d0 && a1 < d1)
    out.push({ text: `${what} has ${a1}/${d1} available (all ${d0} were before the drill)`, eventual: true });
  return out;
}

function inspectService(
  what: string,
  rec: JournalObject,
  before: KubeObject,
  now: KubeObject,
  ctx: PluginContext,
): Finding[] {
  const pick = (o: KubeObject) => normalise({ selector: o.spec?.selector, ports: o.spec?.ports });
  if (isDeepStrictEqual(pick(before), pick(now))) return [];
  return [
    {
      text: `${what} has a selector or ports that differ at ${changedPaths(pick(before), pick(now))}`,
      fix: async () => {
        const ops: { op: string; path: string; value?: unknown }[] = [
          { op: 'test', path: '/metadata/resourceVersion', value: now.metadata.resourceVersion },
        ];
        for (const f of ['selector', 'ports'] as const) {
          const was: unknown = before.spec?.[f];
          if (was !== undefined) ops.push({ op: 'add', path: `/spec/${f}`, value: was });
          else if (now.spec?.[f] !== undefined) ops.push({ op: 'remove', path: `/spec/${f}` });
        }
        await ctx.kube.patch('services', rec.name, ops, { namespace: rec.namespace, type: 'json' });
        return `put back ${what}'s selector and ports`;
      },
    },
  ];
}

/** What a person set, without status: what is compared and written back for a generic object. */
function withoutStatus(o: KubeObject): KubeObject {
  const out = restorable(o);
  delete out['status'];
  return out;
}

function contentOf(o: KubeObject): unknown {
  const r = withoutStatus(o) as Record<string, unknown>;
  const { metadata, ...rest } = r;
  const m = metadata as KubeObject['metadata'];
  return normalise({ ...rest, labels: m.labels, annotations: m.annotations });
}

/** Empty maps, empty lists and nulls mean "not set": a server may return either. */
export function normalise(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v.map(normalise);
    return items.length === 0 ? undefined : items;
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (k === 'creationTimestamp') continue;
      const n = normalise(x);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return v === null ? undefined : v;
}

/** The first few places two values differ, as paths ("spec.containers.0.resources.limits.memory"). */
function changedPaths(a: unknown, b: unknown): string {
  const paths = [
    ...new Set(
      jsonpatch
        .compare(asObject(a), asObject(b))
        .map((op) => op.path.slice(1).replaceAll('/', '.') || '(the whole value)'),
    ),
  ];
  return paths.length <= 4 ? paths.join(', ') : `${paths.slice(0, 4).join(', ')} and ${paths.length - 4} more`;
}

function asObject(v: unknown): object {
  return v !== null && typeof v === 'object' ? v : { value: v };
}

/** How to join a node like the one that was removed: its name, role, capacity and labels. */
function nodeSpecOf(node: KubeObject): NewNodeSpec {
  const labels = node.metadata.labels ?? {};
  const master =
    labels['node-role.kubernetes.io/master'] !== undefined ||
    labels['node-role.kubernetes.io/control-plane'] !== undefined;
  const cap = (node.status?.capacity ?? {}) as Record<string, string>;
  return {
    name: node.metadata.name,
    role: master ? 'master' : 'worker',
    ...(cap['cpu'] ? { cpu: cap['cpu'] } : {}),
    ...(cap['memory'] ? { memory: cap['memory'] } : {}),
    labels,
  };
}
