import { AbortedError, InvalidInputError } from '../../errors.js';
import type { CreatedTarget, TargetOptions } from '../create.js';
import { createLabTarget } from './lab-target.js';

/**
 * `--target lab --profile <lab.json> [--context <ctx>] [--kubeconfig <file>]`, for createTarget. A context
 * the profile does not list, or one that leads to another cluster than the profile pins or gameday
 * recorded, is refused here, before anything is touched. Unless it is a dry run, the
 * destruction summary goes to `confirm` for the CLI to show and ask about.
 */
export async function createLabTargetFromOptions(o: TargetOptions): Promise<CreatedTarget> {
  if (!o.profile) {
    throw new InvalidInputError(
      '--target lab needs --profile <lab-profile.json> (see schemas/lab-profile.schema.json).',
    );
  }
  const target = createLabTarget({
    profile: o.profile,
    context: o.context,
    kubeconfig: o.kubeconfig,
    dryRun: o.dryRun,
  });
  let notices: string[];
  try {
    notices = await target.verifyIdentities({ offline: o.offlineIdentity === true });
  } catch (err) {
    await target.close();
    throw err;
  }
  if (!o.dryRun && !o.yes) {
    const go = o.confirm ? await o.confirm(target.describeDestruction()) : false;
    if (!go) {
      await target.close();
      throw new AbortedError('The drill was not confirmed; nothing was changed. Pass --yes to run without asking.');
    }
  }
  return {
    target,
    notices,
    journalTarget: {
      kind: 'lab',
      labProfile: o.profile,
      ...(o.kubeconfig ? { kubeconfig: o.kubeconfig } : {}),
      ...(o.context ? { context: o.context } : {}),
    },
  };
}
