import type { Fault, FaultPlan, PluginContext } from '../kit/plugin.js';
import type { WorkloadSelector } from '../kit/selectors.js';
import { workloadInWords } from '../kit/describe.js';
import { paramsSchema, workloadParam } from '../kit/schema.js';
import { SIM_CRASH, SIM_LIVENESS, scoped } from '../kit/sim.js';
import { planWorkload, plannedWorkload, workloadPlan } from '../kit/workload-fault.js';
import {
  pickContainer,
  readWorkload,
  setContainers,
  setTemplateAnnotations,
  templateContainers,
  type ContainerSpec,
} from '../kit/workloads.js';

export interface CrashContainerParams {
  workload: WorkloadSelector;
  how?: 'exit' | 'liveness';
  container?: string;
}

/** A command that exits at once with an error, in any image with a shell. */
const CRASH_COMMAND = ['/bin/sh', '-c', 'echo "gameday: simulated application crash" >&2; exit 1'];
/**
 * A probe that fails whatever the container serves: `exit 1`, or, in an image without /bin/sh, an exec the
 * kubelet cannot run, which it counts as a failure too. (A simulator behind a real target reads the same.)
 */
const FAILING_LIVENESS = {
  exec: { command: ['/bin/sh', '-c', 'exit 1'] },
  initialDelaySeconds: 0,
  periodSeconds: 5,
  failureThreshold: 1,
  timeoutSeconds: 1,
};

type Saved = { command?: unknown; args?: unknown; livenessProbe?: unknown };

/**
 * D9/D11 CrashLoopBackOff: a workload's container exits on start (an application error) or fails its
 * liveness probe. On the simulator through the template annotations sim.gameday.io/crash.<container>: "true"
 * or sim.gameday.io/liveness.<container>: "fail"; elsewhere by overriding the command or the liveness probe.
 * Revert restores what was there.
 */
export const crashContainer: Fault<CrashContainerParams> = {
  name: 'crash-container',
  summary:
    "Make a workload's container crash on start or fail its liveness probe, so its pods go CrashLoopBackOff; revert restores it.",
  params: paramsSchema(
    {
      workload: workloadParam('The workload whose container crashes.'),
      how: {
        enum: ['exit', 'liveness'],
        description:
          'exit: the container exits with an error right after starting (default); liveness: its liveness probe fails.',
      },
      container: { type: 'string', minLength: 1, description: 'The container. Default: the first one.' },
    },
    ['workload'],
  ),
  async plan(ctx, p) {
    const { ref, obj } = await planWorkload(ctx, p.workload, 'crash-container');
    const c = pickContainer(ctx, ref, obj, p.container);
    const how = p.how ?? 'exit';
    if (ctx.target.kind === 'sim') {
      const annotation = scoped(how === 'exit' ? SIM_CRASH : SIM_LIVENESS, c.name);
      const previous = (obj.spec?.template?.metadata?.annotations?.[annotation] as string | undefined) ?? null;
      return workloadPlan(ref, {
        mode: 'annotation',
        how,
        annotation,
        value: how === 'exit' ? 'true' : 'fail',
        previous,
        container: c.name,
      });
    }
    const saved: Saved = {};
    for (const f of ['command', 'args', 'livenessProbe'] as const) if (c[f] !== undefined) saved[f] = c[f];
    return workloadPlan(ref, {
      mode: 'container',
      how,
      container: c.name,
      saved: JSON.parse(JSON.stringify(saved)) as Saved,
    });
  },
  async inject(ctx, _p, plan) {
    const how = plan.data?.['how'] as 'exit' | 'liveness';
    if (plan.data?.['mode'] === 'annotation') {
      await setTemplateAnnotations(ctx, plannedWorkload(plan), {
        [plan.data['annotation'] as string]: plan.data['value'] as string,
      });
      return;
    }
    await editContainer(ctx, plan, (c) =>
      how === 'exit' ? { ...c, command: CRASH_COMMAND, args: [] } : { ...c, livenessProbe: FAILING_LIVENESS },
    );
  },
  async revert(ctx, _p, plan) {
    if (plan.data?.['mode'] === 'annotation') {
      const previous = (plan.data['previous'] as string | null | undefined) ?? null;
      await setTemplateAnnotations(ctx, plannedWorkload(plan), { [plan.data['annotation'] as string]: previous });
      return;
    }
    const saved = (plan.data?.['saved'] ?? {}) as Saved;
    const how = plan.data?.['how'] as 'exit' | 'liveness';
    await editContainer(ctx, plan, (c) => {
      const out: ContainerSpec = { ...c };
      const fields: (keyof Saved)[] = how === 'exit' ? ['command', 'args'] : ['livenessProbe'];
      for (const f of fields) {
        if (saved[f] === undefined) delete out[f];
        else (out as Record<string, unknown>)[f] = saved[f];
      }
      return out;
    });
  },
  describe: (p) => {
    const how = p.how ?? 'exit';
    const what = how === 'exit' ? 'exit with an error right after starting' : 'fail its liveness probe';
    return `Make ${p.container ? `container ${p.container} of ` : ''}${workloadInWords(p.workload)} ${what}, so its pods go CrashLoopBackOff (simulator: pod-template annotation ${how === 'exit' ? `${SIM_CRASH}.<container>=true` : `${SIM_LIVENESS}.<container>=fail`}; elsewhere the ${how === 'exit' ? 'command' : 'livenessProbe'} is overridden); \`kubectl describe pod\` shows "Back-off restarting failed container".`;
  },
};

async function editContainer(
  ctx: PluginContext,
  plan: FaultPlan,
  edit: (c: ContainerSpec) => ContainerSpec,
): Promise<void> {
  const ref = plannedWorkload(plan);
  const obj = await readWorkload(ctx, ref);
  const name = plan.data?.['container'] as string;
  const containers = templateContainers(obj);
  const next = containers.map((c) => (c.name === name ? edit(c) : c));
  if (JSON.stringify(next) === JSON.stringify(containers)) return;
  await setContainers(ctx, ref, next);
}
