import { faults } from '../faults/index.js';
import type { Target } from '../targets/target.js';
import { errorMessage } from '../errors.js';
import { makeContext } from './context.js';
import { Journal } from './journal.js';
import { newRunState, type Fault } from '../kit/plugin.js';
import { Random } from './random.js';

export interface RollbackReport {
  journal: string;
  reverted: string[];
  skipped: string[];
  errors: string[];
}

/**
 * Undo a drill from its journal alone: every fault that was injected, or may have been half-injected, is
 * reverted in reverse order. Reverts are idempotent, so running this twice is safe.
 */
export async function rollbackJournal(journal: Journal, target: Target, signal: AbortSignal): Promise<RollbackReport> {
  const report: RollbackReport = { journal: journal.path, reverted: [], skipped: [], errors: [] };
  const state = newRunState();
  const ctxOptions = { target, random: new Random(1), state, signal, dryRun: false, note: () => undefined };
  for (const f of journal.data.faults) {
    if (f.status === 'injecting' || f.status === 'injected' || f.status === 'revert-failed') {
      for (const n of f.plan.nodes ?? [])
        state.affectedNodes.set(f.cluster, [...(state.affectedNodes.get(f.cluster) ?? []), n]);
      for (const m of f.plan.members ?? [])
        state.affectedMembers.set(f.cluster, [...(state.affectedMembers.get(f.cluster) ?? []), m]);
      for (const w of f.plan.workloads ?? [])
        state.affectedWorkloads.set(f.cluster, [...(state.affectedWorkloads.get(f.cluster) ?? []), w]);
    }
  }
  for (const f of [...journal.data.faults].reverse()) {
    const label = `${f.type} on ${f.cluster}`;
    if (f.status === 'planned' || f.status === 'reverted') {
      report.skipped.push(`${label} (${f.status})`);
      continue;
    }
    const fault = (faults as unknown as Record<string, Fault<Record<string, unknown>> | undefined>)[f.type];
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
