import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadExperiments } from '../../src/experiment/load.js';
import type { Experiment, LoadedExperiment } from '../../src/experiment/types.js';
import type { RunResult } from '../../src/report/result.js';
import { runOnSim } from './support.js';

const DIR = 'experiments';
const MANUAL_DIR = join(DIR, 'manual');
/** Every drill and sub-drill of ../shared/drills.md: each needs at least one experiment tagged with it. */
const DRILLS = [
  'd1',
  'd2',
  'd3',
  'd4',
  'd4a',
  'd4b',
  'd4c',
  'd5',
  'd6',
  'd7',
  'd8',
  'd9',
  'd10',
  'd11',
  'd12',
  'd13',
  's1',
  's2',
  's3',
  's4',
];

const jsonFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
    .sort()
    .map((f) => join(dir, f));

/** The same experiment with one target made impossible: the one the passing run measured above 1 s. */
function impossible(
  e: Experiment,
  passed: RunResult,
): { experiment: Experiment; target: 'timeToReady' | 'timeToDetect' } {
  const target = (passed.timings.timeToReady ?? 0) > 1000 ? 'timeToReady' : 'timeToDetect';
  return { experiment: { ...e, targets: { ...e.targets, [target]: '1s' } }, target };
}

const LABEL = { timeToReady: 'time-to-Ready', timeToDetect: 'time-to-detect' } as const;

describe('the drill catalogue (experiments/) on the simulator', function () {
  // Each drill runs twice on a fresh simulated platform; the virtual clock makes a 15-minute drill take < 1 s.
  this.timeout(30_000);
  const files = jsonFiles(DIR);
  let loaded: LoadedExperiment[] = [];
  before(async () => {
    loaded = await loadExperiments([DIR]);
  });

  it('has an experiment for every drill of drills.md, each citing its runbook and naming its file after its id', () => {
    expect(loaded.map((l) => l.file)).to.deep.equal(files);
    for (const { file, experiment: e } of loaded) {
      expect(file, e.id).to.equal(join(DIR, `${e.id}.json`));
      expect(e.$schema, e.id).to.equal('../schemas/experiment.schema.json');
      expect(e.id.split('-')[0], e.id).to.be.oneOf(DRILLS);
      expect(e.tags, e.id).to.include(e.id.split('-')[0]);
      expect(e.description, e.id).to.match(/runbook/i);
      expect(e.verify.length, e.id).to.be.above(0);
      expect(Object.keys(e.targets ?? {}).length, `${e.id} has targets`).to.be.above(0);
    }
    const tagged = new Set(loaded.flatMap((l) => l.experiment.tags ?? []));
    expect(DRILLS.filter((d) => !tagged.has(d))).to.deep.equal([]);
  });

  for (const file of files) {
    it(`${file} passes, and fails naming the missed target when a target is 1 s`, async () => {
      const l = loaded.find((x) => x.file === file)!;
      const { result } = await runOnSim(l.experiment);
      expect(
        result.verdict,
        `${l.experiment.id}: ${
          result.error ??
          result.checks
            .filter((c) => !c.ok)
            .map((c) => c.message)
            .join('; ')
        }`,
      ).to.equal('pass');
      expect(result.rollback.ok, result.rollback.errors.join('; ')).to.equal(true);

      const { experiment, target } = impossible(l.experiment, result);
      const failed = (await runOnSim(experiment)).result;
      expect(failed.verdict, `${experiment.id} with ${target} 1s`).to.equal('fail');
      const missed = failed.checks.filter((c) => !c.ok);
      expect(missed.map((c) => c.name)).to.deep.equal([target]);
      expect(missed[0]?.message).to.match(
        new RegExp(`^${LABEL[target]} \\d+(\\.\\d+)?(ms|s|m\\d\\ds) exceeds the target 1s$`),
      );
    });
  }

  describe("timings agree with Kubernetes' defaults", () => {
    const run = async (id: string): Promise<RunResult> => {
      const l = loaded.find((x) => x.experiment.id === id);
      if (!l) throw new Error(`no experiment ${id}`);
      return (await runOnSim(l.experiment)).result;
    };

    it('D1: a crashed host is detected NotReady 30-45 s after the crash (node-monitor grace period 40 s)', async () => {
      for (const id of ['d1-host-crash', 'd1-host-lost'])
        expect((await run(id)).timings.timeToDetect, id).to.be.within(30_000, 45_000);
    });

    it('D5: pods move about 300 s after NotReady with the default toleration, and within seconds with 3 s', async () => {
      const slow = await run('d5-node-unreachable');
      const fast = await run('d5-node-unreachable-3s');
      expect(slow.timings.timeToReady).to.be.within(300_000, 330_000);
      expect(fast.timings.timeToReady).to.be.below(30_000);
    });
  });
});

describe('the manual drills that need a person (experiments/manual/)', function () {
  this.timeout(30_000);
  const files = jsonFiles(MANUAL_DIR);

  it('are manual variants of catalogue drills, which `gameday run experiments/` does not read', async () => {
    expect(files.length).to.be.above(0);
    const loaded = await loadExperiments([MANUAL_DIR]);
    for (const { file, experiment: e } of loaded) {
      expect(file).to.equal(join(MANUAL_DIR, `${e.id}.json`));
      expect(e.id).to.match(/-manual$/);
      expect(e.tags).to.include('manual');
      expect(e.recovery.mode).to.equal('manual');
      expect(e.description).to.contain('experiments/manual/');
    }
    const top = (await loadExperiments([DIR])).map((l) => l.file);
    expect(top.filter((f) => f.startsWith(MANUAL_DIR))).to.deep.equal([]);
  });

  for (const file of files) {
    it(`${file} passes when the person carries out its steps`, async () => {
      const [l] = await loadExperiments([file]);
      const e = l!.experiment;
      const { result } = await runOnSim({ ...e, recovery: { ...e.recovery, mode: 'automatic' } });
      expect(result.verdict, result.error).to.equal('pass');
    });
  }
});
