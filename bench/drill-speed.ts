/**
 * The runner's cost on the simulator, one drill at a time:
 *  - a 15-minute simulated node-crash drill on the default topology: wall time and the speed-up over real
 *    time (target: at least 1,000x);
 *  - API requests the drill makes (watch-based probes: a few dozen at most, whatever the drill's duration),
 *    compared between a 15-minute and a 60-minute drill of the same shape;
 *  - start-up: wall time from the start of the run to the first fault.
 *
 *   npx tsx bench/drill-speed.ts [runs=5] [--record]
 *
 * Prints its figures; --record also writes them to bench/results/drill-speed.txt.
 */
import type { Experiment } from '../src/experiment/types.js';
import { runExperiment } from '../src/engine/runner.js';
import { SimTarget } from '../src/targets/sim/sim-target.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchArgs, benchOutput } from './record.js';

const runs = Number(benchArgs[0] ?? 5);
const out = benchOutput('drill-speed');

/** D1 host crash, the host repaired after `repair`: detection ~40 s, then the repair, then Ready. */
function hostCrash(repair: string): Experiment {
  return {
    id: `bench-host-crash-${repair}`,
    title: 'host crash, repaired',
    description: 'bench',
    runbook: 'D1',
    clusters: ['business'],
    steadyState: [{ type: 'no-notready-nodes' }, { type: 'all-workloads-available' }],
    faults: [{ type: 'power-off-node', nodes: { names: ['10.128.38.10'] } }],
    detect: [{ type: 'node-ready', nodes: { from: 'faults' }, ready: false }],
    recovery: {
      mode: 'automatic',
      steps: [
        { type: 'cordon', nodes: { from: 'faults' } },
        { type: 'wait', duration: repair },
        { type: 'power-on-node', nodes: { from: 'faults' } },
        { type: 'uncordon', nodes: { from: 'faults' } },
      ],
    },
    verify: [{ type: 'no-notready-nodes' }, { type: 'all-workloads-available' }],
    timeouts: { verify: '2h', recover: '2h' },
  };
}

interface Sample {
  virtualS: number;
  wallMs: number;
  speedup: number;
  requests: number;
  startupMs: number;
  setupMs: number;
}

async function once(e: Experiment): Promise<Sample> {
  const t0 = performance.now();
  const target = await SimTarget.create({ seed: 1 });
  const setupMs = performance.now() - t0;
  const before = Object.values(target.requestCounts()).reduce((a, b) => a + b, 0);
  try {
    const r = await runExperiment({ file: `${e.id}.json`, experiment: e }, target, {
      seed: 1,
      dryRun: false,
      signal: new AbortController().signal,
      journalDir: mkdtempSync(join(tmpdir(), 'gameday-bench-')),
      journalTarget: { kind: 'sim', embedded: true },
    });
    if (r.verdict !== 'pass') throw new Error(`${e.id}: ${r.verdict}: ${r.error ?? ''}`);
    const requests = Object.values(target.requestCounts()).reduce((a, b) => a + b, 0) - before;
    const virtualS = (r.endedAt - r.startedAt) / 1000;
    return {
      virtualS,
      wallMs: r.wallMs,
      speedup: (virtualS * 1000) / r.wallMs,
      requests,
      startupMs: r.timings.startupWallMs ?? NaN,
      setupMs,
    };
  } finally {
    await target.close();
  }
}

const stat = (xs: number[]): string => {
  const s = [...xs].sort((a, b) => a - b);
  const med = s[Math.floor(s.length / 2)]!;
  return `min ${s[0]!.toFixed(0)} / median ${med.toFixed(0)} / max ${s.at(-1)!.toFixed(0)}`;
};

for (const repair of ['13m', '58m']) {
  const samples: Sample[] = [];
  await once(hostCrash(repair)); // warm-up
  for (let i = 0; i < runs; i++) samples.push(await once(hostCrash(repair)));
  out.say(`host crash repaired after ${repair} (${samples[0]!.virtualS.toFixed(0)} s simulated), ${runs} runs:`);
  out.say(`  drill wall time ms      ${stat(samples.map((s) => s.wallMs))}`);
  out.say(`  speed-up over real time ${stat(samples.map((s) => s.speedup))} x`);
  out.say(`  API requests per drill  ${stat(samples.map((s) => s.requests))}`);
  out.say(`  start-up to first fault ${stat(samples.map((s) => s.startupMs))} ms (after the simulator is up)`);
  out.say(`  simulator start + settle ${stat(samples.map((s) => s.setupMs))} ms`);
}
await out.done();
process.exit(0);
