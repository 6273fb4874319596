import type { CreatedTarget, TargetOptions } from '../create.js';
import { createKindTarget } from './kind-target.js';

/** `--target kind [--kind-cluster <name>] [--kubeconfig <file> --context <ctx>]`, for createTarget. */
export async function createKindTargetFromOptions(o: TargetOptions): Promise<CreatedTarget> {
  const target = await createKindTarget({
    name: o.kindCluster,
    kubeconfig: o.kubeconfig,
    context: o.context,
    dryRun: o.dryRun,
  });
  return {
    target,
    journalTarget: {
      kind: 'kind',
      kindCluster: target.name,
      ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}),
      ...(o.context ? { context: o.context } : {}),
    },
  };
}
