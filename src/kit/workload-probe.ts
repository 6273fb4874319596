import type { PluginContext } from './plugin.js';
import {
  WORKLOAD_RESOURCE,
  resolveWorkload,
  workloadKey,
  type WorkloadRef,
  type WorkloadSelector,
} from './selectors.js';
import type { Informer } from '../kube/kube.js';
import type { KubeObject } from '../kube/objects.js';
import { cache } from './wait.js';
import { desiredBeforeKey, desiredOf } from './workloads.js';

/** A workload probe's view: the workload and the cluster's pods, both from shared informers. */
export interface WorkloadView {
  ref: WorkloadRef;
  key: string;
  workload(): KubeObject | undefined;
  pods(): KubeObject[];
  /** What it should run: the replica count before a fault scaled it, else its spec. */
  desired(obj: KubeObject): number;
}

export async function watchWorkload(ctx: PluginContext, sel: WorkloadSelector | undefined): Promise<WorkloadView> {
  const ref = await resolveWorkload(ctx, sel ?? { from: 'faults' });
  const [workloads, pods]: Informer[] = await Promise.all([
    cache(ctx, WORKLOAD_RESOURCE[ref.kind]),
    cache(ctx, 'pods'),
  ]);
  const key = workloadKey(ref);
  return {
    ref,
    key,
    workload: () => workloads!.get(ref.name, ref.namespace),
    pods: () => pods!.items(),
    desired: (obj) =>
      (ctx.state.values.get(desiredBeforeKey(ctx.cluster, key)) as number | undefined) ?? desiredOf(ref.kind, obj),
  };
}
