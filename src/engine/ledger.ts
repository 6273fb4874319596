import type { FaultItem } from '../experiment/types.js';
import type { FaultPlan, PluginContext } from '../kit/plugin.js';
import type { Journal, JournalFault } from './journal.js';
import type { AnyFault } from './plugins.js';

/** A fault resolved into exactly what it will change, before anything changes. */
export interface PlannedFault {
  /** Its position in the experiment's `faults`, and its key in the journal. */
  index: number;
  item: FaultItem;
  fault: AnyFault;
  ctx: PluginContext;
  params: Record<string, unknown>;
  plan: FaultPlan;
}

/**
 * Every change the drill may make, in order, each able to undo itself, backed by the journal so that a
 * crashed run can be undone from disk. A change counts from the moment it starts (it may be half-applied),
 * and the rollback reverts exactly the changes that count, newest first.
 */
export class Ledger {
  constructor(
    readonly journal: Journal,
    readonly faults: readonly PlannedFault[],
  ) {}

  status(p: PlannedFault): JournalFault['status'] | undefined {
    return this.journal.data.faults.find((f) => f.index === p.index)?.status;
  }

  mark(p: PlannedFault, status: JournalFault['status'], error?: string): void {
    this.journal.mark(p.index, status, error);
  }

  /** The changes that may have happened: every fault whose injection started. */
  touched(): PlannedFault[] {
    return this.faults.filter((p) => this.status(p) !== 'planned');
  }

  finish(ok: boolean): void {
    this.journal.finish(ok ? 'rolled-back' : 'rollback-incomplete');
  }
}
