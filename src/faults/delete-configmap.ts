import { InvalidInputError } from '../errors.js';
import type { Fault } from '../kit/plugin.js';
import { WORKLOAD_RESOURCE, type WorkloadSelector } from '../kit/selectors.js';
import type { KubeObject } from '../kube/objects.js';
import { workloadInWords } from '../kit/describe.js';
import { restorable, restoreObject } from '../kit/restore.js';
import { paramsSchema, workloadParam } from '../kit/schema.js';
import { planWorkload, plannedWorkload, workloadPlan } from '../kit/workload-fault.js';
import { setTemplateAnnotations } from '../kit/workloads.js';

export interface DeleteConfigMapParams {
  workload: WorkloadSelector;
  configMap?: string;
  restart?: boolean;
}

/** The ConfigMaps a pod template uses, env references first (those give CreateContainerConfigError). */
export function configMapsOf(workload: KubeObject): string[] {
  const spec = workload.spec?.template?.spec ?? {};
  const env: string[] = [];
  const vols: string[] = [];
  for (const c of [...(spec.initContainers ?? []), ...(spec.containers ?? [])] as Record<string, any>[]) {
    for (const e of c['envFrom'] ?? []) if (e?.configMapRef?.name) env.push(e.configMapRef.name as string);
    for (const e of c['env'] ?? [])
      if (e?.valueFrom?.configMapKeyRef?.name) env.push(e.valueFrom.configMapKeyRef.name as string);
  }
  for (const v of (spec.volumes ?? []) as Record<string, any>[]) {
    if (v['configMap']?.name) vols.push(v['configMap'].name as string);
    for (const s of v['projected']?.sources ?? []) if (s?.configMap?.name) vols.push(s.configMap.name as string);
  }
  return [...new Set([...env, ...vols])];
}

const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

/**
 * D9 "Error": a ConfigMap a workload needs is gone. Running pods keep going; new pods fail with
 * CreateContainerConfigError (env) or stay ContainerCreating (volume), so by default the workload is
 * restarted to show it. The journal keeps the ConfigMap, and revert puts it back exactly as it was, whatever
 * was created under its name in between.
 */
export const deleteConfigMap: Fault<DeleteConfigMapParams> = {
  name: 'delete-configmap',
  summary:
    'Delete a ConfigMap a workload uses and restart it, so new pods fail with CreateContainerConfigError; revert puts the recorded ConfigMap back, content and all, and the restart annotation the template had.',
  params: paramsSchema(
    {
      workload: workloadParam('The workload that uses the ConfigMap.'),
      configMap: {
        type: 'string',
        minLength: 1,
        description:
          'The ConfigMap to delete. Default: the first one the pod template references (env references first).',
      },
      restart: {
        type: 'boolean',
        description:
          'Restart the workload (as kubectl rollout restart) so new pods hit the missing ConfigMap. Default true.',
      },
    },
    ['workload'],
  ),
  async plan(ctx, p) {
    const { ref, obj } = await planWorkload(ctx, p.workload, 'delete-configmap');
    const used = configMapsOf(obj);
    const name = p.configMap ?? used[0];
    if (!name)
      throw new InvalidInputError(
        `${ctx.cluster}: ${ref.kind} ${ref.namespace}/${ref.name} uses no ConfigMap; name one with "configMap".`,
      );
    const cm = await ctx.kube.get('configmaps', name, ref.namespace);
    if (!cm) throw new InvalidInputError(`${ctx.cluster}: ConfigMap ${ref.namespace}/${name} does not exist.`);
    const previous = (obj.spec?.template?.metadata?.annotations?.[RESTARTED_AT] as string | undefined) ?? null;
    return workloadPlan(ref, {
      configMap: name,
      object: restorable(cm),
      restartedAt: new Date(ctx.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
      previousRestartedAt: previous,
    });
  },
  async inject(ctx, p, plan) {
    const ref = plannedWorkload(plan);
    await ctx.kube.delete('configmaps', plan.data?.['configMap'] as string, { namespace: ref.namespace });
    if (p.restart !== false)
      await setTemplateAnnotations(ctx, ref, { [RESTARTED_AT]: plan.data?.['restartedAt'] as string });
  },
  async revert(ctx, _p, plan) {
    // Put back the recorded content, not merely an object of that name: a recovery step (or a person) may
    // have recreated it with other data.
    await restoreObject(ctx, 'configmaps', plan.data?.['object'] as KubeObject);
    // The restart the fault triggered is undone too: the pod template gets back the annotation it had.
    const restartedAt = plan.data?.['restartedAt'] as string | undefined;
    if (restartedAt === undefined || !('previousRestartedAt' in (plan.data ?? {}))) return;
    const ref = plannedWorkload(plan);
    const obj = await ctx.kube.get(WORKLOAD_RESOURCE[ref.kind], ref.name, ref.namespace);
    // Only while the template still carries the fault's restart: a later one (a person's) is theirs.
    if (obj?.spec?.template?.metadata?.annotations?.[RESTARTED_AT] !== restartedAt) return;
    await setTemplateAnnotations(ctx, ref, { [RESTARTED_AT]: plan.data?.['previousRestartedAt'] as string | null });
  },
  describe: (p) => {
    const cm = p.configMap ?? '<its ConfigMap>';
    const ns = 'from' in p.workload ? '<namespace>' : p.workload.namespace;
    return `Delete ConfigMap ${cm} used by ${workloadInWords(p.workload)}: \`kubectl delete configmap ${cm} -n ${ns}\`${p.restart !== false ? ', then restart the workload so new pods fail with CreateContainerConfigError' : ''}.`;
  },
};
