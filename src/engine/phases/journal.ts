import { namedClusters } from '../../experiment/clusters.js';
import { isMaster, parseWorkloadKey, WORKLOAD_RESOURCE } from '../../kit/selectors.js';
import { checkBlastRadius, type Membership } from '../blast-radius.js';
import { identityOf } from '../cluster-identity.js';
import type { DrillRun } from '../drill-run.js';
import { Journal, newRunId } from '../journal.js';
import { DrillLease, LEASE_NAMESPACE } from '../lease.js';
import { Ledger, type PlannedFault } from '../ledger.js';
import type { AnyFault } from '../plugins.js';
import { paramsOf } from '../probe-set.js';
import { recordHits } from '../run-state.js';

/**
 * Resolve every selector into exactly what will change, refuse a blast radius larger than declared, and
 * write the plan to the journal before the first change: from here on, `d.ledger` says what to undo. The
 * journal also keeps, before anything changes, which cluster this is (a journal is never applied to
 * another), the nodes and workloads the faults hit and etcd membership as they are: what the rollback
 * puts back and checks.
 */
export async function journal(d: DrillRun, plugins: AnyFault[]): Promise<Ledger> {
  d.enter('journal');
  const planned = await planFaults(d, plugins);
  const membership: Membership = new Map();
  await checkBlastRadius(
    d.file,
    d.experiment.blastRadius,
    planned.map((p) => ({ type: p.fault.name, cluster: p.ctx.cluster, plan: p.plan })),
    d.contextFor,
    membership,
  );
  // The setup opened the journal already when the drill has one.
  const runId = d.ledger?.journal.data.runId ?? d.options.journal?.data.runId ?? newRunId(d.experiment.id);
  // Another process can reach this cluster: no other drill may touch what this one will.
  if (!d.dryRun && !d.options.journalTarget.embedded) await takeLeases(d, runId, planned);
  const ledger = d.ledger ?? openJournal(d, runId);
  const j = ledger.journal;
  for (const l of d.leases) j.addLease({ cluster: l.cluster, namespace: LEASE_NAMESPACE, name: l.name });
  for (const p of planned) ledger.add(p);
  if (!d.dryRun) await recordBefore(d, ledger, planned, membership);
  return ledger;
}

/**
 * The journal and its ledger, before the drill's first change: by the setup phase when the drill has one
 * (its changes are undone like the faults'), else by the journal phase once the faults are planned.
 */
export function openJournal(d: DrillRun, runId = d.options.journal?.data.runId ?? newRunId(d.experiment.id)): Ledger {
  const exp = d.experiment;
  // Opened by the caller before the target when the target may start processes of its own (a real etcd);
  // a dry run keeps its journal in memory: nothing changes that would need undoing.
  const j =
    d.options.journal ??
    Journal.create(
      d.options.journalDir,
      { runId, experimentId: exp.id, experimentFile: d.file, target: d.options.journalTarget, faults: [] },
      { dryRun: d.options.dryRun },
    );
  if (d.options.activity && !d.dryRun) d.options.activity.journal = j.path;
  d.ledger = new Ledger(j);
  return d.ledger;
}

/** The identity of each cluster the drill will change, before the first change: a journal is never applied to another. */
export async function recordIdentities(d: DrillRun, ledger: Ledger, clusters: Iterable<string>): Promise<void> {
  if (d.dryRun || d.options.journalTarget.embedded) return;
  for (const c of clusters)
    if (!ledger.journal.data.clusters?.[c]) ledger.journal.setIdentity(c, await identityOf(d.target, c));
}

/** One lease per cluster the faults touch, naming what they hit there. */
async function takeLeases(d: DrillRun, runId: string, planned: PlannedFault[]): Promise<void> {
  for (const cluster of [...new Set(planned.map((p) => p.ctx.cluster))]) {
    const mine = planned.filter((p) => p.ctx.cluster === cluster).map((p) => p.plan);
    const nodes = [...new Set(mine.flatMap((p) => p.nodes ?? []))];
    const members = [...new Set(mine.flatMap((p) => p.members ?? []))];
    const kube = d.target.kube(cluster);
    const masters =
      nodes.length > 0 ? (await kube.list('nodes')).items.filter(isMaster).map((n) => n.metadata.name) : [];
    const radius = {
      nodes,
      workloads: [...new Set(mine.flatMap((p) => p.workloads ?? []))],
      members,
      controlPlane: members.length > 0 || nodes.some((n) => masters.includes(n)),
    };
    d.leases.push(await DrillLease.acquire(kube, { runId, experiment: d.experiment.id, radius, file: d.file }));
  }
}

/** What the rollback compares against: recorded now, before the first change. */
async function recordBefore(
  d: DrillRun,
  ledger: Ledger,
  planned: PlannedFault[],
  membership: Membership,
): Promise<void> {
  if (!d.options.journalTarget.embedded) {
    // Only a cluster another process can reach again needs to be recognised again.
    const clusters = new Set([
      ...planned.map((p) => p.ctx.cluster),
      ...namedClusters(d.experiment).map((c) => d.contextFor(c).cluster),
    ]);
    if (clusters.size === 0) clusters.add(d.contextFor(undefined).cluster);
    await recordIdentities(d, ledger, clusters);
  }
  for (const p of planned) {
    const kube = d.target.kube(p.ctx.cluster);
    for (const n of p.plan.nodes ?? []) await ledger.record(kube, 'nodes', undefined, n);
    for (const key of p.plan.workloads ?? []) {
      const w = parseWorkloadKey(key);
      await ledger.record(kube, WORKLOAD_RESOURCE[w.kind], w.namespace, w.name);
    }
  }
  for (const [cluster, members] of membership) ledger.journal.recordMembership(cluster, members);
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
