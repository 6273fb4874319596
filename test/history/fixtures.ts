import type { RunResult, TargetCheck } from '../../src/report/result.js';

/** The virtual clock's start: every simulator run begins here, whenever it ran. */
export const VIRTUAL_T0 = Date.UTC(2025, 0, 1);
/** Wall-clock instants a week apart, as a weekly CronJob would record them. */
export const WEEK = 7 * 24 * 3600 * 1000;
export const MONDAY = Date.UTC(2025, 5, 2, 3, 0, 0);

export interface RunSpec {
  id?: string;
  detect?: number;
  ready?: number;
  verdict?: RunResult['verdict'];
  seed?: number;
  target?: RunResult['target'];
  clock?: RunResult['clock'];
  /** Real-clock start; ignored on the virtual clock. */
  startedAt?: number;
  title?: string;
}

/** A D1 run on the simulator with targets detect <= 1m, Ready <= 10m: only the timings vary. */
export function drillRun(spec: RunSpec = {}): RunResult {
  const id = spec.id ?? 'd1-host-crash';
  const detect = spec.detect ?? 42_000;
  const ready = spec.ready ?? 310_000;
  const clock = spec.clock ?? 'virtual';
  const startedAt = clock === 'real' ? (spec.startedAt ?? MONDAY) : VIRTUAL_T0;
  const checks: TargetCheck[] = [
    { name: 'timeToDetect', allowed: 60_000, measured: detect, ok: detect <= 60_000, message: '' },
    { name: 'timeToReady', allowed: 600_000, measured: ready, ok: ready <= 600_000, message: '' },
  ];
  const verdict = spec.verdict ?? (checks.every((c) => c.ok) ? 'pass' : 'fail');
  return {
    experiment: {
      id,
      title: spec.title ?? 'D1 Host crash',
      file: `experiments/${id}.json`,
      runbook: 'D1 操作系统宕机',
      description: 'A worker powers off.',
      tags: ['node'],
    },
    target: spec.target ?? 'sim',
    seed: spec.seed ?? 1,
    dryRun: false,
    verdict,
    clock,
    startedAt,
    endedAt: startedAt + 60_000 + detect + ready,
    wallMs: 350,
    timings: { timeToDetect: detect, timeToReady: ready, timeToRecover: detect + 60_000 + ready },
    checks,
    phases: [],
    faults: [],
    steps: [],
    probes: [],
    timeline: [],
    actions: [],
    rollback: { ok: true, reverted: [], errors: [] },
  };
}
