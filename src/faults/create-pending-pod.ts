import { InvalidInputError } from '../errors.js';
import type { Fault } from '../kit/plugin.js';
import { workloadKey } from '../kit/selectors.js';
import { CREATED_BY, GAMEDAY_NAMESPACE, createIfMissing, ensureNamespace } from '../kit/namespace.js';
import { formatQuantity, memoryBytes } from '../kit/quantity.js';
import { paramsSchema, quantityParam } from '../kit/schema.js';
import { plannedWorkload } from '../kit/workload-fault.js';
import { clusterPauseImage } from '../kit/pause-image.js';

export interface CreatePendingPodParams {
  namespace?: string;
  podName?: string;
  memory?: string;
  cpu?: string;
  image?: string;
}

const DEFAULT_NAME = 'gameday-pending';

/**
 * D3/D9 Pending: a new workload whose pod requests more than any node has free. It is a one-replica
 * Deployment, not a bare pod, so that the runbook's fix (lower the requests) can be applied to it.
 */
export const createPendingPod: Fault<CreatePendingPodParams> = {
  name: 'create-pending-pod',
  summary:
    'Create a one-replica Deployment whose pod requests more memory than fits, so it stays Pending (FailedScheduling); revert deletes it (a Deployment of that name that already exists is refused).',
  params: paramsSchema({
    namespace: {
      type: 'string',
      minLength: 1,
      description: `Namespace (created if missing). Default "${GAMEDAY_NAMESPACE}".`,
    },
    podName: {
      type: 'string',
      pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
      description: `Name of the Deployment and prefix of its pod. Default "${DEFAULT_NAME}".`,
    },
    memory: quantityParam(
      'Memory the pod requests. Default: 1Gi more than the largest node can allocate. With fill-node-memory, a modest value such as "256Mi".',
    ),
    cpu: quantityParam('CPU the pod requests. Default "10m".'),
    image: {
      type: 'string',
      minLength: 1,
      description:
        'Container image. Default: the pause image the nodes already hold (their status.images), so that the pod starts without a pull once it fits.',
    },
  }),
  async plan(ctx, p) {
    let memory = p.memory;
    const { items } = await ctx.kube.list('nodes');
    if (memory === undefined) {
      const largest = Math.max(
        0,
        ...items.map((n) => memoryBytes(n.status?.allocatable?.memory as string | undefined)),
      );
      memory = formatQuantity('memory', Math.ceil(largest / 2 ** 20) * 2 ** 20 + 2 ** 30);
    }
    const ref = {
      namespace: p.namespace ?? GAMEDAY_NAMESPACE,
      kind: 'Deployment' as const,
      name: p.podName ?? DEFAULT_NAME,
    };
    // Revert deletes the Deployment: it must be one this fault creates, never one that was there before.
    if (await ctx.kube.get('deployments', ref.name, ref.namespace)) {
      throw new InvalidInputError(
        `${ctx.cluster}: Deployment ${ref.namespace}/${ref.name} already exists (left by another drill, or someone's own); the fault would delete it on revert. Name another with "podName", or delete it first.`,
      );
    }
    return {
      workloads: [workloadKey(ref)],
      data: { memory, cpu: p.cpu ?? '10m', image: p.image ?? clusterPauseImage(items) },
    };
  },
  async inject(ctx, _p, plan) {
    const ref = plannedWorkload(plan);
    await ensureNamespace(ctx, ref.namespace);
    const labels = { ...CREATED_BY, app: ref.name };
    await createIfMissing(ctx, 'deployments', {
      metadata: { name: ref.name, namespace: ref.namespace, labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: ref.name } },
        template: {
          metadata: { labels },
          spec: {
            terminationGracePeriodSeconds: 0,
            containers: [
              {
                name: 'app',
                image: plan.data?.['image'] as string,
                resources: { requests: { memory: plan.data?.['memory'] as string, cpu: plan.data?.['cpu'] as string } },
              },
            ],
          },
        },
      },
    });
  },
  async revert(ctx, _p, plan) {
    const ref = plannedWorkload(plan);
    await ctx.kube.delete('deployments', ref.name, { namespace: ref.namespace });
  },
  describe: (p) =>
    `Create Deployment ${p.namespace ?? GAMEDAY_NAMESPACE}/${p.podName ?? DEFAULT_NAME} whose pod requests ${p.memory ?? 'more memory than any node has'}; \`kubectl describe po\` shows FailedScheduling "0/N nodes are available: ... Insufficient memory."`,
};
