import { expect } from 'chai';
import { VirtualClock } from '../../src/engine/clock.js';
import { runExperiment } from '../../src/engine/runner.js';
import { loadExperiments } from '../../src/experiment/load.js';
import { nodeMemoryPressure } from '../../src/faults/node-memory-pressure.js';
import { conditionOf } from '../../src/kube/objects.js';
import { createKindTarget } from '../../src/targets/kind/kind-target.js';
import { createLabTarget } from '../../src/targets/lab/lab-target.js';
import { ActionLog } from '../../src/targets/target.js';
import { tempDir } from '../e2e/support.js';
import { simHarness } from '../kit/sim-context.js';
import { FakeKind, WORKERS } from '../targets/kind/fake-kind.js';
import { stubKube } from '../targets/kind/stub-kube.js';
import { FakeLab } from '../targets/lab/fake-lab.js';

const LAB_PROFILE = new URL('../targets/lab/fixtures/qingzhou-lab.json', import.meta.url).pathname;

describe('node pressure means one thing on every target (issue 13 item 9)', function () {
  this.timeout(30_000);

  it('issue 13 item 9: kind refuses memory and disk pressure in preflight, before anything changes', async () => {
    const [loaded] = await loadExperiments(['experiments/d3-disk-clean-logs.json']);
    for (const [type, why] of [
      ['fill-node-disk', /turns disk-based eviction off/],
      ['node-memory-pressure', /sharing this machine's memory/],
    ] as const) {
      const fake = new FakeKind();
      const actions = new ActionLog();
      const stub = stubKube({ nodes: WORKERS.map((name) => ({ metadata: { name } })) });
      const target = await createKindTarget({
        clock: new VirtualClock(),
        actions,
        exec: fake.exec,
        makeKube: () => stub.kube,
      });
      const exp = structuredClone(loaded!.experiment);
      exp.clusters = ['gameday'];
      exp.faults[0] = { type, nodes: { role: 'worker', all: true }, amount: '95%' };
      const r = await runExperiment({ ...loaded!, experiment: exp }, target, {
        seed: 1,
        dryRun: false,
        signal: new AbortController().signal,
        journalDir: tempDir('journal'),
        journalTarget: { kind: 'kind', kindCluster: 'gameday' },
      });
      expect(r.verdict, type).to.equal('error');
      expect(r.errorKind, type).to.equal('invalid-input');
      expect(r.error, type).to.match(new RegExp(`/faults/0 \\(${type}\\): this kind target cannot do it`));
      expect(r.error, type).to.match(why);
      expect(r.error, type).to.match(/Nothing was changed\.$/);
      expect(r.faults, type).to.deep.equal([]);
      expect(
        actions.entries.filter((a) => !a.readOnly),
        type,
      ).to.deep.equal([]);
      expect(stub.created, type).to.deep.equal([]);
      await target.close();
    }
  });

  it('a share of capacity is a level to fill up to on a lab host', async () => {
    // `free -b` says 6 of 16 GB in use; 50% is a ballast of 2 GB, not 8.
    const lab = new FakeLab();
    const labTarget = createLabTarget({
      profile: LAB_PROFILE,
      dryRun: true,
      clock: new VirtualClock(),
      exec: lab.exec,
    });
    await labTarget.nodes('business').pressure('10.128.38.6', 'memory', '50%');
    expect(labTarget.actions.entries.at(-1)?.text).to.include('fallocate -l 2000000000 ');
  });

  it('issue 13 item 9: a share of capacity is a level to fill up to on the simulator too, as on a lab host', async () => {
    // The simulator: filled up to 95% of its memory, pods included, a worker keeps 5% (far above the
    // kubelet's 100Mi threshold): no MemoryPressure. Taken on top of the pods it would be.
    const h = await simHarness('business');
    try {
      const worker = '10.128.38.10';
      const params = { nodes: { names: [worker] }, amount: '95%' };
      const plan = await nodeMemoryPressure.plan(h.ctx, params);
      await nodeMemoryPressure.inject(h.ctx, params, plan);
      const nodes = h.ctx.informer('nodes');
      await nodes.ready();
      await h.ctx.clock.sleep(120_000);
      expect(conditionOf(nodes.get(worker)!, 'MemoryPressure')?.status).to.equal('False');
      // Filled until only 50Mi is left (the default), it is.
      await nodeMemoryPressure.inject(h.ctx, { nodes: { names: [worker] } }, plan);
      await h.ctx.clock.waitFor(() => conditionOf(nodes.get(worker)!, 'MemoryPressure')?.status === 'True', {
        timeoutMs: 120_000,
        what: 'MemoryPressure',
      });
      await nodeMemoryPressure.revert(h.ctx, params, plan);
    } finally {
      await h.close();
    }
  });
});
