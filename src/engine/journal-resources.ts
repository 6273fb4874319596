import type { Journal } from './journal.js';
import { releaseResources, type ReleaseReport } from './resources.js';

/**
 * Stop and remove whatever the journal says the target created and may have left (after the target closed,
 * or after the process that ran the drill died), then clear the record unless something could not be
 * released: then it stays for `gameday rollback`.
 */
export async function releaseJournalResources(journal: Journal): Promise<ReleaseReport> {
  const report = await releaseResources(journal.data.resources ?? []);
  if (report.errors.length === 0) journal.clearResources();
  return report;
}
