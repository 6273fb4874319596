import { escapeMarkup, escapeXmlAttribute } from './escape.js';
import { checkMessage, clockWords, describeAllowed, describeCheck, describeMeasured, formatOffset } from './format.js';
import type { ReportMeta, Reporter } from './reporter.js';
import type { RunResult, TargetCheck } from './result.js';

/**
 * JUnit XML as Jenkins, GitLab and GitHub test-report actions read it: one <testsuite> per experiment, one
 * <testcase> per declared target, so a CI page lists "time-to-Ready <= 5m" as a test that passed or failed.
 */

interface Case {
  name: string;
  /** Seconds. */
  time: number;
  outcome?: { kind: 'failure' | 'error' | 'skipped'; type: string; message: string; detail?: string };
}

const seconds = (ms: number): string => (Math.max(0, ms) / 1000).toFixed(3);

function attrs(pairs: [string, string | number][]): string {
  return pairs.map(([k, v]) => ` ${k}="${escapeXmlAttribute(String(v))}"`).join('');
}

/** JUnit's timestamp is an xs:dateTime without zone (the schema Jenkins validates against). */
function timestamp(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 19) : '1970-01-01T00:00:00';
}

function checkCase(result: RunResult, check: TargetCheck): Case {
  // Time of a target's test case is what it measured: a CI page then shows "time-to-Ready: 212s".
  const time = check.name === 'noDataLoss' || check.measured === undefined ? 0 : check.measured / 1000;
  const c: Case = { name: describeCheck(check), time };
  const ranToCompletion = result.verdict === 'pass' || result.verdict === 'fail';
  if (result.dryRun) {
    c.outcome = { kind: 'skipped', type: 'DryRun', message: 'dry run: nothing was measured' };
  } else if (check.ok) {
    // passed
  } else if (check.measured === undefined && !ranToCompletion) {
    c.outcome = {
      kind: 'skipped',
      type: 'NotMeasured',
      message: `not measured: ${result.verdict === 'aborted' ? 'the drill was aborted' : 'the drill could not run'}`,
    };
  } else {
    c.outcome = {
      kind: 'failure',
      type: 'TargetMissed',
      message: checkMessage(check),
      detail: `allowed: ${describeAllowed(check)}\nmeasured: ${describeMeasured(check)}`,
    };
  }
  return c;
}

function cases(result: RunResult): Case[] {
  const out = result.checks.map((check) => checkCase(result, check));
  const runTime = (result.endedAt - result.startedAt) / 1000;
  if (result.verdict === 'error' || result.verdict === 'aborted') {
    const message =
      result.error ?? (result.verdict === 'aborted' ? 'the drill was aborted' : 'the drill could not run');
    const type = result.verdict === 'aborted' ? 'Aborted' : 'Error';
    out.unshift({ name: 'run', time: runTime, outcome: { kind: 'error', type, message } });
  } else if (result.verdict === 'fail' && !out.some((c) => c.outcome?.kind === 'failure')) {
    // The verdict is the authority: CI must go red even if no single check explains why.
    out.unshift({
      name: 'run',
      time: runTime,
      outcome: { kind: 'failure', type: 'DrillFailed', message: result.error ?? 'the drill failed' },
    });
  } else if (out.length === 0) {
    // An experiment without targets still ran; an empty suite is dropped or flagged by some CI systems.
    out.push({ name: 'run', time: runTime });
  }
  if (!result.rollback.ok) {
    // A rollback that failed leaves the cluster changed: that must be visible, whatever the verdict.
    const message = `rollback failed: ${result.rollback.errors.join('; ') || 'see the timeline'}`;
    out.push({ name: 'rollback', time: 0, outcome: { kind: 'error', type: 'RollbackFailed', message } });
  }
  return out;
}

function systemOut(result: RunResult): string {
  const lines = [
    `${result.experiment.title} (${result.experiment.id})`,
    `target ${result.target}, seed ${result.seed}, ${clockWords(result)}, verdict ${result.verdict}${result.dryRun ? ' (dry run)' : ''}`,
    `runbook: ${result.experiment.runbook}`,
    '',
    ...result.timeline.map((e) => `${formatOffset(e.at - result.startedAt)}  ${e.kind.padEnd(8)} ${e.text}`),
  ];
  return lines.join('\n');
}

function renderCase(classname: string, c: Case): string {
  const open = `    <testcase${attrs([
    ['classname', classname],
    ['name', c.name],
    ['time', c.time.toFixed(3)],
  ])}`;
  if (!c.outcome) return `${open}/>`;
  const o = c.outcome;
  const detail = o.detail ?? o.message;
  const inner =
    o.kind === 'skipped'
      ? `      <skipped${attrs([['message', o.message]])}/>`
      : `      <${o.kind}${attrs([
          ['message', o.message],
          ['type', o.type],
        ])}>${escapeMarkup(detail)}</${o.kind}>`;
  return `${open}>\n${inner}\n    </testcase>`;
}

function count(all: Case[], kind: 'failure' | 'error' | 'skipped'): number {
  return all.filter((c) => c.outcome?.kind === kind).length;
}

function renderSuite(result: RunResult, all: Case[]): string {
  const id = result.experiment.id;
  const props: [string, string][] = [
    ['title', result.experiment.title],
    ['file', result.experiment.file],
    ['runbook', result.experiment.runbook],
    ['target', result.target],
    ['seed', String(result.seed)],
    ['clock', result.clock],
    ['verdict', result.verdict],
    ['dryRun', String(result.dryRun)],
  ];
  return [
    `  <testsuite${attrs([
      ['name', id],
      ['tests', all.length],
      ['failures', count(all, 'failure')],
      ['errors', count(all, 'error')],
      ['skipped', count(all, 'skipped')],
      ['time', seconds(result.endedAt - result.startedAt)],
      ['timestamp', timestamp(result.startedAt)],
    ])}>`,
    '    <properties>',
    ...props.map(
      ([name, value]) =>
        `      <property${attrs([
          ['name', name],
          ['value', value],
        ])}/>`,
    ),
    '    </properties>',
    ...all.map((c) => renderCase(id, c)),
    `    <system-out>${escapeMarkup(systemOut(result))}</system-out>`,
    '  </testsuite>',
  ].join('\n');
}

export const junit = {
  name: 'junit',
  extension: 'xml',
  render(results: RunResult[], meta: ReportMeta): string {
    const perRun = results.map((r) => ({ result: r, cases: cases(r) }));
    const all = perRun.flatMap((p) => p.cases);
    const totalMs = results.reduce((sum, r) => sum + Math.max(0, r.endedAt - r.startedAt), 0);
    return [
      '<?xml version="1.0" encoding="UTF-8"?>',
      `<testsuites${attrs([
        ['name', 'gameday'],
        ['tests', all.length],
        ['failures', count(all, 'failure')],
        ['errors', count(all, 'error')],
        ['skipped', count(all, 'skipped')],
        ['time', seconds(totalMs)],
        ['timestamp', timestamp(meta.generatedAt)],
      ])}>`,
      ...perRun.map((p) => renderSuite(p.result, p.cases)),
      '</testsuites>',
      '',
    ].join('\n');
  },
} satisfies Reporter;
