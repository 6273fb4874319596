import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Experiment, LoadedExperiment } from '../../src/experiment/types.js';
import { runExperiment, type RunOptions } from '../../src/engine/runner.js';
import { SimTarget } from '../../src/targets/sim/sim-target.js';
import { loadTopology } from '../../src/sim/topology/load-topology.js';
import type { RunResult } from '../../src/report/result.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `gameday-${prefix}-`));
}

/** The D6 drill as a test experiment, with overrides. */
export function kubeletDrill(overrides: Partial<Experiment> = {}): Experiment {
  return {
    id: 'test-kubelet-stopped',
    title: 'kubelet stopped on a worker',
    description: 'test drill',
    runbook: 'D6',
    clusters: ['business'],
    steadyState: [{ type: 'no-notready-nodes' }, { type: 'all-workloads-available' }],
    faults: [{ type: 'stop-kubelet', nodes: { names: ['10.128.38.10'] } }],
    detect: [{ type: 'node-ready', nodes: { from: 'faults' }, ready: false }],
    recovery: {
      mode: 'automatic',
      steps: [{ type: 'restart-service', service: 'kubelet', nodes: { from: 'faults' } }],
    },
    verify: [{ type: 'no-notready-nodes' }, { type: 'all-workloads-available' }],
    targets: { timeToDetect: '60s', timeToReady: '2m' },
    ...overrides,
  };
}

export function writeExperiment(dir: string, e: Experiment): string {
  const file = join(dir, `${e.id}.json`);
  writeFileSync(file, JSON.stringify({ $schema: '../schemas/experiment.schema.json', ...e }, null, 2));
  return file;
}

/** Run one experiment on a fresh simulator; returns the result and the (closed) target. */
export async function runOnSim(
  e: Experiment,
  options: Partial<RunOptions> & { keepOpen?: boolean; topology?: string; file?: string } = {},
): Promise<{ result: RunResult; target: SimTarget }> {
  const { keepOpen, topology: topologyFile, file, ...runOptions } = options;
  const topology = topologyFile ? loadTopology(topologyFile) : undefined;
  const target = await SimTarget.create({
    seed: options.seed ?? 1,
    dryRun: options.dryRun ?? false,
    ...(topology ? { topology: topology.topology, params: topology.params } : {}),
  });
  const loaded: LoadedExperiment = { file: file ?? `${e.id}.json`, experiment: e };
  try {
    const result = await runExperiment(loaded, target, {
      seed: 1,
      dryRun: false,
      signal: new AbortController().signal,
      journalDir: tempDir('journal'),
      journalTarget: { kind: 'sim', embedded: true },
      ...runOptions,
    });
    return { result, target };
  } finally {
    if (!keepOpen) await target.close();
  }
}
