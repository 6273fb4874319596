import type { Fault, FaultPlan, PluginContext } from '../kit/plugin.js';
import type { WorkloadSelector } from '../kit/selectors.js';
import { kubectlWorkload, workloadInWords } from '../kit/describe.js';
import { paramsSchema, workloadParam } from '../kit/schema.js';
import { planWorkload, plannedWorkload, workloadPlan } from '../kit/workload-fault.js';
import { pickContainer, readWorkload, setContainers, templateContainers } from '../kit/workloads.js';

export interface BreakImageParams {
  workload: WorkloadSelector;
  image?: string;
  container?: string;
}

/** An image no registry serves: `.invalid` is reserved (RFC 2606), so no cluster can pull it. */
export const MISSING_IMAGE = 'registry.invalid/gameday/does-not-exist:0.0.0';

/** D9 ImagePullBackOff: a workload's image cannot be pulled; revert puts the original image back. */
export const breakImage: Fault<BreakImageParams> = {
  name: 'break-image',
  summary:
    'Set a non-existent image on a workload so its new pods go ErrImagePull / ImagePullBackOff; revert restores the image.',
  params: paramsSchema(
    {
      workload: workloadParam('The workload to break.'),
      image: { type: 'string', minLength: 1, description: `The image to set. Default "${MISSING_IMAGE}".` },
      container: { type: 'string', minLength: 1, description: 'The container. Default: the first one.' },
    },
    ['workload'],
  ),
  async plan(ctx, p) {
    const { ref, obj } = await planWorkload(ctx, p.workload, 'break-image');
    const c = pickContainer(ctx, ref, obj, p.container);
    return workloadPlan(ref, { container: c.name, image: c.image ?? '', broken: p.image ?? MISSING_IMAGE });
  },
  async inject(ctx, _p, plan) {
    await setImage(ctx, plan, plan.data?.['broken'] as string);
  },
  async revert(ctx, _p, plan) {
    await setImage(ctx, plan, plan.data?.['image'] as string);
  },
  describe: (p) =>
    `Set image ${p.image ?? MISSING_IMAGE} on ${p.container ? `container ${p.container} of ` : ''}${workloadInWords(p.workload)}: \`kubectl set image ${kubectlWorkload(p.workload)} ${p.container ?? '<container>'}=${p.image ?? MISSING_IMAGE}\`.`,
};

async function setImage(ctx: PluginContext, plan: FaultPlan, image: string): Promise<void> {
  const ref = plannedWorkload(plan);
  const obj = await readWorkload(ctx, ref);
  const name = plan.data?.['container'] as string;
  const containers = templateContainers(obj);
  if (containers.find((c) => c.name === name)?.image === image) return;
  await setContainers(
    ctx,
    ref,
    containers.map((c) => (c.name === name ? { ...c, image } : c)),
  );
}
