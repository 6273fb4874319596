import { formatDuration } from '../kit/duration.js';
import {
  clockWords,
  checkMessage,
  describeAllowed,
  describeCheck,
  describeMeasured,
  formatInstant,
  formatOffset,
  notes,
  targetsSummary,
  verdictLabel,
} from './format.js';
import type { ReportMeta, Reporter } from './reporter.js';
import type { ItemRecord, RunResult } from './result.js';

/**
 * Markdown for a pull request comment, a wiki page or a CI job summary ($GITHUB_STEP_SUMMARY): a table of
 * every drill, then a short section per drill.
 */

/**
 * Inline text from the experiment: markup characters become entities (renderers pass raw HTML through),
 * table pipes are escaped, and newlines fold so a cell stays one row.
 */
function inline(text: string): string {
  return text
    .replace(/([\\`*_[\]#|])/g, '\\$1')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r?\n/g, ' ');
}

/** A fenced block that the content cannot close early, however many backticks it holds. */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}text\n${text}\n${fence}`;
}

const VERDICT_MARK: Record<RunResult['verdict'], string> = { pass: '✅', fail: '❌', aborted: '⚠️', error: '💥' };

function verdictCell(r: RunResult): string {
  return `${VERDICT_MARK[r.verdict]} ${verdictLabel(r.verdict)}${r.dryRun ? ' (dry run)' : ''}`;
}

function table(head: string[], rows: string[][]): string[] {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

function summary(results: RunResult[]): string[] {
  const rows = results.map((r) => [
    `${inline(r.experiment.title)} (\`${r.experiment.id.replace(/`/g, "'")}\`)`,
    verdictCell(r),
    formatDuration(r.timings.timeToDetect),
    formatDuration(r.timings.timeToReady),
    inline(targetsSummary(r)),
    notes(r).map(inline).join('<br>') || '-',
  ]);
  return table(['Drill', 'Verdict', 'Time to detect', 'Time to Ready', 'Target', 'Notes'], rows);
}

function span(item: ItemRecord, start: number): [string, string] {
  const at = item.startedAt === undefined ? '-' : formatOffset(item.startedAt - start);
  const took =
    item.startedAt !== undefined && item.endedAt !== undefined ? formatDuration(item.endedAt - item.startedAt) : '-';
  return [at, took];
}

function items(title: string, list: ItemRecord[], start: number): string[] {
  if (list.length === 0) return [];
  const rows = list.map((i) => {
    const [at, took] = span(i, start);
    const what = [i.description, i.hit?.length ? `hit: ${i.hit.join(', ')}` : '', i.error ? `error: ${i.error}` : '']
      .filter(Boolean)
      .join('; ');
    return [
      inline(i.name),
      `\`${i.type}\``,
      inline(i.cluster),
      at,
      took,
      i.ok ? 'ok' : '**failed**',
      inline(what) || '-',
    ];
  });
  return [`**${title}**`, '', ...table(['Name', 'Type', 'Cluster', 'At', 'Took', 'Result', 'Details'], rows), ''];
}

function section(r: RunResult): string[] {
  const start = r.startedAt;
  const out: string[] = [
    `## ${verdictCell(r)} ${inline(r.experiment.title)}`,
    '',
    `\`${r.experiment.id.replace(/`/g, "'")}\` · target \`${r.target}\` · seed ${r.seed} · ${clockWords(r)} · ` +
      `${formatDuration(r.endedAt - r.startedAt)} on the drill's clock (${formatDuration(r.wallMs)} wall) · ` +
      `started ${formatInstant(r.startedAt)}`,
    '',
  ];
  if (r.experiment.runbook) out.push(`Runbook: ${inline(r.experiment.runbook)}`, '');
  if (r.experiment.description) out.push(inline(r.experiment.description), '');
  if (r.error) out.push(`> **${r.verdict === 'aborted' ? 'Aborted' : 'Error'}:** ${inline(r.error)}`, '');
  if (r.checks.length) {
    const rows = r.checks.map((c) => [
      inline(describeCheck(c)),
      describeAllowed(c),
      describeMeasured(c),
      c.ok ? '✅ met' : '❌ missed',
      inline(checkMessage(c)),
    ]);
    out.push('**Targets**', '', ...table(['Target', 'Allowed', 'Measured', 'Result', 'Message'], rows), '');
  }
  const unavailable = Object.entries(r.timings.unavailability ?? {});
  if (unavailable.length) {
    out.push(
      '**Unavailability** (longest failing stretch per monitor): ' +
        unavailable
          .map(([probe, ms]) =>
            (r.timings.stillUnavailable ?? []).includes(probe)
              ? `${inline(probe)} at least ${formatDuration(ms)} (still failing when the drill ended)`
              : `${inline(probe)} ${formatDuration(ms)}`,
          )
          .join(', '),
      '',
    );
  }
  if (r.data) {
    const d = r.data;
    out.push(
      `**etcd data**: ${d.lostBeforeSnapshot} of ${d.keysBeforeSnapshot} snapshotted keys lost or changed (each read back and compared; at least ${d.minKeys} required)` +
        (d.lostKeys.length ? ` (${inline(d.lostKeys.map((k) => `${k.key} ${k.why}`).join(', '))})` : '') +
        `; ${d.lostAfterSnapshot} of ${d.writtenAfterSnapshot} later keys lost (expected with a snapshot restore).`,
      '',
    );
  }
  out.push(
    ...items('Setup (undone by the rollback)', r.setup ?? [], start),
    ...items('Faults', r.faults, start),
    ...items('Recovery steps', r.steps, start),
  );
  if (!r.rollback.ok || r.rollback.reverted.length) {
    const state = r.rollback.ok ? 'ok' : `**failed**: ${inline(r.rollback.errors.join('; '))}`;
    out.push(
      `**Rollback** ${state}${r.rollback.reverted.length ? `; reverted: ${inline(r.rollback.reverted.join(', '))}` : ''}`,
      '',
    );
  }
  if (r.timeline.length) {
    const lines = r.timeline.map(
      (e) => `${formatOffset(e.at - start).padStart(10)}  ${e.kind.padEnd(8)} ${e.text.replace(/\r?\n/g, ' ')}`,
    );
    out.push('<details><summary>Timeline</summary>', '', fenced(lines.join('\n')), '', '</details>', '');
  }
  return out;
}

export const markdown = {
  name: 'markdown',
  extension: 'md',
  render(results: RunResult[], meta: ReportMeta): string {
    const passed = results.filter((r) => r.verdict === 'pass').length;
    const head = [
      '# Gameday report',
      '',
      `${passed} of ${results.length} ${results.length === 1 ? 'drill' : 'drills'} passed · generated ${formatInstant(meta.generatedAt)} by gameday ${inline(meta.gamedayVersion)}` +
        (meta.seed !== undefined ? ` · seed ${meta.seed}` : ''),
      '',
    ];
    if (meta.command) head.push(fenced(meta.command), '');
    const body = results.flatMap(section);
    return [...head, ...summary(results), '', ...body].join('\n').replace(/\n+$/, '\n');
  },
} satisfies Reporter;
