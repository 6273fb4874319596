import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Experiment } from '../../src/experiment/types.js';
import { InfrastructureError } from '../../src/errors.js';
import { Journal } from '../../src/engine/journal.js';
import { builtinPlugins, type AnyFault, type AnyProbe, type AnyStep, type Plugins } from '../../src/engine/plugins.js';
import { runExperiment, type Progress } from '../../src/engine/runner.js';
import type { RunResult } from '../../src/report/result.js';
import type { KubeObject } from '../../src/kube/objects.js';
import type { ResourceName } from '../../src/kube/resources.js';
import type { EtcdMember } from '../../src/targets/target.js';
import { fakeContext, type Fake } from '../kit/fake-context.js';

/**
 * A small world for driving the runner through every ending on the virtual clock: named flags that probes
 * watch, faults that lower a flag and raise it again on revert, steps that raise it after a while, and a log
 * of everything done in order. Faults and reverts can be told to fail; a step can hang until the drill is
 * aborted. Nothing here is a simulator: it is the smallest world in which the runner's rules can be seen.
 */
export class World {
  readonly log: string[] = [];
  readonly flags = new Map<string, boolean>();
  /** Fault ids whose injection throws (after logging it: the fault may be half-applied). */
  readonly failInject = new Set<string>();
  /** Fault id -> how many more of its reverts throw. */
  readonly failRevert = new Map<string, number>();
  /** Called as each injection starts, to look at the world at that instant. */
  onInject: ((id: string) => void) | undefined;
  /** What hangs (an injection, a probe's start) waits for this, and no abort signal ends the wait. */
  private releaseHung!: () => void;
  readonly hung = new Promise<void>((resolve) => (this.releaseHung = resolve));

  /** Let whatever hangs go on. */
  release(): void {
    this.releaseHung();
  }

  constructor(
    readonly fake: Fake,
    flags: Record<string, boolean> = { app: true },
  ) {
    for (const [k, v] of Object.entries(flags)) this.flags.set(k, v);
  }

  set(flag: string, value: boolean): void {
    this.flags.set(flag, value);
    this.fake.clock.notify();
  }

  /** Injections and reverts in the order they happened, e.g. ["inject a", "inject b", "revert b", "revert a"]. */
  faultLog(): string[] {
    return this.log.filter((l) => l.startsWith('inject ') || l.startsWith('revert '));
  }
}

interface FaultParams {
  id: string;
  /** The flag the fault lowers, `lowerAfterMs` after the injection (default at once). */
  breaks?: string;
  lowerAfterMs?: number;
  /** How long the injection itself takes (a host that is slow to power off). */
  injectMs?: number;
  /**
   * The injection waits for `world.release()`, deaf to the abort signal, then acts on the host (`freeze`)
   * before it lowers its flag: what a fault stuck in its own code does once it gets going again.
   */
  hangInject?: boolean;
  /** The injection's host call stays under way until `world.release()` (an ssh that does not answer). */
  hangHost?: boolean;
  nodes?: string[];
  members?: string[];
  workloads?: string[];
}

function fakeFault(world: World): AnyFault {
  return {
    name: 'fake-fault',
    summary: 'Lowers a flag; raises it again on revert.',
    params: {},
    plan: (_ctx, raw) => {
      const p = raw as unknown as FaultParams;
      return Promise.resolve({
        ...(p.nodes ? { nodes: p.nodes } : {}),
        ...(p.members ? { members: p.members } : {}),
        ...(p.workloads ? { workloads: p.workloads } : {}),
        data: { id: p.id },
      });
    },
    inject: async (ctx, raw) => {
      const p = raw as unknown as FaultParams;
      world.log.push(`inject ${p.id}`);
      world.onInject?.(p.id);
      ctx.target.actions.record({
        at: ctx.clock.now(),
        cluster: ctx.cluster,
        kind: 'command',
        text: `inject ${p.id}`,
        dryRun: ctx.dryRun,
      });
      if (p.injectMs) await ctx.clock.sleep(p.injectMs);
      if (p.hangInject) {
        await world.hung;
        await ctx.nodes.freeze(p.id, 'pause');
      }
      if (p.hangHost) {
        world.fake.holdHostCalls(world.hung);
        await ctx.nodes.freeze(p.id, 'pause');
      }
      if (world.failInject.has(p.id)) throw new InfrastructureError(`${p.id}: the host refused`);
      const breaks = p.breaks;
      if (breaks) {
        if (p.lowerAfterMs) ctx.clock.setTimer(p.lowerAfterMs, () => world.set(breaks, false));
        else world.set(breaks, false);
      }
      world.log.push(`injected ${p.id}`);
    },
    revert: (_ctx, raw) => {
      const p = raw as unknown as FaultParams;
      world.log.push(`revert ${p.id}`);
      const failures = world.failRevert.get(p.id) ?? 0;
      if (failures > 0) {
        world.failRevert.set(p.id, failures - 1);
        return Promise.reject(new InfrastructureError(`${p.id}: the API did not answer`));
      }
      if (p.breaks) world.set(p.breaks, true);
      return Promise.resolve();
    },
    describe: (raw) => `fake fault ${(raw as unknown as FaultParams).id}`,
  };
}

interface StepParams {
  /** The flag the step raises once it has taken `takesMs`. */
  fixes?: string;
  takesMs?: number;
  fail?: boolean;
  /** Wait until the drill is aborted (a step that does not end by itself). */
  hang?: boolean;
  /** Leave a data-safety measure in the drill's state, as the etcd verification does. */
  dataSafety?: Record<string, number>;
}

function fakeStep(world: World): AnyStep {
  return {
    name: 'fake-step',
    summary: 'Raises a flag after a while, or fails, or hangs.',
    params: {},
    run: async (ctx, raw) => {
      const p = raw as StepParams;
      world.log.push(`step ${p.fixes ?? (p.fail ? 'fail' : p.hang ? 'hang' : 'nothing')}`);
      if (p.hang) await ctx.clock.waitFor(() => false, { timeoutMs: 86_400_000, what: 'forever', signal: ctx.signal });
      if (p.takesMs) await ctx.clock.sleep(p.takesMs, ctx.signal);
      if (p.fail) throw new InfrastructureError('the step failed');
      if (p.dataSafety) ctx.state.values.set('dataSafety', p.dataSafety);
      if (p.fixes) world.set(p.fixes, true);
    },
    describe: (raw) => `fake step ${JSON.stringify(raw)}`,
  };
}

function flagProbe(world: World): AnyProbe {
  return {
    name: 'flag',
    summary: 'A flag has the wanted value.',
    params: {},
    mode: 'watch',
    start: (_ctx, raw) => {
      const {
        flag,
        want = true,
        stopThrows,
        hangStart,
      } = raw as {
        flag: string;
        want?: boolean;
        stopThrows?: boolean;
        hangStart?: boolean;
      };
      world.log.push(`probe start ${flag}`);
      // A probe whose start hangs (its first list against an API that does not answer), deaf to aborts.
      const started = hangStart ? world.hung : Promise.resolve();
      return started.then(() => ({
        evaluate: () => {
          const now = world.flags.get(flag) ?? false;
          return { ok: now === want, observed: `${flag}=${now}` };
        },
        stop: () => {
          world.log.push(`probe stop ${flag}`);
          if (stopThrows) throw new Error(`${flag}: the watch would not close`);
        },
      }));
    },
    describe: (raw) => {
      const { flag, want = true } = raw as { flag: string; want?: boolean };
      return `${flag} is ${want ? 'up' : 'down'}`;
    },
  };
}

/** The built-in plugins and the world's own, so that a drill can mix them (a real step after a fake fault). */
export function worldPlugins(world: World): Plugins {
  return {
    faults: { ...builtinPlugins.faults, 'fake-fault': fakeFault(world) },
    steps: { ...builtinPlugins.steps, 'fake-step': fakeStep(world) },
    probes: { ...builtinPlugins.probes, flag: flagProbe(world) },
  };
}

/**
 * The app flag goes down at injection, is seen down 10 s later (detect), a step raises it after 20 s
 * (time-to-Ready 20 s), and the revert leaves it up.
 */
export function fakeDrill(over: Partial<Experiment> = {}): Experiment {
  return {
    id: 'fake-drill',
    title: 'A fake drill',
    description: 'The smallest drill the runner can run.',
    runbook: 'T',
    steadyState: [{ type: 'flag', flag: 'app' }],
    faults: [{ type: 'fake-fault', id: 'a', breaks: 'app', lowerAfterMs: 10_000 }],
    detect: [{ type: 'flag', flag: 'app', want: false }],
    recovery: { mode: 'automatic', steps: [{ type: 'fake-step', fixes: 'app', takesMs: 20_000 }] },
    verify: [{ type: 'flag', flag: 'app' }],
    targets: { timeToDetect: '1m', timeToReady: '1m' },
    ...over,
  };
}

export interface FakeRun {
  result: RunResult;
  world: World;
  journal: Journal | undefined;
  journalDir: string;
  progress: Progress[];
}

export interface FakeRunOptions {
  world?: (fake: Fake) => World;
  /** Called once the world exists, before the drill starts (to arm failures or timers). */
  arrange?: (world: World, journalDir: string) => void;
  signal?: AbortSignal;
  dryRun?: boolean;
  objects?: Partial<Record<ResourceName, KubeObject[]>>;
  members?: EtcdMember[];
  seed?: number;
}

/** Run a drill on a fake target whose clock is virtual; the journal (if one was written) is read back. */
export async function runFake(exp: Experiment, o: FakeRunOptions = {}): Promise<FakeRun> {
  const fake = fakeContext({
    ...(o.objects ? { objects: o.objects } : {}),
    ...(o.members ? { members: o.members } : {}),
    ...(o.dryRun ? { dryRun: true } : {}),
  });
  const world = o.world ? o.world(fake) : new World(fake);
  const journalDir = mkdtempSync(join(tmpdir(), 'gameday-engine-test-'));
  o.arrange?.(world, journalDir);
  const progress: Progress[] = [];
  const result = await runExperiment({ file: 'fake.json', experiment: exp }, fake.ctx.target, {
    seed: o.seed ?? 1,
    dryRun: o.dryRun ?? false,
    signal: o.signal ?? new AbortController().signal,
    journalDir,
    journalTarget: { kind: 'sim', embedded: true },
    onProgress: (p) => progress.push(p),
    plugins: worldPlugins(world),
  });
  const files = readdirSync(journalDir).filter((n) => n.endsWith('.json'));
  const journal = files[0] ? Journal.read(join(journalDir, files[0])) : undefined;
  return { result, world, journal, journalDir, progress };
}
