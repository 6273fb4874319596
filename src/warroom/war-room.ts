import type { Clock } from '../engine/clock.js';
import type { Progress } from '../engine/runner.js';
import { errorMessage } from '../errors.js';
import type { LoadedExperiment } from '../experiment/types.js';
import type { Kube } from '../kube/kube.js';
import { AlertRules, watchAlerts, type AlertEvent } from '../practice/alerts.js';
import { escapeMarkup as e } from '../report/escape.js';
import { section } from '../report/html.js';
import type { RunResult } from '../report/result.js';
import { withPeopleRecord } from './people-record.js';
import type { Action, Target } from '../targets/target.js';
import { ClusterView } from './cluster-view.js';
import { LiveDrill, type Countdown } from './live-drill.js';
import { livePage, type PageMode } from './page.js';
import { PowerCalls, firstKnown, type PowerSource } from './power.js';
import * as render from './render.js';
import { LiveServer, type ActionAnswer, type ActionHandler, type PatchOp } from './server.js';
import type { ListenAddress } from './listen-address.js';
import { announce } from './announce.js';

export interface WarRoomOptions {
  listen: ListenAddress;
  mode: PageMode;
  /** What the page is about, in the header: "2 drills on sim", "simulated platform". */
  title: string;
  /** Extra CSS for content this mode ends with (the practice report's score). */
  style?: string;
  /** Say where the page is in this file, for `gameday node shell` (see announce.ts); removed on close. */
  announceTo?: string;
}

/** What a practice session adds: its own record of alerts, hints, steps and typing, and its own actions. */
export interface PracticeSide {
  /** The session as it stands (read from its file: other processes write it too). */
  view(): PracticeView;
  ack(): ActionAnswer;
  hint(): ActionAnswer;
  markStep(index: number): ActionAnswer;
}

export interface PracticeView {
  status: string;
  startedAt: number;
  injectedAt?: number;
  ackAt?: number;
  recoveredAt?: number;
  hints: string[];
  hintsUsed: number;
  stepsDone: { index: number; at: number }[];
  alerts: render.AlertLine[];
  transcript: render.TranscriptLine[];
  targets: { acknowledge?: number; recover?: number };
}

const FLUSH_MS = 120;
const TICK_MS = 1000;
const PRACTICE_POLL_MS = 400;

/**
 * The live page of a game day: one server, one set of fragments, fed by whoever runs the drill (`gameday
 * run`, `practice`, `sim up`) through the runner's progress, the target's action log and informers, and
 * the practice session's file. Renders at most every FLUSH_MS, and sends only the fragments that changed.
 */
export class WarRoom {
  private readonly fragments = new Map<string, string>();
  private flushTimer: NodeJS.Timeout | undefined;
  private readonly ticker: NodeJS.Timeout;
  private queueEntries: render.QueueEntry[] = [];
  private drill: LiveDrill | undefined;
  private drillTarget: Target | undefined;
  private clock: Clock | undefined;
  private clusters: ClusterView | undefined;
  private stopActions: (() => void) | undefined;
  private stopAlerts: (() => void) | undefined;
  private actionLog: Action[] = [];
  private alertLines: render.AlertLine[] = [];
  private readonly firing = new Map<string, string>();
  private ackedUpTo = 0;
  private alertSeq = 0;
  private practice: PracticeSide | undefined;
  private practiceSig = '';
  private practicePoll: NodeJS.Timeout | undefined;
  private platformText = '';
  private ended = false;
  private doneSections: string[] = [];
  private unannounce: (() => void) | undefined;

  private constructor(
    private readonly o: WarRoomOptions,
    private server: LiveServer,
  ) {
    this.ticker = setInterval(() => this.flush(), TICK_MS);
    this.ticker.unref();
  }

  static async start(o: WarRoomOptions): Promise<WarRoom> {
    // The server needs the room's handlers, the room needs the server: the handlers find the room here.
    const ref: { room?: WarRoom } = {};
    const busy: ActionAnswer = { status: 503, message: 'The war room is starting.' };
    const actions: Record<string, ActionHandler> = {
      step: (body) => ref.room?.markStep(body) ?? busy,
      ack: () => ref.room?.ack() ?? busy,
      hint: () => ref.room?.hint() ?? busy,
      shell: (body) => ref.room?.shell(body) ?? busy,
    };
    const server = await LiveServer.listen({
      listen: o.listen,
      page: (nonce) => livePage(`gameday war room: ${o.title}`, nonce, o.mode, o.style ?? ''),
      snapshot: () => ref.room?.snapshot() ?? [],
      actions,
    });
    const room = (ref.room = new WarRoom(o, server));
    if (o.announceTo)
      room.unannounce = announce(o.announceTo, { url: server.url, token: server.token, pid: process.pid });
    room.flush();
    return room;
  }

  urls(): string[] {
    return this.server.urls();
  }

  get url(): string {
    return this.server.url;
  }

  // ---- feeds -------------------------------------------------------------------------------------------

  /** The drills of a run, in order: the queue the page shows with each verdict. */
  setQueue(loaded: readonly LoadedExperiment[]): void {
    this.queueEntries = loaded.map((l) => ({ id: l.experiment.id, title: l.experiment.title, state: 'waiting' }));
    this.invalidate();
  }

  /** The clusters to show without a drill (`sim up`): their nodes and workloads, through these clients. */
  watchPlatform(kubes: ReadonlyMap<string, Kube>, clock: Clock, power: PowerSource | undefined, text: string): void {
    this.clock = clock;
    this.platformText = text;
    this.clusters?.stop();
    this.clusters = new ClusterView(kubes, power, () => this.invalidate());
    this.invalidate();
  }

  /**
   * A drill starts on `target`: the page follows its clusters, its actions and its alerts. Returns the target
   * the drill must run on: the same one, with its hosts' power calls observed for the tiles.
   */
  beginDrill(
    index: number,
    loaded: LoadedExperiment,
    target: Target,
    o: { dryRun: boolean; power?: PowerSource; clusters?: string[]; alerts?: boolean },
  ): Target {
    this.endFeeds();
    const calls = new PowerCalls();
    const observed = calls.observe(target, o.dryRun);
    this.drill = new LiveDrill(index, loaded);
    this.drillTarget = target;
    this.clock = target.clock;
    this.actionLog = [];
    this.alertLines = [];
    this.firing.clear();
    this.ackedUpTo = this.alertSeq;
    const q = this.queueEntries[index];
    if (q) q.state = 'running';
    const names = o.clusters ?? target.clusters();
    const kubes = new Map(names.map((c) => [c, target.kube(c)] as const));
    this.clusters = new ClusterView(kubes, firstKnown(o.power, calls), () => this.invalidate());
    this.stopActions = target.actions.onRecord((a) => {
      this.actionLog.push(a);
      this.invalidate();
    });
    if (o.alerts !== false && !o.dryRun) this.watchDrillAlerts(target, loaded);
    this.invalidate();
    return observed;
  }

  progress(p: Progress): void {
    const d = this.drill;
    if (!d) return;
    switch (p.type) {
      case 'start':
        d.result = p.result;
        break;
      case 'manual':
        d.manualSteps = p.steps.map((s) => s.replace(/^\d+\.\s*/, ''));
        break;
      case 'waiting':
        d.waiting = p.what;
        break;
      case 'phase':
        d.waiting = undefined;
        break;
      case 'note':
        break;
    }
    this.invalidate();
  }

  /** The drill is over: its result, with what the people did on the page, for the reports. */
  endDrill(result: RunResult): RunResult {
    const d = this.drill;
    if (!d) return result;
    d.result = result;
    const final = withPeopleRecord(result, d.loaded, d.people, d.manualSteps ?? []);
    d.final = final;
    const q = this.queueEntries[d.index];
    if (q) q.state = final.verdict;
    if (this.queueEntries.length > 1) this.doneSections.push(section(final, d.index));
    this.endFeeds();
    this.flush();
    return final;
  }

  /** A practice session's record and actions join the page. */
  attachPractice(side: PracticeSide): void {
    this.practice = side;
    this.practicePoll = setInterval(() => {
      let sig: string;
      try {
        const v = side.view();
        sig = `${v.status}|${v.transcript.length}|${v.alerts.length}|${v.hintsUsed}|${v.stepsDone.length}|${v.ackAt ?? ''}`;
      } catch {
        return;
      }
      if (sig !== this.practiceSig) {
        this.practiceSig = sig;
        this.invalidate();
      }
    }, PRACTICE_POLL_MS);
    this.practicePoll.unref();
    this.invalidate();
  }

  /**
   * The end: the page becomes `content` (the report's own lines) under a banner, and the browsers stop
   * listening. They keep showing it after gameday exits, for the retrospective.
   */
  finish(content: readonly string[], banner: string): void {
    this.endFeeds();
    if (this.practicePoll) clearInterval(this.practicePoll);
    this.flush();
    this.ended = true;
    this.setFragment('live', `<p class="over-banner">${e(banner)}</p>\n${content.join('\n')}`);
    this.setFragment('head', this.headHtml(this.practice ? safe(() => this.practice!.view()) : undefined));
    this.flush();
  }

  async close(): Promise<void> {
    this.unannounce?.();
    clearInterval(this.ticker);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.practicePoll) clearInterval(this.practicePoll);
    this.endFeeds();
    this.clusters?.stop();
    await this.server.close();
  }

  // ---- actions from the page ----------------------------------------------------------------------------

  private markStep(body: Record<string, unknown>): ActionAnswer {
    const index = body['index'];
    if (typeof index !== 'number' || !Number.isInteger(index))
      return { status: 400, message: 'Which step? Expected {"index": <step number from 0>}.' };
    if (this.ended) return { status: 409, message: 'The drill is over.' };
    if (this.practice) return this.answered(this.practice.markStep(index));
    const d = this.drill;
    if (!d?.running || !d.manualSteps || !this.clock)
      return { status: 409, message: 'No manual recovery is waiting for a person now.' };
    if (index < 0 || index >= d.manualSteps.length)
      return { status: 400, message: `There is no step ${index + 1}: the runbook has ${d.manualSteps.length}.` };
    if (d.people.steps.some((s) => s.index === index))
      return { status: 409, message: `Step ${index + 1} is already marked done.` };
    d.people.steps.push({ index, at: this.clock.now() });
    this.invalidate();
    return { status: 200, message: `Step ${index + 1} marked done.` };
  }

  private ack(): ActionAnswer {
    if (this.ended) return { status: 409, message: 'The drill is over.' };
    if (this.practice) return this.answered(this.practice.ack());
    const d = this.drill;
    if (!d?.running || !this.clock) return { status: 409, message: 'No drill is running.' };
    const firing = [...this.firing.values()];
    if (firing.length === 0 || this.ackedUpTo >= this.alertSeq)
      return { status: 409, message: 'No new alert to acknowledge.' };
    d.people.acks.push({ at: this.clock.now(), alerts: firing });
    this.ackedUpTo = this.alertSeq;
    this.invalidate();
    return { status: 200, message: `Acknowledged ${firing.length} alert${firing.length === 1 ? '' : 's'}.` };
  }

  /** A command typed in `gameday node shell` during a drill of `gameday run` (practice records its own). */
  private shell(body: Record<string, unknown>): ActionAnswer {
    const { node, command, exitCode } = body;
    if (
      typeof node !== 'string' ||
      node.length > 253 ||
      typeof command !== 'string' ||
      command.length > 4096 ||
      typeof exitCode !== 'number' ||
      !Number.isInteger(exitCode)
    )
      return { status: 400, message: 'Expected {"node": <name>, "command": <line>, "exitCode": <integer>}.' };
    if (this.practice) return { status: 409, message: 'A practice session records its shell itself.' };
    const d = this.drill;
    if (this.ended || !d?.running || !this.clock) return { status: 409, message: 'No drill is running.' };
    (d.people.shell ??= []).push({ at: this.clock.now(), node, command, exitCode });
    this.invalidate();
    return { status: 200, message: 'recorded' };
  }

  private hint(): ActionAnswer {
    if (this.ended) return { status: 409, message: 'The session is over.' };
    if (!this.practice) return { status: 409, message: 'Hints are for practice sessions.' };
    return this.answered(this.practice.hint());
  }

  private answered(a: ActionAnswer): ActionAnswer {
    this.invalidate();
    return a;
  }

  // ---- rendering ----------------------------------------------------------------------------------------

  private invalidate(): void {
    if (this.ended || this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, FLUSH_MS);
  }

  private snapshot(): PatchOp[] {
    const ops: PatchOp[] = [...this.fragments].map(([id, html]) => ({ op: 'html', id, html }));
    ops.push(this.clockOp());
    if (this.ended) ops.push({ op: 'end' });
    return ops;
  }

  private clockOp(): PatchOp {
    const c = this.clock;
    const speed = c && c.mode === 'real' ? ((c as { speed?: number }).speed ?? 1) : 0;
    return { op: 'clock', now: c?.now() ?? Date.now(), speed, running: !this.ended && c !== undefined };
  }

  private pending: PatchOp[] = [];

  private setFragment(id: string, html: string): void {
    if (this.fragments.get(id) === html) return;
    this.fragments.set(id, html);
    this.pending.push({ op: 'html', id, html });
  }

  /** Render every fragment from the current state and send the ones that changed. */
  private flush(): void {
    if (this.ended) {
      if (this.pending.length) this.server.send([...this.pending.splice(0), this.clockOp(), { op: 'end' }]);
      return;
    }
    try {
      this.renderAll();
    } catch (err) {
      this.setFragment('waiting', `<span class="bad">the page could not be drawn: ${e(errorMessage(err))}</span>`);
    }
    this.server.send([...this.pending.splice(0), this.clockOp()]);
  }

  private renderAll(): void {
    const now = this.clock?.now() ?? Date.now();
    const d = this.drill;
    const view = d?.view(now);
    const practice = this.practice ? safe(() => this.practice!.view()) : undefined;
    const hideDrill = this.o.mode === 'practice' && d?.final === undefined;

    this.setFragment('head', this.headHtml(practice));
    this.setFragment('queue', render.queue(this.queueEntries));
    this.setFragment('phases', view && !hideDrill ? render.phaseStrip(view, d?.running ?? false) : '');
    this.setFragment('waiting', d?.running && d.waiting && !hideDrill ? `waiting for ${e(d.waiting)}` : '');
    this.setFragment(
      'targets',
      practice ? render.countdowns(practiceCountdowns(practice, now)) : d ? render.countdowns(d.countdowns(now)) : '',
    );
    const snap = this.clusters?.snapshot() ?? [];
    this.setFragment('clusters', render.nodeTiles(snap));
    this.setFragment('workloads', render.workloads(snap));
    this.setFragment('chart', view && !hideDrill ? render.chart(view) : '');
    const start = view?.startedAt ?? practice?.startedAt ?? now;
    this.setFragment('actions', d && !hideDrill ? render.actionRows(this.actionLog, start) : '');
    if (practice) {
      const origin = practice.injectedAt ?? practice.startedAt;
      const items = practice.hints.map((text, i) => {
        const done = practice.stepsDone.find((s) => s.index === i);
        return i < practice.hintsUsed ? { text, ...(done ? { doneAt: done.at } : {}) } : { text: '', hidden: true };
      });
      const open = practice.status === 'injected';
      const more = practice.hintsUsed < practice.hints.length && open;
      this.setFragment(
        'checklist',
        items.length || open
          ? render.checklist(
              items,
              origin,
              open,
              more
                ? `<p class="hint"><button type="button" class="secondary" data-action="hint">Show the next step (a hint: -5 points)</button></p>`
                : '',
            )
          : '',
      );
      this.setFragment(
        'alerts',
        render.alerts(practice.alerts, origin, {
          ...(practice.ackAt !== undefined ? { at: practice.ackAt } : {}),
          open: open && practice.alerts.length > 0,
        }),
      );
      this.setFragment('transcript', render.transcript(practice.transcript, origin));
    } else {
      const steps = d?.manualSteps;
      this.setFragment(
        'checklist',
        steps && view
          ? render.checklist(
              steps.map((text, i) => {
                const done = d.people.steps.find((s) => s.index === i);
                return { text, ...(done ? { doneAt: done.at } : {}) };
              }),
              view.startedAt,
              d.running,
            )
          : '',
      );
      const lastAck = d?.people.acks.at(-1)?.at;
      this.setFragment(
        'alerts',
        d && (this.alertLines.length || d.running)
          ? render.alerts(this.alertLines, start, {
              ...(lastAck !== undefined && this.ackedUpTo >= this.alertSeq ? { at: lastAck } : {}),
              open: d.running && this.firing.size > 0 && this.ackedUpTo < this.alertSeq,
            })
          : '',
      );
      const typed = d?.people.shell ?? [];
      this.setFragment(
        'transcript',
        typed.length
          ? render.transcript(
              typed.map((l) => ({ at: l.at, kind: 'shell', text: l.command, node: l.node, exitCode: l.exitCode })),
              start,
            )
          : '',
      );
    }
    this.setFragment('done', this.doneSections.join('\n'));
  }

  private headHtml(practice?: PracticeView): string {
    const parts = [`<span class="app">gameday war room</span>`];
    const d = this.drill;
    const sub = (text: string, since?: number): string =>
      `<span class="sub">${text}${since !== undefined && !this.ended ? ` · <span data-since="${since}"></span>` : ''}</span>`;
    if (this.o.mode === 'platform') {
      parts.push(`<span class="title">${e(this.o.title)}</span>`, sub(e(this.platformText)));
    } else if (this.ended && this.o.mode === 'run' && this.queueEntries.length > 1) {
      const passed = this.queueEntries.filter((q) => q.state === 'pass').length;
      parts.push(
        `<span class="title">${e(this.o.title)}</span>`,
        sub(`over · ${passed} of ${this.queueEntries.length} passed`),
      );
    } else if (d) {
      const exp = d.loaded.experiment;
      const of = this.queueEntries.length > 1 ? `drill ${d.index + 1} of ${this.queueEntries.length} · ` : '';
      const state = this.ended
        ? `over · ${practice?.status ?? d.final?.verdict.toUpperCase() ?? ''}`
        : this.o.mode === 'practice'
          ? `practice: ${practice?.status ?? 'waiting'}`
          : d.final
            ? d.final.verdict.toUpperCase()
            : (d.result?.phases.at(-1)?.name ?? 'starting');
      parts.push(
        `<span class="title">${e(exp.title)}</span>`,
        sub(
          `${e(of)}<code>${e(exp.id)}</code> · target ${e(this.drillTarget?.kind ?? '')}${e(speedWords(this.clock))} · ${e(state)}`,
          d.running && this.o.mode === 'run' ? d.result?.startedAt : practice?.startedAt,
        ),
      );
    } else {
      parts.push(`<span class="title">${e(this.o.title)}</span>`, sub(this.ended ? 'over' : 'starting'));
    }
    return parts.join('');
  }

  // ---- feeds of one drill -------------------------------------------------------------------------------

  private watchDrillAlerts(target: Target, loaded: LoadedExperiment): void {
    const cluster = loaded.experiment.clusters?.[0] ?? target.clusters()[0];
    if (!cluster) return;
    const kube = target.kube(cluster);
    let stopped = false;
    this.stopAlerts = () => {
      stopped = true;
    };
    const onAlert = (ev: AlertEvent): void => {
      this.alertLines.push({ at: ev.alert.at, type: ev.type, text: ev.alert.text });
      if (ev.type === 'firing') {
        if (!ev.alert.key.startsWith('restart/')) this.firing.set(ev.alert.key, ev.alert.text);
        this.alertSeq++;
      } else this.firing.delete(ev.alert.key);
      this.invalidate();
    };
    watchAlerts({
      clock: target.clock,
      informers: {
        nodes: kube.informer('nodes'),
        deployments: kube.informer('deployments'),
        statefulsets: kube.informer('statefulsets'),
        pods: kube.informer('pods'),
      },
      rules: new AlertRules(loaded.experiment.clusters && loaded.experiment.clusters.length > 1 ? { cluster } : {}),
      onAlert,
    }).then(
      (stop) => {
        if (stopped) stop();
        else this.stopAlerts = stop;
      },
      () => undefined,
    );
  }

  private endFeeds(): void {
    this.stopActions?.();
    this.stopActions = undefined;
    this.stopAlerts?.();
    this.stopAlerts = undefined;
    this.clusters?.stop();
  }
}

function safe<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

function speedWords(clock: Clock | undefined): string {
  if (!clock) return '';
  if (clock.mode === 'virtual') return ' · virtual clock';
  const speed = (clock as { speed?: number }).speed ?? 1;
  return speed === 1 ? ' · real time' : ` · ${speed}x real time`;
}

/** The people's own targets in practice: acknowledge and recover, from the fault, once the first alert fired. */
function practiceCountdowns(p: PracticeView, now: number): Countdown[] {
  if (p.injectedAt === undefined || p.alerts.length === 0) return [];
  const inj = p.injectedAt;
  const over = p.status !== 'injected';
  const one = (
    name: 'acknowledge' | 'recover',
    allowed: number | undefined,
    at: number | undefined,
  ): Countdown | undefined => {
    if (allowed === undefined) return undefined;
    const deadline = inj + allowed;
    const base = { name, label: `time to ${name}`, allowed, deadline, from: 'from the fault' };
    if (at !== undefined)
      return { ...base, measured: at - inj, state: at - inj <= allowed ? 'met' : 'missed', ticking: false };
    return { ...base, state: over || now > deadline ? 'missed' : 'running', ticking: !over };
  };
  return [one('acknowledge', p.targets.acknowledge, p.ackAt), one('recover', p.targets.recover, p.recoveredAt)].filter(
    (c): c is Countdown => c !== undefined,
  );
}
