import type { Argv } from 'yargs';
import type { CommandModule } from '../command.js';
import { DEFAULT_JOURNAL_DIR, Journal } from '../../engine/journal.js';
import { rollbackJournal } from '../../engine/rollback.js';
import { releaseJournalResources } from '../../engine/journal-resources.js';
import { createTarget } from '../../targets/create.js';
import { InvalidInputError } from '../../errors.js';
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
      }),
  handler: async (args) => {
    const paths = args.journal ? [args.journal as string] : Journal.pending(args.journalDir as string);
    if (paths.length === 0) {
      process.stdout.write(`Nothing to roll back: no unfinished journal in ${args.journalDir as string}.\n`);
      return EXIT.ok;
    }
    let failed = false;
    for (const path of paths) {
      const journal = Journal.read(path);
      const t = journal.data.target;
      process.stdout.write(`${path}: ${journal.data.experimentId} (${journal.data.state}) on ${t.kind}\n`);
      if (journal.data.resources?.length) {
        // What the target created outside the drill's process (a real etcd's members and data) outlives it.
        const released = await releaseJournalResources(journal);
        for (const r of released.released) process.stdout.write(`  ${r}\n`);
        for (const g of released.gone) process.stdout.write(`  ${g}\n`);
        for (const e of released.errors) process.stdout.write(`  FAILED ${e}\n`);
        failed ||= released.errors.length > 0;
      }
      if (journal.data.state === 'rolled-back') {
        process.stdout.write('  already rolled back.\n');
        continue;
      }
      if (journal.data.faults.every((f) => f.status === 'planned' || f.status === 'reverted')) {
        // Stopped before its first fault (or while making the target): nothing was changed in a cluster.
        process.stdout.write('  no fault had been injected: nothing to revert.\n');
        if (!journal.data.resources?.length) journal.finish('rolled-back');
        continue;
      }
      if (t.kind === 'sim' && t.embedded) {
        process.stdout.write('  the embedded simulator ended with its process: there is no cluster left to repair.\n');
        if (!journal.data.resources?.length) journal.finish('rolled-back');
        continue;
      }
      if (t.kind === 'lab' && !t.labProfile)
        throw new InvalidInputError(`${path}: the journal does not say which lab profile to use.`);
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
      });
      for (const n of created.notices ?? []) process.stdout.write(`  ${n}\n`);
      try {
        const report = await rollbackJournal(journal, created.target, new AbortController().signal);
        for (const r of report.reverted) process.stdout.write(`  reverted ${r}\n`);
        for (const s of report.skipped) process.stdout.write(`  skipped ${s}\n`);
        for (const e of report.errors) process.stdout.write(`  FAILED ${e}\n`);
        failed ||= report.errors.length > 0;
      } finally {
        await created.target.close();
      }
    }
    return failed ? EXIT.infrastructure : EXIT.ok;
  },
};
