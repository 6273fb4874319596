import { InvalidInputError } from '../errors.js';
import type { RecoveryStep } from '../kit/plugin.js';
import { resolveWorkload, type WorkloadSelector } from '../kit/selectors.js';
import { kubectlWorkload, workloadInWords } from '../kit/describe.js';
import { adjustQuantity, cpuMillis, memoryBytes, type ResourceKind } from '../kit/quantity.js';
import { QUANTITY_CHANGE_PATTERN, paramsSchema, workloadParam } from '../kit/schema.js';
import { readWorkload, setContainers, templateContainers, type ContainerSpec } from '../kit/workloads.js';

type Amounts = { memory?: string; cpu?: string };

export interface SetResourcesParams {
  workload?: WorkloadSelector;
  container?: string;
  requests?: Amounts;
  limits?: Amounts;
}

const amountsSchema = (what: string) => ({
  type: 'object',
  description: `New ${what}: an absolute quantity ("768Mi"), a change ("+500Mi", "-256Mi") or a percentage ("+50%", "-50%").`,
  properties: {
    memory: { type: 'string', pattern: QUANTITY_CHANGE_PATTERN, description: `Memory ${what}.` },
    cpu: { type: 'string', pattern: QUANTITY_CHANGE_PATTERN, description: `CPU ${what}.` },
  },
  additionalProperties: false,
});

/** A container's resources after the change: exported for tests. Refuses requests above limits, as the API would. */
export function nextResources(
  c: ContainerSpec,
  p: Pick<SetResourcesParams, 'requests' | 'limits'>,
  where: string,
): NonNullable<ContainerSpec['resources']> {
  const requests = { ...(c.resources?.requests ?? {}) };
  const limits = { ...(c.resources?.limits ?? {}) };
  for (const kind of ['memory', 'cpu'] as ResourceKind[]) {
    const r = p.requests?.[kind];
    const l = p.limits?.[kind];
    if (r !== undefined) requests[kind] = adjustQuantity(kind, requests[kind], r, `${where} requests.${kind}`);
    if (l !== undefined) limits[kind] = adjustQuantity(kind, limits[kind], l, `${where} limits.${kind}`);
    const req = requests[kind];
    const lim = limits[kind];
    const value = kind === 'cpu' ? cpuMillis : memoryBytes;
    if (req !== undefined && lim !== undefined && value(req) > value(lim)) {
      throw new InvalidInputError(
        `${where}: requests.${kind} ${req} would be above limits.${kind} ${lim}; raise the limit too.`,
      );
    }
  }
  const out: NonNullable<ContainerSpec['resources']> = {};
  if (Object.keys(requests).length > 0) out.requests = requests;
  if (Object.keys(limits).length > 0) out.limits = limits;
  return out;
}

/** D3 lower the requests; D9 OOMKilled: limit +50%; D11/D12: requests and limits +500Mi. The rollout follows. */
export const setResources: RecoveryStep<SetResourcesParams> = {
  name: 'set-resources',
  undoable: true,
  summary:
    "Change the requests/limits of a workload's containers: absolute, +500Mi, or +50%; the controller rolls the pods.",
  params: paramsSchema({
    workload: workloadParam('The workload. Default: the workload the faults hit.'),
    container: { type: 'string', minLength: 1, description: 'Only this container. Default: every container.' },
    requests: amountsSchema('requests'),
    limits: amountsSchema('limits'),
  }),
  async run(ctx, p) {
    if (!p.requests && !p.limits)
      throw new InvalidInputError(`${ctx.cluster}: set-resources needs "requests" or "limits".`);
    const ref = await resolveWorkload(ctx, p.workload ?? { from: 'faults' });
    const obj = await readWorkload(ctx, ref);
    const containers = templateContainers(obj);
    if (p.container && !containers.some((c) => c.name === p.container)) {
      throw new InvalidInputError(
        `${ctx.cluster}: ${ref.kind} ${ref.namespace}/${ref.name} has no container "${p.container}"; it has: ${containers.map((c) => c.name).join(', ')}.`,
      );
    }
    const next = containers.map((c) =>
      p.container && c.name !== p.container
        ? c
        : { ...c, resources: nextResources(c, p, `${ref.kind} ${ref.namespace}/${ref.name} container ${c.name}`) },
    );
    await setContainers(ctx, ref, next);
  },
  describe: (p) => {
    const w = p.workload ?? { from: 'faults' as const };
    const parts = [
      ...Object.entries(p.requests ?? {}).map(([k, v]) => `requests.${k} ${v}`),
      ...Object.entries(p.limits ?? {}).map(([k, v]) => `limits.${k} ${v}`),
    ];
    const abs = (v: string) => !/^[+-]/.test(v);
    const flags = [
      ...Object.entries(p.requests ?? {})
        .filter(([, v]) => abs(v))
        .map(([k, v]) => `--requests=${k}=${v}`),
      ...Object.entries(p.limits ?? {})
        .filter(([, v]) => abs(v))
        .map(([k, v]) => `--limits=${k}=${v}`),
    ];
    const cmd =
      flags.length > 0
        ? `\`kubectl set resources ${kubectlWorkload(w)}${p.container ? ` -c ${p.container}` : ''} ${flags.join(' ')}\``
        : `\`kubectl edit ${kubectlWorkload(w)}\` and change the pod template's resources`;
    return `Set ${parts.join(', ')} on ${p.container ? `container ${p.container} of ` : ''}${workloadInWords(w)}: ${cmd}; the pods roll.`;
  },
};
