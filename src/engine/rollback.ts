import type { Target } from '../targets/target.js';
import { JournalError, errorMessage } from '../errors.js';
import { makeContext, type ContextOptions } from './context.js';
import { checkIdentity } from './cluster-identity.js';
import { callWords, type Journal, type JournalChange, type JournalFault } from './journal.js';
import { SCRATCH_LABEL, sweepScratch } from '../kit/namespace.js';
import { newRunState, type PluginContext, type RunState } from '../kit/plugin.js';
import { builtinPlugins, type Plugins } from './plugins.js';
import { Random } from './random.js';
import { Reconciler } from './reconcile.js';
import { releaseLease } from './lease.js';

export interface RollbackReport {
  journal: string;
  reverted: string[];
  skipped: string[];
  errors: string[];
  /** Objects put back as they were before the drill (a node uncordoned, replicas, a template). */
  restored: string[];
}

/** A fault in these states may have changed something: it is reverted (again, after a failed revert). */
const TOUCHED: readonly JournalFault['status'][] = ['injecting', 'injected', 'revert-failed'];
/** A step's host-level change in these states may be in effect. */
const IN_EFFECT: readonly JournalChange['status'][] = ['doing', 'done', 'undo-failed'];

export interface UndoOptions {
  /** Contexts to undo with: the target itself, on a signal that the drill's abort does not stop. */
  contextFor: (cluster: string) => PluginContext;
  faults: Plugins['faults'];
  note?: (text: string) => void;
  /** What the rollback is doing now, for a person asking (a second Ctrl-C). */
  doing?: (text: string) => void;
  /**
   * Undo again what was undone already: a change under way when the drill stopped has landed since, and
   * may have put back what was reverted (its fault never got to say so).
   */
  again?: boolean;
}

/**
 * Undo everything the journal says the drill changed, newest first: each fault that was injected or may be
 * half-injected by its own revert (retrying one that failed before), and each host-level change a recovery
 * step made that is still in effect by the call that undoes it (of several calls on the same thing, only
 * the newest counts: a kubelet a step stopped and another started needs nothing). Reverts are idempotent,
 * so undoing twice is safe.
 */
export async function undoJournal(journal: Journal, o: UndoOptions): Promise<RollbackReport> {
  const report: RollbackReport = { journal: journal.path, reverted: [], skipped: [], errors: [], restored: [] };
  const changes = journal.data.changes ?? [];
  // Of the changes on one key, the newest decides; the older ones are superseded.
  const newest = new Map<string, JournalChange>();
  for (const c of changes) if (IN_EFFECT.includes(c.status) || c.status === 'undone') newest.set(c.key, c);
  const touched: readonly JournalFault['status'][] = o.again ? [...TOUCHED, 'reverted'] : TOUCHED;
  const inEffect: readonly JournalChange['status'][] = o.again ? [...IN_EFFECT, 'undone'] : IN_EFFECT;
  type Item = { seq: number; fault: JournalFault } | { seq: number; change: JournalChange };
  const faults = journal.data.faults;
  const items: Item[] = [
    // A journal written before sequence numbers: its faults come before any change, in order.
    ...faults.map((f) => ({ seq: f.seq ?? f.index - faults.length, fault: f })),
    ...changes.map((c) => ({ seq: c.seq, change: c })),
  ].sort((a, b) => b.seq - a.seq);
  for (const item of items) {
    if ('fault' in item) await revertFault(item.fault, touched, journal, o, report);
    else await undoChange(item.change, inEffect, newest.get(item.change.key) === item.change, journal, o, report);
  }
  return report;
}

async function revertFault(
  f: JournalFault,
  touched: readonly JournalFault['status'][],
  journal: Journal,
  o: UndoOptions,
  report: RollbackReport,
): Promise<void> {
  const label = `${f.type} on ${f.cluster}`;
  if (!touched.includes(f.status)) {
    report.skipped.push(`${label} (${f.status})`);
    return;
  }
  const fault = Object.hasOwn(o.faults, f.type) ? o.faults[f.type] : undefined;
  if (!fault) {
    report.errors.push(`${label}: this gameday does not know the fault type "${f.type}"`);
    return;
  }
  o.doing?.(`reverting ${label}`);
  try {
    await fault.revert(o.contextFor(f.cluster), f.params, f.plan);
    journal.mark(f.index, 'reverted');
    report.reverted.push(label);
    o.note?.(`reverted ${f.type}`);
  } catch (err) {
    const msg = `${label}: ${errorMessage(err)}`;
    journal.mark(f.index, 'revert-failed', msg);
    report.errors.push(msg);
    o.note?.(`revert failed: ${msg}`);
  }
}

async function undoChange(
  c: JournalChange,
  inEffect: readonly JournalChange['status'][],
  decides: boolean,
  journal: Journal,
  o: UndoOptions,
  report: RollbackReport,
): Promise<void> {
  if (!inEffect.includes(c.status)) return;
  if (!decides) {
    journal.markChange(c, 'superseded');
    return;
  }
  if (!c.undo) return;
  const label = `${callWords(c.undo)} on ${c.cluster} (undoes ${c.by}: ${callWords(c.call)})`;
  o.doing?.(`undoing ${c.by}: ${callWords(c.call)}`);
  try {
    const ctx = o.contextFor(c.cluster);
    const api = (c.undo.on === 'nodes' ? ctx.nodes : ctx.etcd) as unknown as Record<
      string,
      (...args: unknown[]) => Promise<unknown>
    >;
    const fn = api[c.undo.op];
    if (typeof fn !== 'function') throw new Error(`this gameday cannot ${c.undo.op}`);
    await fn.apply(api, c.undo.args);
    journal.markChange(c, 'undone');
    report.reverted.push(label);
    o.note?.(`undid ${c.by}: ${callWords(c.call)}`);
  } catch (err) {
    const msg = `${label}: ${errorMessage(err)}`;
    journal.markChange(c, 'undo-failed', msg);
    report.errors.push(msg);
    o.note?.(`undo failed: ${msg}`);
  }
}

export interface RollbackJournalOptions {
  faults?: Plugins['faults'];
  /** How long to wait for the cluster to be as it was before the drill (a node to boot); 0: look once. */
  settleMs?: number;
  doing?: (text: string) => void;
}

/**
 * `gameday rollback`: undo a drill from its journal alone, after checking the journal is this cluster's and
 * its drill is not still running, then put back what the drill touched as it was and check nothing else
 * differs. Every difference that remains is an error.
 */
export async function rollbackJournal(
  journal: Journal,
  target: Target,
  signal: AbortSignal,
  o: RollbackJournalOptions = {},
): Promise<RollbackReport> {
  const written = journal.data.target.kind;
  if (written !== target.kind) {
    throw new JournalError(
      `${journal.path}: this journal was written by a drill on a ${written} target, not on this ${target.kind} target; nothing was changed.`,
    );
  }
  if (journal.data.state === 'running' && journal.writerRunning()) {
    throw new JournalError(
      `${journal.path}: its drill is still running (process ${journal.data.pid}); it rolls back by itself when it ends. Stop it with \`kill -TERM ${journal.data.pid}\` (it rolls back, then exits) instead; nothing was changed.`,
    );
  }
  await checkIdentity(journal, target);
  const state = touchedState(journal.data.faults);
  const ctxOptions: ContextOptions = {
    target,
    random: new Random(1),
    state,
    signal,
    dryRun: false,
    note: () => undefined,
  };
  const contexts = new Map<string, PluginContext>();
  const contextFor = (cluster: string): PluginContext => {
    let c = contexts.get(cluster);
    if (!c) contexts.set(cluster, (c = makeContext(ctxOptions, cluster)));
    return c;
  };
  const report = await undoJournal(journal, {
    contextFor,
    faults: o.faults ?? builtinPlugins.faults,
    ...(o.doing ? { doing: o.doing } : {}),
  });
  const reconciler = new Reconciler(journal, contextFor);
  if (!reconciler.empty) {
    o.doing?.('checking that what the drill touched is as it was');
    const r =
      report.errors.length === 0
        ? await reconciler.settle(target.clock, { timeoutMs: o.settleMs ?? 0, signal })
        : { ...(await reconciler.pass(true)), ok: false };
    report.restored.push(...r.restored);
    report.errors.push(...r.differences.map((d) => `still different: ${d}`));
  }
  // A probe killed between writing its scratch object and deleting it left it behind.
  for (const c of target.clusters()) {
    try {
      for (const name of await sweepScratch(target.kube(c)))
        report.restored.push(`${c}: removed configmap ${name} a write probe of the drill had left`);
    } catch (err) {
      report.skipped.push(`probe scratch objects on ${c} (${errorMessage(err)}; they are labelled ${SCRATCH_LABEL})`);
    }
  }
  journal.finish(report.errors.length ? 'rollback-incomplete' : 'rolled-back');
  // The crashed drill's leases would expire; releasing them lets the next drill start now.
  for (const l of journal.data.leases ?? []) {
    if (!target.clusters().includes(l.cluster)) continue;
    const failed = await releaseLease(target.kube(l.cluster), l.name);
    if (failed) report.skipped.push(`lease ${l.namespace}/${l.name} on ${l.cluster} (${failed}; it expires by itself)`);
  }
  return report;
}

/** What the touched faults hit, as the drill's state had it: a revert may select `"from": "faults"`. */
export function touchedState(faults: JournalFault[]): RunState {
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
