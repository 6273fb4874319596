import type { Target } from '../targets/target.js';
import { InvalidInputError, errorMessage } from '../errors.js';
import { makeContext, type ContextOptions } from './context.js';
import type { Journal, JournalFault } from './journal.js';
import { newRunState, type RunState } from '../kit/plugin.js';
import { builtinPlugins, type Plugins } from './plugins.js';
import { Random } from './random.js';

export interface RollbackReport {
  journal: string;
  reverted: string[];
  skipped: string[];
  errors: string[];
}

/** A fault in these states may have changed something: it is reverted (again, after a failed revert). */
const TOUCHED: readonly JournalFault['status'][] = ['injecting', 'injected', 'revert-failed'];

/**
 * Undo a drill from its journal alone: every fault that was injected, or may have been half-injected, is
 * reverted in reverse order, and a revert that failed before is tried again. Reverts are idempotent, so
 * running this twice is safe.
 */
export async function rollbackJournal(
  journal: Journal,
  target: Target,
  signal: AbortSignal,
  faults: Plugins['faults'] = builtinPlugins.faults,
): Promise<RollbackReport> {
  const written = journal.data.target.kind;
  if (written !== target.kind) {
    throw new InvalidInputError(
      `${journal.path}: this journal was written by a drill on a ${written} target, not on this ${target.kind} target; nothing was changed.`,
    );
  }
  const report: RollbackReport = { journal: journal.path, reverted: [], skipped: [], errors: [] };
  const state = touchedState(journal.data.faults);
  const ctxOptions: ContextOptions = {
    target,
    random: new Random(1),
    state,
    signal,
    dryRun: false,
    note: () => undefined,
  };
  for (const f of [...journal.data.faults].reverse()) {
    const label = `${f.type} on ${f.cluster}`;
    if (!TOUCHED.includes(f.status)) {
      report.skipped.push(`${label} (${f.status})`);
      continue;
    }
    const fault = Object.hasOwn(faults, f.type) ? faults[f.type] : undefined;
    if (!fault) {
      report.errors.push(`${label}: this gameday does not know the fault type "${f.type}"`);
      continue;
    }
    try {
      await fault.revert(makeContext(ctxOptions, f.cluster), f.params, f.plan);
      journal.mark(f.index, 'reverted');
      report.reverted.push(label);
    } catch (err) {
      const msg = `${label}: ${errorMessage(err)}`;
      journal.mark(f.index, 'revert-failed', msg);
      report.errors.push(msg);
    }
  }
  journal.finish(report.errors.length ? 'rollback-incomplete' : 'rolled-back');
  return report;
}

/** What the touched faults hit, as the drill's state had it: a revert may select `"from": "faults"`. */
function touchedState(faults: JournalFault[]): RunState {
  const state = newRunState();
  const add = (map: Map<string, string[]>, cluster: string, values: string[] | undefined): void => {
    for (const v of values ?? []) map.set(cluster, [...(map.get(cluster) ?? []), v]);
  };
  for (const f of faults.filter((x) => TOUCHED.includes(x.status))) {
    add(state.affectedNodes, f.cluster, f.plan.nodes);
    add(state.affectedMembers, f.cluster, f.plan.members);
    add(state.affectedWorkloads, f.cluster, f.plan.workloads);
  }
  return state;
}
