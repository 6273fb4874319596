/**
 * Compares two report directories written by `gameday run ... --report-dir`, drill by drill, with what
 * legitimately differs between two runs of the same seed removed: wall-clock times and the command line.
 * A refactoring of the engine must leave every per-drill JSON report byte for byte the same.
 *
 *   npx tsx bench/compare-reports.ts /tmp/before /tmp/after
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The report with wall-clock fields and the command line blanked; everything else must match. */
export function normalisedReport(text: string): string {
  const report = JSON.parse(text) as { meta?: Record<string, unknown> };
  if (report.meta) {
    report.meta.generatedAt = '<varies>';
    report.meta.command = '<varies>';
  }
  return JSON.stringify(
    report,
    (key, value: unknown) => (key === 'wallMs' || key === 'startupWallMs' ? '<varies>' : value),
    2,
  );
}

export function compareReportDirs(
  before: string,
  after: string,
): { same: string[]; differ: string[]; missing: string[] } {
  const json = (dir: string): string[] =>
    readdirSync(dir)
      .filter((n) => n.endsWith('.json'))
      .sort();
  const out = { same: [] as string[], differ: [] as string[], missing: [] as string[] };
  const afterNames = new Set(json(after));
  for (const name of json(before)) {
    if (!afterNames.delete(name)) {
      out.missing.push(name);
      continue;
    }
    const a = normalisedReport(readFileSync(join(before, name), 'utf8'));
    const b = normalisedReport(readFileSync(join(after, name), 'utf8'));
    (a === b ? out.same : out.differ).push(name);
  }
  out.missing.push(...[...afterNames].map((n) => `${n} (only in ${after})`));
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [before, after] = process.argv.slice(2);
  if (!before || !after) {
    console.error('usage: npx tsx bench/compare-reports.ts <before-dir> <after-dir>');
    process.exit(2);
  }
  const r = compareReportDirs(before, after);
  console.log(`${r.same.length} identical, ${r.differ.length} different, ${r.missing.length} missing`);
  for (const n of r.differ) console.log(`  differs: ${n}`);
  for (const n of r.missing) console.log(`  missing: ${n}`);
  process.exit(r.differ.length + r.missing.length > 0 ? 1 : 0);
}
