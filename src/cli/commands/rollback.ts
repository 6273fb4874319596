import type { Argv } from 'yargs';
import type { CommandModule } from '../command.js';
import { DEFAULT_JOURNAL_DIR, Journal } from '../../engine/journal.js';
import { rollbackJournal } from '../../engine/rollback.js';
import { releaseJournalResources } from '../../engine/journal-resources.js';
import { createTarget } from '../../targets/create.js';
import { GamedayError, JournalError, errorMessage } from '../../errors.js';
import { parseDuration } from '../../kit/duration.js';
import { EXIT } from '../exit-codes.js';

export const rollback: CommandModule = {
  command: 'rollback [journal]',
  describe: 'Undo a drill whose process died, from its journal (default: every unfinished journal)',
  builder: (y: Argv) =>
    y
      .positional('journal', { type: 'string', describe: 'Journal file written by `gameday run`' })
      .option('journal-dir', {
        type: 'string',
        default: DEFAULT_JOURNAL_DIR,
        describe: 'Where `gameday run` wrote its journals',
      })
      .option('wait', {
        type: 'string',
        default: '5m',
        describe: 'How long to wait for what the drill touched to be as before (a node booting, pods starting)',
      }),
  handler: async (args) => {
    const dir = args.journalDir as string;
    const waitMs = parseDuration(args.wait as string, '--wait');
    const out = (line: string): boolean => process.stdout.write(`${line}\n`);
    const paths = args.journal ? [args.journal as string] : Journal.pending(dir);
    if (paths.length === 0) {
      const running = Journal.scan(dir).filter((s) => s.running);
      out(`Nothing to roll back: no unfinished journal in ${dir}.`);
      for (const r of running)
        out(
          `  ${r.path}: its drill is still running (process ${r.journal?.data.pid ?? '?'}); it rolls back by itself.`,
        );
      return EXIT.ok;
    }
    let failed = false;
    for (const path of paths) {
      try {
        failed = !(await rollbackOne(path, waitMs, out)) || failed;
      } catch (err) {
        if (!(err instanceof GamedayError)) throw err;
        out(`${path}:\n  FAILED ${err.message}`);
        failed = true;
      }
    }
    return failed ? EXIT.infrastructure : EXIT.ok;
  },
};

/** Roll back one journal; false when something is left to do (printed). */
export async function rollbackOne(path: string, waitMs: number, out: (line: string) => void): Promise<boolean> {
  const journal = Journal.read(path);
  const t = journal.data.target;
  out(`${path}: ${journal.data.experimentId} (${journal.data.state}) on ${t.kind}`);
  if (journal.data.state === 'running' && journal.writerRunning()) {
    throw new JournalError(
      `${path}: its drill is still running (process ${journal.data.pid}); it rolls back by itself when it ends. Stop it with \`kill -TERM ${journal.data.pid}\` (it rolls back, then exits); nothing was changed.`,
    );
  }
  let released = true;
  if (journal.data.resources?.length) {
    // What the target created outside the drill's process (a real etcd's members and data) outlives it.
    const r = await releaseJournalResources(journal);
    for (const line of [...r.released, ...r.gone]) out(`  ${line}`);
    for (const e of r.errors) out(`  FAILED ${e}`);
    released = r.errors.length === 0;
  }
  if (journal.data.state === 'rolled-back') {
    out('  already rolled back.');
    return released;
  }
  const touched = journal.data.faults.some((f) => f.status !== 'planned') || (journal.data.changes ?? []).length > 0;
  // A drill killed between taking its lease and its first fault changed nothing, but its lease would keep
  // every overlapping drill out until it expires: the cluster is reached to delete it.
  if (!touched && (journal.data.leases ?? []).length === 0) {
    // Stopped before its first fault (or while making the target): nothing was changed in a cluster.
    out('  no fault had been injected: nothing to revert.');
    if (released) journal.finish('rolled-back');
    return released;
  }
  if (t.kind === 'sim' && t.embedded) {
    out('  the embedded simulator ended with its process: there is no cluster left to repair.');
    if (released) journal.finish('rolled-back');
    return released;
  }
  if (t.kind === 'lab' && !t.labProfile)
    throw new JournalError(`${path}: the journal does not say which lab profile to use; nothing was changed.`);
  const created = await createTarget({
    kind: t.kind,
    seed: 1,
    dryRun: false,
    yes: true,
    offlineIdentity: true,
    ...(t.kubeconfig ? { kubeconfig: t.kubeconfig } : {}),
    ...(t.context ? { context: t.context } : {}),
    ...(t.kindCluster ? { kindCluster: t.kindCluster } : {}),
    ...(t.labProfile ? { profile: t.labProfile } : {}),
  }).catch((err: unknown) => {
    throw new JournalError(
      `${path}: cannot reach the cluster the drill ran on: ${errorMessage(err)} Nothing was changed; run \`gameday rollback ${path}\` again once it answers.`,
    );
  });
  for (const n of created.notices ?? []) out(`  ${n}`);
  try {
    const report = await rollbackJournal(journal, created.target, new AbortController().signal, {
      settleMs: waitMs,
      doing: (text) => out(`  ${text}...`),
    });
    for (const r of report.reverted) out(`  reverted ${r}`);
    for (const r of report.restored) out(`  ${r}`);
    for (const s of report.skipped) out(`  skipped ${s}`);
    for (const e of report.errors) out(`  FAILED ${e}`);
    if (report.errors.length > 0) out(`  the journal stays; run \`gameday rollback ${path}\` again once fixed.`);
    else out('  rolled back: everything the drill touched is as it was before.');
    return report.errors.length === 0 && released;
  } finally {
    await created.target.close();
  }
}
