import { InfrastructureError, InvalidInputError } from '../errors.js';
import type { PluginContext } from './plugin.js';
import { WORKLOAD_RESOURCE, workloadKey, type WorkloadRef } from './selectors.js';
import type { KubeObject } from '../kube/objects.js';
import { matchesSelector, selectorOf } from './labels.js';
import { isTerminating } from './pods.js';

/** Reading and changing Deployments, StatefulSets and DaemonSets the way kubectl does. */

export async function readWorkload(ctx: PluginContext, ref: WorkloadRef): Promise<KubeObject> {
  const obj = await ctx.kube.get(WORKLOAD_RESOURCE[ref.kind], ref.name, ref.namespace);
  if (!obj) throw new InvalidInputError(`${ctx.cluster}: ${ref.kind} ${ref.namespace}/${ref.name} does not exist.`);
  return obj;
}

/** The replica count the workload asks for (DaemonSet: the nodes it should run on). */
export function desiredOf(kind: WorkloadRef['kind'], obj: KubeObject): number {
  if (kind === 'DaemonSet') return Number(obj.status?.desiredNumberScheduled ?? 0);
  return Number(obj.spec?.replicas ?? 1);
}

/** Available replicas as `kubectl get` counts them: StatefulSets by ready replicas. */
export function availableOf(kind: WorkloadRef['kind'], obj: KubeObject): number {
  if (kind === 'DaemonSet') return Number(obj.status?.numberAvailable ?? 0);
  if (kind === 'StatefulSet') return Number(obj.status?.readyReplicas ?? 0);
  return Number(obj.status?.availableReplicas ?? 0);
}

/** Pods the workload owns by its selector, among `pods` (an informer's items), terminating ones included. */
export function podsOf(obj: KubeObject, pods: KubeObject[]): KubeObject[] {
  const sel = selectorOf(obj);
  return pods.filter((p) => p.metadata.namespace === obj.metadata.namespace && matchesSelector(p.metadata.labels, sel));
}

export function livePodsOf(obj: KubeObject, pods: KubeObject[]): KubeObject[] {
  return podsOf(obj, pods).filter((p) => !isTerminating(p));
}

export interface ContainerSpec {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe?: unknown;
  [extra: string]: unknown;
}

export function templateContainers(obj: KubeObject): ContainerSpec[] {
  return (obj.spec?.template?.spec?.containers ?? []) as ContainerSpec[];
}

/** The container a parameter names, or the first one. */
export function pickContainer(
  ctx: PluginContext,
  ref: WorkloadRef,
  obj: KubeObject,
  name: string | undefined,
): ContainerSpec {
  const containers = templateContainers(obj);
  const c = name === undefined ? containers[0] : containers.find((x) => x.name === name);
  if (!c) {
    throw new InvalidInputError(
      `${ctx.cluster}: ${ref.kind} ${ref.namespace}/${ref.name} has no container${name ? ` named "${name}"` : ''}; it has: ${containers.map((x) => x.name).join(', ') || 'none'}.`,
    );
  }
  return c;
}

/** A JSON merge patch under spec.template: annotations set (null removes), containers replaced as a whole. */
export async function patchTemplate(
  ctx: PluginContext,
  ref: WorkloadRef,
  template: Record<string, unknown>,
): Promise<KubeObject> {
  return ctx.kube.patch(
    WORKLOAD_RESOURCE[ref.kind],
    ref.name,
    { spec: { template } },
    { namespace: ref.namespace, type: 'merge' },
  );
}

export async function setTemplateAnnotations(
  ctx: PluginContext,
  ref: WorkloadRef,
  annotations: Record<string, string | null>,
): Promise<void> {
  await patchTemplate(ctx, ref, { metadata: { annotations } });
}

/** Replace the template's containers with `containers` (a merge patch replaces lists whole). */
export async function setContainers(ctx: PluginContext, ref: WorkloadRef, containers: ContainerSpec[]): Promise<void> {
  await patchTemplate(ctx, ref, { spec: { containers } });
}

export function scalable(ctx: PluginContext, ref: WorkloadRef): 'deployments' | 'statefulsets' {
  if (ref.kind === 'DaemonSet') {
    throw new InvalidInputError(
      `${ctx.cluster}: ${workloadKey(ref)} is a DaemonSet, which has no replica count to scale.`,
    );
  }
  return WORKLOAD_RESOURCE[ref.kind];
}

export function kubectlKind(ref: WorkloadRef): string {
  return ref.kind.toLowerCase();
}

/** Dry runs record what would change but get placeholders back: reads of results must not fail on them. */
export function requireObject(ctx: PluginContext, obj: KubeObject | undefined, what: string): KubeObject {
  if (!obj) throw new InfrastructureError(`${ctx.cluster}: ${what} is gone.`);
  return obj;
}

/** Where scale-workload leaves the replica count a workload had before it was scaled down. */
export function desiredBeforeKey(cluster: string, key: string): string {
  return `desiredBefore:${cluster}:${key}`;
}
