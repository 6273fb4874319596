import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import type { CommandModule } from '../command.js';
import { loadExperiments } from '../../experiment/load.js';
import { runExperiment } from '../../engine/runner.js';
import { DEFAULT_JOURNAL_DIR, Journal, newRunId, type JournalTarget } from '../../engine/journal.js';
import { releaseJournalResources } from '../../engine/journal-resources.js';
import type { LoadedExperiment } from '../../experiment/types.js';
import type { Activity } from '../../engine/drill-run.js';
import { rollbackOne } from './rollback.js';
import { formatDuration } from '../../kit/duration.js';
import { clockWords } from '../../report/format.js';
import { createTarget, type CreatedTarget, type TargetOptions } from '../../targets/create.js';
import type { RunResult } from '../../report/result.js';
import { writeJunit, writeReports } from '../../report/write.js';
import { summaryTable } from '../../report/summary-table.js';
import { EXIT } from '../exit-codes.js';
import { ProgressDisplay } from '../progress.js';
import { confirmOnTerminal } from '../confirm.js';
import { recordOptionsFrom, recordRun, resultsOptions } from './history.js';
import { InvalidInputError, JournalError, errorMessage } from '../../errors.js';
import type { Target, TargetKind } from '../../targets/target.js';
import { namedClusters } from '../../experiment/clusters.js';
import { parseSeed } from '../seed-option.js';
import { checkSpeed, openWarRoom, serveAddress, serveOption } from '../serve-option.js';
import { reportContent } from '../../report/html.js';
import type { WarRoom } from '../../warroom/war-room.js';
import { DEFAULT_WARROOM_FILE } from '../../warroom/announce.js';

export const run: CommandModule = {
  command: 'run <paths..>',
  describe: 'Run experiments (files, directories or globs) against a target and report the verdicts',
  builder: (y: Argv) =>
    serveOption(resultsOptions(y), 'the drills as they run')
      .option('speed', {
        type: 'number',
        describe:
          'sim (embedded): run the simulator on a real clock N times faster than real time, for people to watch ' +
          '(default: the virtual clock; with --serve, real time)',
      })
      .positional('paths', { type: 'string', array: true, describe: 'Experiment files, directories or globs' })
      .option('target', {
        choices: ['sim', 'kind', 'lab'] as const,
        default: 'sim' as const,
        describe: 'Where to run the drills',
      })
      .option('context', { type: 'string', describe: 'kubeconfig context (kind, lab; must be in the lab profile)' })
      .option('kubeconfig', { type: 'string', describe: 'kubeconfig file (kind, lab, or a running `gameday sim up`)' })
      .option('profile', { type: 'string', describe: 'Lab profile (JSON) for --target lab' })
      .option('kind-cluster', { type: 'string', default: 'gameday', describe: 'kind cluster name for --target kind' })
      .option('topology', { type: 'string', describe: 'Simulator topology file (default: the Qingzhou platform)' })
      .option('etcd', {
        choices: ['sim', 'real'] as const,
        default: 'sim' as const,
        describe: 'Simulated etcd, or a real 3-member etcd on loopback',
      })
      .option('dry-run', {
        type: 'boolean',
        default: false,
        describe: 'Print every API call and command in order; change nothing',
      })
      .option('report-dir', { type: 'string', describe: 'Write JSON, JUnit, Markdown and HTML reports here' })
      .option('junit', { type: 'string', describe: 'Write a JUnit XML file here (for CI)' })
      .option('seed', {
        default: 1,
        coerce: parseSeed,
        describe: 'Seed for every random choice: same seed, same drill',
      })
      .option('tag', { type: 'string', array: true, describe: 'Only experiments with one of these tags' })
      .option('journal-dir', {
        type: 'string',
        default: DEFAULT_JOURNAL_DIR,
        describe: 'Where rollback journals are written',
      })
      .option('rollback-first', {
        type: 'boolean',
        default: false,
        describe: 'Roll back unfinished journals of earlier drills (in --journal-dir) before running',
      })
      .option('yes', {
        type: 'boolean',
        default: false,
        describe: 'Do not ask before destructive drills on a lab cluster',
      })
      .option('verbose', {
        alias: 'v',
        type: 'boolean',
        default: false,
        describe: 'Print every phase and timeline note',
      }),
  handler: async (args) => {
    const paths = args.paths as string[];
    let loaded = await loadExperiments(paths);
    const tags = (args.tag as string[] | undefined)?.map((t) => t.toLowerCase());
    const known = [...new Set(loaded.flatMap((l) => l.experiment.tags ?? []))].sort();
    if (tags?.length)
      loaded = loaded.filter((l) => (l.experiment.tags ?? []).some((t) => tags.includes(t.toLowerCase())));
    if (loaded.length === 0) {
      throw new InvalidInputError(
        `No experiment found in ${paths.join(', ')}${tags ? ` with tags ${tags.join(', ')}; the tags there are: ${known.join(', ') || 'none'}` : ''}.`,
      );
    }
    const kind = args.target as TargetKind;
    const dryRun = Boolean(args.dryRun);
    const seed = Number(args.seed);
    const listen = serveAddress(args);
    const speed = embeddedSpeed(args, kind, listen !== undefined && !dryRun);
    const out = process.stdout;
    const display = new ProgressDisplay(out, Boolean(args.verbose) || dryRun);
    if (!dryRun) await unfinishedJournals(args.journalDir as string, Boolean(args.rollbackFirst), display);
    out.write(
      `gameday: ${loaded.length} experiment(s) on ${kind}${dryRun ? ' (dry run: nothing will change)' : ''}, seed ${seed}\n`,
    );

    // Ctrl-C / SIGTERM: stop the drill and roll back at once. A second signal says what the rollback is
    // waiting for; a third exits, leaving the journal for `gameday rollback`.
    const stop = new AbortController();
    let activity: Activity = { doing: 'starting' };
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals): void => {
      signals++;
      const journal = activity.journal;
      if (signals === 1) {
        display.line(`\n${sig}: stopping the drill and rolling back every change it made...`);
        stop.abort(sig);
      } else if (signals === 2) {
        display.line(
          `${sig} again: rolling back; now ${activity.doing}. Once more exits at once and leaves ${journal ? `the journal ${journal}` : 'nothing to undo'}${journal ? ` for \`gameday rollback ${journal}\`` : ''}.`,
        );
      } else {
        display.line(
          journal
            ? `${sig} a third time: exiting now, before the rollback finished (it was ${activity.doing}). Finish it with \`gameday rollback ${journal}\`.`
            : `${sig} a third time: exiting now; nothing had been changed.`,
        );
        process.exit(EXIT.infrastructure);
      }
    };
    const onCrash = (err: unknown): void => {
      display.line(`internal error during the drill: ${(err as Error)?.message ?? String(err)}; rolling back`);
      stop.abort(err instanceof Error ? err : new Error(String(err)));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    process.on('uncaughtException', onCrash);

    const results: RunResult[] = [];
    let room: WarRoom | undefined;
    let incomplete: string | undefined;
    try {
      if (listen) {
        room = await openWarRoom(
          {
            listen,
            mode: 'run',
            title: `${loaded.length} ${loaded.length === 1 ? 'drill' : 'drills'} on ${kind}`,
            announceTo: DEFAULT_WARROOM_FILE,
          },
          (line) => out.write(line + '\n'),
        );
        room.setQueue(loaded);
      }
      for (const [i, l] of loaded.entries()) {
        if (stop.signal.aborted) break;
        activity = { doing: 'starting' };
        out.write(
          `\n[${String(i + 1).padStart(String(loaded.length).length)}/${loaded.length}] ${l.experiment.id}: ${l.experiment.title}\n`,
        );
        const targetOptions: TargetOptions = {
          kind,
          seed,
          dryRun,
          etcd: args.etcd as 'sim' | 'real',
          kindCluster: args.kindCluster as string,
          yes: Boolean(args.yes),
          ...(args.context ? { context: args.context as string } : {}),
          ...(args.kubeconfig ? { kubeconfig: args.kubeconfig as string } : {}),
          ...(args.profile ? { profile: args.profile as string } : {}),
          ...(args.topology ? { topology: args.topology as string } : {}),
          ...(l.experiment.topology ? { experimentTopology: resolve(l.file, '..', l.experiment.topology) } : {}),
          ...(speed !== undefined ? { speed } : {}),
          experiment: l.experiment,
          confirm: confirmOnTerminal,
        };
        // Opened before the target exists: a target that starts processes (a real etcd) journals them as it
        // goes, so that `gameday rollback` can stop them if this process dies.
        const journal = Journal.create(
          args.journalDir as string,
          {
            runId: newRunId(l.experiment.id),
            experimentId: l.experiment.id,
            experimentFile: l.file,
            target: { kind },
            faults: [],
          },
          // A dry run writes nothing: its journal stays in memory.
          { dryRun },
        );
        if (!dryRun) activity.journal = journal.path;
        let created: CreatedTarget;
        try {
          created = await createTarget({ ...targetOptions, onResource: (r) => journal.addResource(r) });
        } catch (err) {
          await settle(journal);
          throw err;
        }
        journal.setTarget(created.journalTarget);
        for (const n of created.notices ?? []) display.line(n);
        const nobody = nobodyCanAct(l, created.journalTarget, dryRun);
        if (nobody) display.line(nobody);
        let result: RunResult;
        try {
          if (dryRun)
            created.target.actions.onRecord((a) =>
              display.line(`  ${a.kind === 'command' ? '$' : '→'} [${a.cluster}] ${a.text}`),
            );
          const target = room ? await followDrill(room, i, l, created.target, dryRun) : created.target;
          result = await runExperiment(l, target, {
            seed,
            dryRun,
            signal: stop.signal,
            journalDir: args.journalDir as string,
            journalTarget: created.journalTarget,
            journal,
            onProgress: (p) => {
              display.handle(p);
              room?.progress(p);
            },
            activity,
          });
          if (room) result = room.endDrill(result);
        } finally {
          try {
            await created.target.close();
          } finally {
            await settle(journal);
          }
        }
        display.endExperiment();
        results.push(result);
        out.write(verdictLine(result) + '\n');
        if (!result.rollback.ok && !dryRun) {
          // Something is left broken: the next drill would start from it, and record it as the original.
          const left = loaded.length - i - 1;
          const journal = activity.journal;
          incomplete = `ROLLBACK INCOMPLETE: stopping here${left > 0 ? ` (${left} drill(s) not run)` : ''}. ${journal ? `Finish it with \`gameday rollback ${journal}\` once the cause is fixed.` : 'Check the cluster by hand.'}`;
          out.write(`\n${incomplete}\n`);
          break;
        }
      }
    } catch (err) {
      await room?.close();
      throw err;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.off('uncaughtException', onCrash);
    }

    out.write('\n' + summaryTable(results, { color: Boolean(out.isTTY) }) + '\n');
    const meta = {
      generatedAt: Date.now(),
      command: `gameday ${process.argv.slice(2).join(' ')}`,
      gamedayVersion: '0.1.0',
      seed,
    };
    let htmlPath: string | undefined;
    if (args.reportDir) {
      const written = await writeReports(args.reportDir as string, results, meta);
      for (const p of written.paths) out.write(`report: ${p}\n`);
      for (const f of written.failures)
        process.stderr.write(`gameday: the ${f.reporter} report failed: ${failureText(f.error)}\n`);
      htmlPath = written.paths.find((p) => p.endsWith('.html'));
    }
    if (room) {
      room.finish(
        reportContent(results, meta),
        `The drills are over: this is the report${htmlPath ? `, as written to ${htmlPath}` : ''}. ` +
          'gameday has exited; the page stays as it is (reloading it will not work).',
      );
      await room.close();
    }

    if (args.junit) {
      const junit = await writeJunit(args.junit as string, results, meta);
      if (junit.failures.length === 0) out.write(`junit: ${args.junit as string}\n`);
      for (const f of junit.failures)
        process.stderr.write(`gameday: the JUnit report failed: ${failureText(f.error)}\n`);
    }
    // History, regression gate and metrics: after the reports, so a failing gate still leaves them written.
    const rec = await recordRun(results, recordOptionsFrom(args));
    for (const l of rec.lines) out.write(l + '\n');
    const code = incomplete ? EXIT.infrastructure : exitCodeFor(results, stop.signal.aborted);
    const exit = code === EXIT.ok && !rec.gateOk ? EXIT.targetMissed : code;
    // Everything is undone and reported. A request the target never answered (a phase the signal left
    // stuck) must not keep the process alive: exit anyway a little later.
    setTimeout(() => process.exit(exit), LINGER_MS).unref();
    return exit;
  },
};

/**
 * After the target closed: make sure nothing it journalled is left (closing stops and removes it; this checks
 * and clears the record), and close a journal the drill never got to (it stopped before its first fault).
 */
async function settle(journal: Journal): Promise<void> {
  const report = await releaseJournalResources(journal);
  for (const line of report.released) process.stderr.write(`gameday: left behind by the target, now ${line}\n`);
  for (const line of report.errors)
    process.stderr.write(`gameday: could not clean up ${line}; run \`gameday rollback ${journal.path}\`\n`);
  if (journal.data.state === 'running') journal.finish('rolled-back');
}

/**
 * A manual drill on the simulator inside this process: nobody can reach it to carry out the steps, so the
 * run only times what Kubernetes heals by itself. Says so, and how to run it so that a person can act.
 */
export function nobodyCanAct(l: LoadedExperiment, target: JournalTarget, dryRun: boolean): string | undefined {
  if (dryRun || l.experiment.recovery.mode !== 'manual' || target.kind !== 'sim' || target.embedded !== true) return;
  return (
    `  warning: ${l.experiment.id} is a manual drill, but this simulator runs inside this process, where nobody ` +
    'can carry out its steps: only what Kubernetes heals by itself is timed. To act on it, start ' +
    `\`gameday sim up\` in another terminal and run \`gameday run ${l.file} --kubeconfig .gameday/sim/kubeconfig\` ` +
    `(or practise it with \`gameday practice ${l.file}\`).`
  );
}

/**
 * The war room follows a drill: its clusters (every one on the simulator, the drill's own elsewhere), its
 * actions, alerts and, on a simulator in this process, its hosts' power. Returns the target to run on.
 */
async function followDrill(
  room: WarRoom,
  index: number,
  l: LoadedExperiment,
  target: Target,
  dryRun: boolean,
): Promise<Target> {
  const { powerSourceOf } = await import('../../targets/sim/power-source.js');
  const own = target.clusters();
  const named = [...new Set(namedClusters(l.experiment).map((c) => (own.includes(c) ? c : own[0]!)))];
  return room.beginDrill(index, l, target, {
    dryRun,
    ...(target.kind === 'sim' || named.length === 0 ? {} : { clusters: named }),
    ...(powerSourceOf(target) ? { power: powerSourceOf(target)! } : {}),
  });
}

/** --speed, or real time for people watching the embedded simulator; only the embedded simulator has a speed. */
function embeddedSpeed(args: Record<string, unknown>, kind: TargetKind, serving: boolean): number | undefined {
  const embedded = kind === 'sim' && !args.kubeconfig;
  if (args.speed === undefined) return embedded && serving ? 1 : undefined;
  if (!embedded)
    throw new InvalidInputError(
      '--speed applies to the embedded simulator; a kind or lab cluster runs in real time, and `gameday sim up --speed N` sets the speed of a simulator you attach to.',
    );
  return checkSpeed(args.speed);
}

/**
 * A journal an earlier run left unfinished means the cluster may still carry its faults: a new drill would
 * take them for the original state. Refuse, naming them, unless asked to roll them back first. Journals of
 * the embedded simulator need nothing (it ended with its process) and are closed on the way, unless they
 * list processes or directories left behind (a real etcd's).
 */
async function unfinishedJournals(dir: string, rollbackFirst: boolean, display: ProgressDisplay): Promise<void> {
  const pending: string[] = [];
  for (const path of Journal.pending(dir)) {
    let journal: Journal | undefined;
    try {
      journal = Journal.read(path);
    } catch {
      pending.push(`${path} (it cannot be read: cut short or damaged)`);
      continue;
    }
    const left = journal.data.resources?.length ?? 0;
    if (journal.data.target.kind === 'sim' && journal.data.target.embedded && left === 0) {
      journal.finish('rolled-back');
      display.line(`${path}: a drill on the embedded simulator ended without finishing; nothing is left of it.`);
      continue;
    }
    pending.push(path);
  }
  if (pending.length === 0) return;
  if (!rollbackFirst) {
    throw new JournalError(
      `${dir} holds ${pending.length === 1 ? 'a journal' : `${pending.length} journals`} of a drill that did not finish its rollback: ${pending.join(', ')}. The cluster may still carry its faults. Run \`gameday rollback --journal-dir ${dir}\` first (or \`gameday run --rollback-first\`).`,
    );
  }
  for (const entry of pending) {
    const path = entry.replace(/ \(it cannot be read.*$/, '');
    display.line(`--rollback-first: rolling back ${path}`);
    let ok = false;
    try {
      ok = await rollbackOne(path, 300_000, (line) => display.line(line));
    } catch (err) {
      display.line(`  FAILED ${errorMessage(err)}`);
    }
    if (!ok)
      throw new JournalError(
        `${path}: the rollback of an earlier drill is not complete; no drill was run. Fix what it says, then run \`gameday rollback ${path}\`.`,
      );
  }
}

/** How long a finished run may wait for stray connections to close before it exits anyway. */
const LINGER_MS = 10_000;

function failureText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function verdictLine(r: RunResult): string {
  const word =
    r.dryRun && r.verdict === 'pass'
      ? 'PLANNED (dry run: nothing changed)'
      : { pass: 'PASS', fail: 'FAIL', aborted: 'ABORTED', error: 'ERROR' }[r.verdict];
  const parts = r.checks.map((c) => `${c.ok ? '✓' : '✗'} ${c.message}`);
  if (r.error) parts.push(r.error);
  if (!r.rollback.ok) parts.push(`ROLLBACK INCOMPLETE: ${r.rollback.errors.join('; ')}`);
  const wall = `${formatDuration(r.endedAt - r.startedAt)} on the ${clockWords(r)}, ${formatDuration(r.wallMs)} wall`;
  return `  ${word}  (${wall})\n${parts.map((p) => `    ${p}`).join('\n')}`;
}

export function exitCodeFor(results: RunResult[], interrupted: boolean): number {
  if (
    interrupted ||
    results.some((r) => r.verdict === 'aborted' || (r.verdict === 'error' && r.errorKind !== 'invalid-input'))
  ) {
    return EXIT.infrastructure;
  }
  if (results.some((r) => r.errorKind === 'invalid-input')) return EXIT.invalid;
  if (results.some((r) => r.verdict === 'fail')) return EXIT.targetMissed;
  return EXIT.ok;
}
