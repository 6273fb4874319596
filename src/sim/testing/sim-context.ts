import { VirtualClock } from '../../engine/clock.js';
import { Random } from '../../engine/random.js';
import type { ControlPlaneComponentName, ControlPlaneState, SimContext } from '../context.js';
import { EventRecorder } from '../events.js';
import { DEFAULT_PARAMS, type SimParams } from '../params.js';
import { Store } from '../store/store.js';
import { WorkQueue } from '../work-queue.js';

export interface SimContextOptions {
  cluster?: string;
  seed?: number;
  /** Overrides of Kubernetes' defaults. */
  params?: Partial<SimParams>;
  /** Virtual start time (ms since the epoch). */
  start?: number;
  /** Default: every component always active (controllers under test without a control plane). */
  controlPlane?: ControlPlaneState;
}

/** A SimContext on a virtual clock, as tests build one; `advance` moves time and surfaces simulator errors. */
export interface TestSimContext extends SimContext {
  readonly clock: VirtualClock;
  /** Let `ms` of virtual time pass, then throw the first error a timer or reconcile raised meanwhile. */
  advance(ms: number): Promise<void>;
  /** Throw the first error a timer or reconcile raised so far. */
  checkErrors(): void;
}

/** A control plane whose components are always serving. */
export class AlwaysActiveControlPlane implements ControlPlaneState {
  active(_component: ControlPlaneComponentName): boolean {
    return true;
  }
  onChange(): () => void {
    return () => undefined;
  }
}

export function makeSimContext(opts: SimContextOptions = {}): TestSimContext {
  const clock = new VirtualClock(opts.start);
  const store = new Store(clock, opts.cluster ?? 'sim');
  const queue = new WorkQueue(clock);
  const checkErrors = (): void => {
    const errs = [...clock.takeErrors(), ...queue.takeErrors()];
    if (errs.length > 0) throw errs[0] instanceof Error ? errs[0] : new Error(String(errs[0]));
  };
  return {
    cluster: opts.cluster ?? 'sim',
    store,
    clock,
    random: new Random(opts.seed ?? 1),
    params: { ...DEFAULT_PARAMS, ...opts.params },
    queue,
    events: new EventRecorder(store, clock),
    controlPlane: opts.controlPlane ?? new AlwaysActiveControlPlane(),
    async advance(ms: number): Promise<void> {
      await clock.sleep(ms);
      checkErrors();
    },
    checkErrors,
  };
}
