import { expect } from 'chai';
import { VirtualClock } from '../../src/engine/clock.js';
import { makeContext } from '../../src/engine/context.js';
import { Random } from '../../src/engine/random.js';
import { InvalidInputError } from '../../src/errors.js';
import { fillNodeDisk } from '../../src/faults/fill-node-disk.js';
import { nodeMemoryPressure } from '../../src/faults/node-memory-pressure.js';
import { newRunState, type PluginContext } from '../../src/kit/plugin.js';
import { conditionOf } from '../../src/kube/objects.js';
import { createKindTarget } from '../../src/targets/kind/kind-target.js';
import { createLabTarget } from '../../src/targets/lab/lab-target.js';
import { ActionLog } from '../../src/targets/target.js';
import { simHarness } from '../kit/sim-context.js';
import { FakeKind, WORKERS } from '../targets/kind/fake-kind.js';
import { stubKube } from '../targets/kind/stub-kube.js';
import { FakeLab } from '../targets/lab/fake-lab.js';

const LAB_PROFILE = new URL('../targets/lab/fixtures/qingzhou-lab.json', import.meta.url).pathname;

function contextOn(target: Parameters<typeof makeContext>[0]['target'], cluster: string): PluginContext {
  return makeContext(
    {
      target,
      random: new Random(1),
      state: newRunState(),
      signal: new AbortController().signal,
      dryRun: false,
      note: () => undefined,
    },
    cluster,
  );
}

describe('node pressure means one thing on every target (issue 13 item 9)', function () {
  this.timeout(30_000);

  it('issue 13 item 9: kind refuses memory and disk pressure when the drill is planned, before anything changes', async () => {
    const fake = new FakeKind();
    const actions = new ActionLog();
    const nodes = WORKERS.map((name) => ({ metadata: { name } }));
    const stub = stubKube({ nodes });
    const target = await createKindTarget({
      clock: new VirtualClock(),
      actions,
      exec: fake.exec,
      makeKube: () => stub.kube,
    });
    const ctx = contextOn(target, 'gameday');
    for (const [fault, why] of [
      [fillNodeDisk, /turns disk-based eviction off/],
      [nodeMemoryPressure, /sharing this machine's memory/],
    ] as const) {
      const err = await fault.plan(ctx, { nodes: { names: [WORKERS[0]!] } }).catch((e: unknown) => e);
      expect(err, fault.name).to.be.instanceOf(InvalidInputError);
      expect((err as Error).message).to.match(why);
      expect((err as Error).message).to.match(/Nothing was changed\.$/);
    }
    expect(actions.entries.filter((a) => !a.readOnly)).to.deep.equal([]);
    expect(stub.created).to.deep.equal([]);
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
