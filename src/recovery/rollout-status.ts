import { InfrastructureError, TimeoutError } from '../errors.js';
import type { RecoveryStep } from '../kit/plugin.js';
import { formatDuration, parseDuration } from '../kit/duration.js';
import { WORKLOAD_RESOURCE, resolveWorkload, type WorkloadKind, type WorkloadSelector } from '../kit/selectors.js';
import { conditionOf, type KubeObject } from '../kube/objects.js';
import { kubectlWorkload, workloadInWords } from '../kit/describe.js';
import { durationParam, paramsSchema, workloadParam } from '../kit/schema.js';
import { cache, until } from '../kit/wait.js';

export interface RolloutStatusParams {
  workload?: WorkloadSelector;
  maxWait?: string;
}

export type RolloutState = { done: true; message: string } | { done: false; message: string; failed?: boolean };

const n = (v: unknown): number => Number(v ?? 0);

/** kubectl's rollout status logic (polymorphichelpers/rollout_status.go), one kind at a time. */
export function rolloutState(kind: WorkloadKind, obj: KubeObject): RolloutState {
  const name = obj.metadata.name;
  const s = obj.status ?? {};
  if (n(obj.metadata.generation) > n(s.observedGeneration))
    return { done: false, message: `Waiting for ${kind.toLowerCase()} spec update to be observed...` };
  if (kind === 'Deployment') {
    if (conditionOf(obj, 'Progressing')?.reason === 'ProgressDeadlineExceeded') {
      return { done: false, failed: true, message: `deployment "${name}" exceeded its progress deadline` };
    }
    const want = n(obj.spec?.replicas ?? 1);
    const updated = n(s.updatedReplicas);
    if (updated < want)
      return {
        done: false,
        message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${want} new replicas have been updated...`,
      };
    if (n(s.replicas) > updated)
      return {
        done: false,
        message: `Waiting for deployment "${name}" rollout to finish: ${n(s.replicas) - updated} old replicas are pending termination...`,
      };
    if (n(s.availableReplicas) < updated)
      return {
        done: false,
        message: `Waiting for deployment "${name}" rollout to finish: ${n(s.availableReplicas)} of ${updated} updated replicas are available...`,
      };
    return { done: true, message: `deployment "${name}" successfully rolled out` };
  }
  if (kind === 'StatefulSet') {
    const want = n(obj.spec?.replicas ?? 1);
    if (n(s.readyReplicas) < want)
      return { done: false, message: `Waiting for ${want - n(s.readyReplicas)} pods to be ready...` };
    const partition = n(obj.spec?.updateStrategy?.rollingUpdate?.partition);
    if (partition > 0) {
      if (n(s.updatedReplicas) < want - partition)
        return {
          done: false,
          message: `Waiting for partitioned roll out to finish: ${n(s.updatedReplicas)} out of ${want - partition} new pods have been updated...`,
        };
      return {
        done: true,
        message: `partitioned roll out complete: ${n(s.updatedReplicas)} new pods have been updated...`,
      };
    }
    if (s.updateRevision !== s.currentRevision)
      return {
        done: false,
        message: `waiting for statefulset rolling update to complete ${n(s.updatedReplicas)} pods at revision ${String(s.updateRevision)}...`,
      };
    return {
      done: true,
      message: `statefulset rolling update complete ${n(s.currentReplicas ?? want)} pods at revision ${String(s.currentRevision)}...`,
    };
  }
  const desired = n(s.desiredNumberScheduled);
  if (n(s.updatedNumberScheduled) < desired)
    return {
      done: false,
      message: `Waiting for daemon set "${name}" rollout to finish: ${n(s.updatedNumberScheduled)} out of ${desired} new pods have been updated...`,
    };
  if (n(s.numberAvailable) < desired)
    return {
      done: false,
      message: `Waiting for daemon set "${name}" rollout to finish: ${n(s.numberAvailable)} of ${desired} updated pods are available...`,
    };
  return { done: true, message: `daemon set "${name}" successfully rolled out` };
}

/** D11/D12: wait like `kubectl rollout status` until the rollout is complete. */
export const rolloutStatus: RecoveryStep<RolloutStatusParams> = {
  name: 'rollout-status',
  undoable: true,
  summary: 'Wait until a rollout completes, as kubectl rollout status does (updated, available, no old replicas).',
  params: paramsSchema({
    workload: workloadParam('The workload. Default: the workload the faults hit.'),
    maxWait: durationParam('Give up after this long (kubectl rollout status --timeout). Default "10m".'),
  }),
  async run(ctx, p) {
    const ref = await resolveWorkload(ctx, p.workload ?? { from: 'faults' });
    const inf = await cache(ctx, WORKLOAD_RESOURCE[ref.kind]);
    let last = `${ref.kind} ${ref.namespace}/${ref.name} not found`;
    const maxWait = parseDuration(p.maxWait ?? '10m', 'maxWait');
    let state: RolloutState | undefined;
    try {
      state = await until(
        ctx,
        () => {
          const obj = inf.get(ref.name, ref.namespace);
          if (!obj) return false;
          const st = rolloutState(ref.kind, obj);
          last = st.message;
          return st.done || st.failed ? st : false;
        },
        `the rollout of ${ref.kind} ${ref.namespace}/${ref.name}`,
        maxWait,
      );
    } catch (err) {
      if (err instanceof TimeoutError)
        throw new TimeoutError(`${ctx.cluster}: rollout not done after ${formatDuration(maxWait)}: ${last}`);
      throw err;
    }
    if (state && !state.done) throw new InfrastructureError(`${ctx.cluster}: ${state.message}`);
  },
  describe: (p) => {
    const w = p.workload ?? { from: 'faults' as const };
    return `Wait for the rollout of ${workloadInWords(w)}: \`kubectl rollout status ${kubectlWorkload(w)} --timeout=${formatDuration(parseDuration(p.maxWait ?? '10m'))}\`.`;
  },
};
