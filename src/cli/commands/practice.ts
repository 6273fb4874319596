import { writeFileSync } from 'node:fs';
import { ensurePrivateDirSync } from '../../private-files.js';
import { join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import type { CommandModule } from '../command.js';
import { loadExperiments } from '../../experiment/load.js';
import { DEFAULT_JOURNAL_DIR } from '../../engine/journal.js';
import { formatDuration, parseDuration } from '../../kit/duration.js';
import { InvalidInputError } from '../../errors.js';
import { createTarget, type CreatedTarget } from '../../targets/create.js';
import type { TargetKind } from '../../targets/target.js';
import { formatReport, type PracticeReport } from '../../practice/practice-report.js';
import { manualCopy, runPractice, type PracticeEvent } from '../../practice/session.js';
import type { Progress } from '../../engine/runner.js';
import { practiceContent, practiceHtml, practiceStyle } from '../../practice/practice-html.js';
import { withPeopleRecord } from '../../warroom/people-record.js';
import { practicePeople, practiceSide } from '../../warroom/practice-side.js';
import { DEFAULT_PRACTICE_DIR, SessionStore } from '../../practice/session-store.js';
import type { TranscriptEntry } from '../../practice/session-state.js';
import { WebhookNotifier, checkWebhookUrl } from '../../practice/webhook.js';
import { confirmOnTerminal } from '../confirm.js';
import { EXIT } from '../exit-codes.js';
import { parseSeed } from '../seed-option.js';
import { openWarRoom, serveAddress, serveOption } from '../serve-option.js';
import type { WarRoom } from '../../warroom/war-room.js';
import type { PowerSource } from '../../warroom/power.js';
import type { RunResult } from '../../report/result.js';

export const practice: CommandModule = {
  command: 'practice <experiment>',
  describe: 'Practise a runbook by hand: a fault comes at a random moment, alerts fire, and gameday times you',
  builder: (y: Argv) =>
    serveOption(y, 'the session for the room: nodes, alerts, runbook steps, what is typed')
      .positional('experiment', { type: 'string', describe: 'One experiment file' })
      .option('target', {
        choices: ['sim', 'kind', 'lab'] as const,
        default: 'sim' as const,
        describe: 'Where to practise',
      })
      .option('kubeconfig', {
        type: 'string',
        describe: 'sim: attach to a running `gameday sim up` through its kubeconfig; kind/lab: the cluster',
      })
      .option('context', { type: 'string', describe: 'kubeconfig context (kind, lab; must be in the lab profile)' })
      .option('profile', { type: 'string', describe: 'Lab profile (JSON) for --target lab' })
      .option('kind-cluster', { type: 'string', default: 'gameday', describe: 'kind cluster name for --target kind' })
      .option('topology', { type: 'string', describe: 'Simulator topology file (default: the Qingzhou platform)' })
      .option('speed', {
        type: 'number',
        default: 1,
        describe:
          'sim without --kubeconfig: run the simulated cluster N times faster than real time (times are then simulated time)',
      })
      .option('min-delay', {
        type: 'string',
        default: '30s',
        describe: 'The fault comes no sooner than this after the start',
      })
      .option('max-delay', { type: 'string', default: '5m', describe: 'and no later than this' })
      .option('webhook', { type: 'string', describe: 'Also post alerts here as Slack-compatible JSON {"text": ...}' })
      .option('seed', {
        coerce: parseSeed,
        describe: "Seed for the moment of injection and the drill's choices (default: random)",
      })
      .option('dir', {
        type: 'string',
        default: DEFAULT_PRACTICE_DIR,
        describe: 'Where the session file and report go',
      })
      .option('journal-dir', {
        type: 'string',
        default: DEFAULT_JOURNAL_DIR,
        describe: 'Where rollback journals are written',
      })
      .option('yes', {
        type: 'boolean',
        default: false,
        describe: 'Do not ask before destructive drills on a lab cluster',
      }),
  handler: async (args) => {
    const out = process.stdout;
    const say = (text: string): void => void out.write(text + '\n');
    const loaded = await loadExperiments([args.experiment as string]);
    if (loaded.length !== 1)
      throw new InvalidInputError(
        `gameday practice takes one experiment; ${String(args.experiment)} holds ${loaded.length}.`,
      );
    const experiment = loaded[0]!;
    const kind = args.target as TargetKind;
    const minMs = parseDuration(String(args.minDelay), '--min-delay');
    const maxMs = parseDuration(String(args.maxDelay), '--max-delay');
    if (maxMs < minMs)
      throw new InvalidInputError(
        `--max-delay (${formatDuration(maxMs)}) is shorter than --min-delay (${formatDuration(minMs)}).`,
      );
    const seed = args.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(args.seed);
    const webhook = args.webhook
      ? new WebhookNotifier(checkWebhookUrl(args.webhook as string), (m) => say(`gameday: ${m}`))
      : undefined;
    const dir = resolve(String(args.dir));
    const speed = Number(args.speed);
    const listen = serveAddress(args);

    // Ctrl-C gives up: the runner rolls the fault back before the session ends.
    const stop = new AbortController();
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals): void => {
      signals++;
      if (signals === 1) {
        say(`\n${sig}: giving up; rolling the fault back...`);
        stop.abort(sig);
      } else if (signals >= 3) process.exit(EXIT.infrastructure);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    let served: { close(): Promise<void>; power?: PowerSource } | undefined;
    let room: WarRoom | undefined;
    let created: CreatedTarget | undefined;
    let kubeconfig = args.kubeconfig as string | undefined;
    let poll: NodeJS.Timeout | undefined;
    try {
      if (kind === 'sim' && !kubeconfig) {
        const s = await serveSimulator({
          dir,
          speed,
          seed,
          topology: args.topology as string | undefined,
          signal: stop.signal,
          say,
          power: listen !== undefined,
        });
        served = s;
        kubeconfig = s.kubeconfig;
      }
      created = await createTarget({
        kind,
        seed,
        dryRun: false,
        kindCluster: args.kindCluster as string,
        yes: Boolean(args.yes),
        ...(kubeconfig ? { kubeconfig } : {}),
        ...(args.context ? { context: args.context as string } : {}),
        ...(args.profile ? { profile: args.profile as string } : {}),
        ...(args.topology ? { topology: args.topology as string } : {}),
        experiment: experiment.experiment,
        confirm: confirmOnTerminal,
      });
      if (listen)
        room = await openWarRoom({ listen, mode: 'practice', title: 'practice', style: practiceStyle() }, say);
      const target = room
        ? room.beginDrill(0, experiment, created.target, {
            dryRun: false,
            alerts: false,
            ...(served?.power ? { power: served.power } : {}),
          })
        : created.target;
      const cluster = experiment.experiment.clusters?.[0] ?? created.target.clusters()[0] ?? '';
      say(`\ngameday practice: ${experiment.experiment.title}`);
      say(`Runbook: ${experiment.experiment.runbook}`);
      if (kubeconfig)
        say(
          `\nUse this cluster:\n  export KUBECONFIG=${resolve(kubeconfig)}\n  kubectl --context ${cluster} get nodes`,
        );
      if (kind === 'sim')
        say('Log in to a node:  gameday node shell <node>   (or: gameday node exec <node> -- <command>)');
      say('When an alert fires:  gameday ack  ·  gameday diagnose "<what is broken>"  ·  gameday hint (costs points)');
      say('Ctrl-C gives up (the fault is rolled back).\n');

      let shown = 0;
      let store: SessionStore | undefined;
      const echoTrainee = (): void => {
        if (!store) return;
        try {
          const s = store.read();
          const fresh = s.transcript.slice(shown);
          shown = s.transcript.length;
          for (const e of fresh)
            if (e.kind === 'ack' || e.kind === 'diagnose' || e.kind === 'hint' || e.kind === 'shell')
              say(traineeLine(e, s.injectedAt));
        } catch {
          // The file is being replaced: the next poll reads it.
        }
      };
      const onEvent = (e: PracticeEvent): void => {
        switch (e.type) {
          case 'started':
            store = new SessionStore(dir, e.session);
            say(`Session ${e.session} (${e.file})`);
            poll = setInterval(echoTrainee, 1000);
            if (room) room.attachPractice(practiceSide(store, () => created!.target.clock.now()));
            break;
          case 'armed':
            say(e.text);
            break;
          case 'alert': {
            const a = e.event.alert;
            const text = e.event.type === 'firing' ? `ALERT [${a.severity}] ${a.text}` : `RESOLVED ${a.text}`;
            say(`${clockTime(a.at)}  ${e.event.type === 'firing' ? '🚨' : '✅'} ${text}`);
            webhook?.send(`${e.event.type === 'firing' ? ':rotating_light:' : ':white_check_mark:'} ${text}`);
            break;
          }
          case 'recovered':
            say(`\nRecovery verified ${formatDuration(e.afterMs)} after the fault. Rolling back and scoring...`);
            break;
          case 'warning':
            say(`gameday: ${e.text}`);
            break;
          case 'ended':
            echoTrainee();
            runResult = e.result;
            break;
        }
      };
      let runResult: RunResult | undefined;
      const report = await runPractice({
        loaded: experiment,
        target,
        ...(room ? { onProgress: (p: Progress) => room!.progress(p) } : {}),
        journalTarget: created.journalTarget,
        journalDir: String(args.journalDir),
        dir,
        seed,
        injectDelay: { minMs, maxMs },
        signal: stop.signal,
        ...(kubeconfig ? { kubeconfig: resolve(kubeconfig) } : {}),
        onEvent,
      });
      await webhook?.flush();
      say('\n' + formatReport(report));
      // The drill's own result, with the steps marked done and the acknowledgement in it, as the report shows it.
      const session = new SessionStore(dir, report.session).read();
      const result = runResult
        ? withPeopleRecord(runResult, manualCopy(experiment), practicePeople(session), session.hints)
        : undefined;
      const meta = { generatedAt: Date.now(), gamedayVersion: '0.1.0' };
      const written = writeReport(dir, report, practiceHtml(report, result, meta));
      for (const p of written) say(`report: ${p}`);
      room?.finish(
        practiceContent(report, result, meta),
        `The session is over: this is its report, as written to ${written.find((p) => p.endsWith('.html')) ?? dir}. ` +
          'gameday has exited; the page stays as it is (reloading it will not work).',
      );
      return exitCode(report);
    } finally {
      if (poll) clearInterval(poll);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      await room?.close();
      await created?.target.close();
      await served?.close();
    }
  },
};

function writeReport(dir: string, report: PracticeReport, html: string): string[] {
  // A report (0644 as reports are), in the session directory, which is the user's alone.
  ensurePrivateDirSync(dir);
  const json = join(dir, `${report.session}.report.json`);
  const md = join(dir, `${report.session}.report.md`);
  const page = join(dir, `${report.session}.report.html`);
  writeFileSync(json, JSON.stringify(report, null, 2) + '\n');
  writeFileSync(md, '```\n' + formatReport(report) + '```\n');
  writeFileSync(page, html);
  return [json, md, page];
}

function exitCode(r: PracticeReport): number {
  if (r.status === 'recovered') return r.timings.some((t) => t.met === false) ? EXIT.targetMissed : EXIT.ok;
  if (r.status === 'failed') return EXIT.targetMissed;
  return EXIT.infrastructure;
}

function clockTime(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

function traineeLine(e: TranscriptEntry, injectedAt: number | undefined): string {
  const when = injectedAt === undefined ? clockTime(e.at) : `+${formatDuration(e.at - injectedAt)}`;
  if (e.kind === 'shell')
    return `${when}  trainee [${e.node ?? ''}] $ ${e.text}${e.exitCode ? `   (exit ${e.exitCode})` : ''}`;
  return `${when}  trainee: ${e.text}`;
}

/**
 * `--target sim` without a running `gameday sim up`: serve the simulated platform from this process, in
 * real time (or `--speed` times faster), with the control endpoint the node shell uses, and write its
 * kubeconfig next to the session files.
 */
async function serveSimulator(o: {
  dir: string;
  speed: number;
  seed: number;
  topology: string | undefined;
  signal: AbortSignal;
  say: (text: string) => void;
  /** Also return the hosts' power, for the war room's tiles. */
  power?: boolean;
}): Promise<{ kubeconfig: string; close(): Promise<void>; power?: PowerSource }> {
  if (!(o.speed > 0) || o.speed > 10_000)
    throw new InvalidInputError(`--speed: expected a number between 0 and 10000, got ${o.speed}.`);
  const [
    { RealClock },
    { Simulator },
    { defaultTopology },
    { loadTopology },
    { DEFAULT_PARAMS },
    { writeKubeconfig },
    { controlEndpoint },
  ] = await Promise.all([
    import('../../engine/clock.js'),
    import('../../sim/simulator.js'),
    import('../../sim/topology/default-topology.js'),
    import('../../sim/topology/load-topology.js'),
    import('../../sim/params.js'),
    import('../../sim/apiserver/kubeconfig.js'),
    import('../../sim/serve/control-endpoint.js'),
  ]);
  const loaded = o.topology ? loadTopology(o.topology) : undefined;
  const simulator = await Simulator.start({
    topology: loaded?.topology ?? defaultTopology(),
    params: loaded?.params ?? DEFAULT_PARAMS,
    clock: new RealClock(o.speed),
    seed: o.seed,
    serve: true,
    tls: true,
    control: (c) => controlEndpoint(c),
  });
  const kubeconfig = join(o.dir, 'kubeconfig');
  await writeKubeconfig(
    kubeconfig,
    [...simulator.clusters.values()].map((c) => ({
      cluster: c.name,
      url: c.server!.url,
      token: simulator.token,
      ca: simulator.ca,
    })),
  );
  o.say(
    `Simulated platform: ${simulator.clusters.size} cluster(s)${o.speed === 1 ? '' : `, ${o.speed}x real time`}; waiting for it to come up...`,
  );
  try {
    await simulator.settle(600_000, o.signal);
  } catch (err) {
    await simulator.close();
    throw err;
  }
  const power = o.power ? (await import('../../targets/sim/power-source.js')).simPowerSource(simulator) : undefined;
  return { kubeconfig, close: () => simulator.close(), ...(power ? { power } : {}) };
}
