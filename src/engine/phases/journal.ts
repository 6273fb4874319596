import { checkBlastRadius } from '../blast-radius.js';
import type { DrillRun } from '../drill-run.js';
import { Journal, newRunId } from '../journal.js';
import { Ledger, type PlannedFault } from '../ledger.js';
import type { AnyFault } from '../plugins.js';
import { paramsOf } from '../probe-set.js';
import { recordHits } from '../run-state.js';

/**
 * Resolve every selector into exactly what will change, refuse a blast radius larger than declared, and
 * write the plan to the journal before the first change: from here on, `d.ledger` says what to undo.
 */
export async function journal(d: DrillRun, plugins: AnyFault[]): Promise<Ledger> {
  d.enter('journal');
  const planned = await planFaults(d, plugins);
  await checkBlastRadius(
    d.file,
    d.experiment.blastRadius,
    planned.map((p) => ({ type: p.fault.name, cluster: p.ctx.cluster, plan: p.plan })),
    d.contextFor,
  );
  const exp = d.experiment;
  // A dry run keeps its journal in memory: nothing changes that would need undoing.
  const j =
    d.options.journal ??
    Journal.create(
      d.options.journalDir,
      {
        runId: newRunId(exp.id),
        experimentId: exp.id,
        experimentFile: d.file,
        target: d.options.journalTarget,
        faults: [],
      },
      { dryRun: d.options.dryRun },
    );
  for (const p of planned) {
    j.addFault({ index: p.index, type: p.fault.name, cluster: p.ctx.cluster, params: p.params, plan: p.plan });
  }
  d.ledger = new Ledger(j, planned);
  return d.ledger;
}

/** Each fault's plan, one after another (plans are read-only, but selectors share the run's random). */
export async function planFaults(d: DrillRun, plugins: AnyFault[]): Promise<PlannedFault[]> {
  const planned: PlannedFault[] = [];
  for (const [index, item] of d.experiment.faults.entries()) {
    const ctx = d.contextFor(item.cluster);
    const params = paramsOf(item);
    const fault = plugins[index]!;
    const plan = await d.located(`/faults/${index}`, () => fault.plan(ctx, params));
    recordHits(d.state, ctx.cluster, plan);
    planned.push({ index, item, fault, ctx, plan, params });
  }
  return planned;
}
