import { InvalidInputError } from '../errors.js';
import type { KubeObject } from '../kube/objects.js';
import type { JsonSchema, PluginContext } from './plugin.js';
import { LIMITS } from './limits.js';
import { matchesSelector, selectorOf } from './labels.js';
import { isTerminating } from './pods.js';
import { few } from './probe.js';

/**
 * How experiments pick what a fault or step acts on. Resolution is deterministic for a seed: candidates
 * are sorted by name and random picks come from the run's seeded generator.
 */
export type NodeSelector =
  | { names: string[] }
  | {
      role?: 'master' | 'worker' | 'any';
      count?: number;
      labels?: Record<string, string>;
      /** Only nodes running a live pod of this workload (the drill's premise: the lost node hosts one). */
      running?: WorkloadRef;
      /** Only the master whose instance of this component holds its leader Lease (role defaults to master). */
      leader?: LeaderComponent;
      pick?: 'first' | 'random';
      all?: boolean;
    }
  | { from: 'faults' };

export type LeaderComponent = 'kube-controller-manager' | 'kube-scheduler';

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet';
export type WorkloadSelector = { namespace: string; kind: WorkloadKind; name: string } | { from: 'faults' };

export type MemberSelector =
  { names: string[] } | { count: number; pick?: 'first' | 'random' } | { all: true } | { from: 'faults' };

/** Kubernetes labels: keys and values as long as Kubernetes allows them, and not more of them than a selector needs. */
export function labelsSchema(description: string): JsonSchema {
  return {
    type: 'object',
    propertyNames: { maxLength: LIMITS.maxLabelKeyLength },
    additionalProperties: { type: 'string', maxLength: LIMITS.maxLabelLength },
    maxProperties: LIMITS.maxLabels,
    description,
  };
}

export const nodeSelectorSchema: JsonSchema = {
  description:
    'Which nodes: {"names": [...]}, {"role": "worker", "count": 1} (picked with the run seed), {"role": "master", "all": true}, or {"from": "faults"} for the nodes the faults hit.',
  oneOf: [
    {
      type: 'object',
      properties: {
        names: {
          type: 'array',
          items: { type: 'string', minLength: 1, maxLength: LIMITS.maxNameLength },
          minItems: 1,
          maxItems: LIMITS.maxSelected,
          description: 'Node names.',
        },
      },
      required: ['names'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: {
        role: {
          enum: ['master', 'worker', 'any'],
          description: 'Control-plane (master) or worker nodes. Default worker.',
        },
        count: { type: 'integer', minimum: 1, maximum: LIMITS.maxSelected, description: 'How many nodes. Default 1.' },
        all: { type: 'boolean', description: 'Every node of the role.' },
        labels: labelsSchema('Only nodes with these labels.'),
        running: {
          type: 'object',
          description:
            'Only nodes running a pod of this workload ({"namespace", "kind", "name"}), when the drill needs the node it hits to host one: on a real cluster where pods land is not fixed.',
          properties: {
            namespace: { type: 'string', minLength: 1, maxLength: LIMITS.maxLabelLength, description: 'Namespace.' },
            kind: { enum: ['Deployment', 'StatefulSet', 'DaemonSet'], description: 'Workload kind.' },
            name: { type: 'string', minLength: 1, maxLength: LIMITS.maxNameLength, description: 'Workload name.' },
          },
          required: ['namespace', 'kind', 'name'],
          additionalProperties: false,
        },
        leader: {
          enum: ['kube-controller-manager', 'kube-scheduler'],
          description:
            'Only the master whose instance of this component is the leader (the holder of its kube-system Lease, as `kubectl get lease -n kube-system` shows it): the runbook\'s "the master holding the leader lease". Role defaults to master.',
        },
        pick: { enum: ['first', 'random'], description: 'first by name, or random with the run seed (default).' },
      },
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { from: { const: 'faults', description: 'The nodes the faults of this drill hit.' } },
      required: ['from'],
      additionalProperties: false,
    },
  ],
};

export const workloadSelectorSchema: JsonSchema = {
  description: 'Which workload: {"namespace", "kind", "name"}, or {"from": "faults"} for the workload the faults hit.',
  oneOf: [
    {
      type: 'object',
      properties: {
        namespace: { type: 'string', minLength: 1, maxLength: LIMITS.maxLabelLength, description: 'Namespace.' },
        kind: { enum: ['Deployment', 'StatefulSet', 'DaemonSet'], description: 'Workload kind.' },
        name: { type: 'string', minLength: 1, maxLength: LIMITS.maxNameLength, description: 'Workload name.' },
      },
      required: ['namespace', 'kind', 'name'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { from: { const: 'faults', description: 'The workloads the faults of this drill hit.' } },
      required: ['from'],
      additionalProperties: false,
    },
  ],
};

export const memberSelectorSchema: JsonSchema = {
  description: 'Which etcd members: {"names": [...]}, {"count": 2}, {"all": true} or {"from": "faults"}.',
  oneOf: [
    {
      type: 'object',
      properties: {
        names: {
          type: 'array',
          items: { type: 'string', minLength: 1, maxLength: LIMITS.maxNameLength },
          minItems: 1,
          maxItems: LIMITS.maxSelected,
          description: 'etcd member names, as `etcdctl member list` shows them.',
        },
      },
      required: ['names'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: {
        count: { type: 'integer', minimum: 1, maximum: LIMITS.maxSelected, description: 'How many members.' },
        pick: { enum: ['first', 'random'], description: 'first by name, or random with the run seed (default).' },
      },
      required: ['count'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { all: { const: true, description: 'Every member.' } },
      required: ['all'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { from: { const: 'faults', description: 'The etcd members the faults of this drill hit.' } },
      required: ['from'],
      additionalProperties: false,
    },
  ],
};

const MASTER_LABELS = ['node-role.kubernetes.io/master', 'node-role.kubernetes.io/control-plane'];

export function isMaster(node: KubeObject): boolean {
  return MASTER_LABELS.some((l) => node.metadata.labels?.[l] !== undefined);
}

/** `exclude`: nodes a pick by role, labels or count leaves out (named nodes are taken as named). */
export async function resolveNodes(
  ctx: PluginContext,
  sel: NodeSelector | undefined,
  options: { exclude?: readonly string[] } = {},
): Promise<string[]> {
  const s: NodeSelector = sel ?? { role: 'worker', count: 1 };
  if ('from' in s) {
    const hit = ctx.state.affectedNodes.get(ctx.cluster) ?? [];
    if (hit.length === 0)
      throw new InvalidInputError(
        `${ctx.cluster}: "from": "faults" selects no node: no fault of this drill hit a node.`,
      );
    return [...hit];
  }
  const { items } = await ctx.kube.list('nodes');
  const all = items.map((n) => n.metadata.name).sort();
  if ('names' in s) {
    // A node a step of this drill joins is named before it exists: until then it is simply not Ready.
    const expected = ctx.state.expectedNodes.get(ctx.cluster) ?? [];
    const missing = s.names.filter((n) => !all.includes(n) && !expected.includes(n));
    if (missing.length) {
      // At most a few names of each: a selector may name a thousand nodes, a cluster have ten thousand.
      throw new InvalidInputError(`${ctx.cluster}: no node named ${few(missing, 10)}; nodes are: ${few(all, 20)}.`);
    }
    return [...s.names];
  }
  const role = s.role ?? (s.leader ? 'master' : 'worker');
  const hosting = s.running ? await nodesRunning(ctx, s.running) : undefined;
  const leader = s.leader ? await leaderNode(ctx, s.leader) : undefined;
  const candidates = items
    .filter((n) => role === 'any' || (role === 'master') === isMaster(n))
    .filter((n) => leader === undefined || n.metadata.name === leader)
    .filter((n) => Object.entries(s.labels ?? {}).every(([k, v]) => n.metadata.labels?.[k] === v))
    .filter((n) => !hosting || hosting.has(n.metadata.name))
    .map((n) => n.metadata.name)
    .filter((n) => !(s.all !== true && options.exclude?.includes(n)))
    .sort();
  if (s.all) return candidates;
  const count = s.count ?? 1;
  if (candidates.length < count) {
    throw new InvalidInputError(
      `${ctx.cluster}: asked for ${count} ${role} node(s)${s.running ? ` running a pod of ${workloadKey(s.running)}` : ''}${leader ? ` where ${s.leader} leads (${leader})` : ''} but only ${candidates.length} match.`,
    );
  }
  return s.pick === 'first' ? candidates.slice(0, count) : ctx.random.sample(candidates, count);
}

/**
 * The node whose instance of `component` leads: leader election writes its identity, `<hostname>_<uuid>`,
 * as the holder of the component's Lease in kube-system, and kubeadm's node names are the host names.
 */
async function leaderNode(ctx: PluginContext, component: LeaderComponent): Promise<string> {
  const lease = await ctx.kube.get('leases', component, 'kube-system');
  const holder = lease?.spec?.holderIdentity as string | undefined;
  if (!holder) {
    throw new InvalidInputError(
      `${ctx.cluster}: no ${component} leads (the Lease kube-system/${component} has no holder), so "leader" selects no node.`,
    );
  }
  return holder.split('_')[0]!;
}

/** The nodes a live (not terminating) pod of the workload is bound to now. */
async function nodesRunning(ctx: PluginContext, ref: WorkloadRef): Promise<Set<string>> {
  const obj = await ctx.kube.get(WORKLOAD_RESOURCE[ref.kind], ref.name, ref.namespace);
  if (!obj) throw new InvalidInputError(`${ctx.cluster}: ${ref.kind} ${ref.namespace}/${ref.name} does not exist.`);
  const sel = selectorOf(obj);
  const { items } = await ctx.kube.list('pods', { namespace: ref.namespace });
  return new Set(
    items
      .filter((p) => matchesSelector(p.metadata.labels, sel) && !isTerminating(p))
      .map((p) => p.spec?.nodeName as string | undefined)
      .filter((n): n is string => typeof n === 'string'),
  );
}

export interface WorkloadRef {
  namespace: string;
  kind: WorkloadKind;
  name: string;
}

export function workloadKey(w: WorkloadRef): string {
  return `${w.namespace}/${w.kind}/${w.name}`;
}

export function parseWorkloadKey(key: string): WorkloadRef {
  const [namespace, kind, name] = key.split('/');
  return { namespace: namespace ?? '', kind: (kind ?? 'Deployment') as WorkloadKind, name: name ?? '' };
}

export const WORKLOAD_RESOURCE = {
  Deployment: 'deployments',
  StatefulSet: 'statefulsets',
  DaemonSet: 'daemonsets',
} as const;

export async function resolveWorkload(ctx: PluginContext, sel: WorkloadSelector): Promise<WorkloadRef> {
  if ('from' in sel) {
    const hit = ctx.state.affectedWorkloads.get(ctx.cluster)?.[0];
    if (!hit)
      throw new InvalidInputError(
        `${ctx.cluster}: "from": "faults" selects no workload: no fault of this drill hit one.`,
      );
    return parseWorkloadKey(hit);
  }
  const obj = await ctx.kube.get(WORKLOAD_RESOURCE[sel.kind], sel.name, sel.namespace);
  if (!obj) throw new InvalidInputError(`${ctx.cluster}: ${sel.kind} ${sel.namespace}/${sel.name} does not exist.`);
  return { namespace: sel.namespace, kind: sel.kind, name: sel.name };
}

export async function resolveMembers(ctx: PluginContext, sel: MemberSelector): Promise<string[]> {
  if ('from' in sel) {
    const hit = ctx.state.affectedMembers.get(ctx.cluster) ?? [];
    if (hit.length === 0)
      throw new InvalidInputError(`${ctx.cluster}: "from": "faults" selects no etcd member: no fault hit one.`);
    return [...hit];
  }
  const members = (await ctx.etcd.members()).map((m) => m.name).sort();
  if ('names' in sel) {
    const missing = sel.names.filter((n) => !members.includes(n));
    if (missing.length)
      throw new InvalidInputError(
        `${ctx.cluster}: no etcd member named ${few(missing, 10)}; members are: ${few(members, 20)}.`,
      );
    return [...sel.names];
  }
  if ('all' in sel) return members;
  if (members.length < sel.count)
    throw new InvalidInputError(`${ctx.cluster}: asked for ${sel.count} etcd members but there are ${members.length}.`);
  return sel.pick === 'first' ? members.slice(0, sel.count) : ctx.random.sample(members, sel.count);
}
