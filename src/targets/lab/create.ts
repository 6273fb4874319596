import { InvalidInputError } from '../../errors.js';
import type { CreatedTarget, TargetOptions } from '../create.js';
import { createLabTarget } from './lab-target.js';

/**
 * `--target lab --profile <lab.json> [--context <ctx>] [--kubeconfig <file>]`, for createTarget. A context
 * the profile does not list is refused here, before anything is touched. Unless it is a dry run, the
 * destruction summary goes to `confirm` for the CLI to show and ask about.
 */
export function createLabTargetFromOptions(o: TargetOptions): Promise<CreatedTarget> {
  if (!o.profile) {
    return Promise.reject(
      new InvalidInputError('--target lab needs --profile <lab-profile.json> (see schemas/lab-profile.schema.json).'),
    );
  }
  try {
    const target = createLabTarget({
      profile: o.profile,
      context: o.context,
      kubeconfig: o.kubeconfig,
      dryRun: o.dryRun,
    });
    if (!o.dryRun) o.confirm?.(target.describeDestruction());
    return Promise.resolve({
      target,
      journalTarget: {
        kind: 'lab',
        labProfile: o.profile,
        ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}),
        ...(o.context ? { context: o.context } : {}),
      },
    });
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}
