import { expect } from 'chai';
import { sweepScratch, SCRATCH_LABEL } from '../../src/kit/namespace.js';
import { apiWritable } from '../../src/probes/api-writable.js';
import { simHarness, type SimHarness } from '../kit/sim-context.js';

/** What a killed run can leave of api-writable's scratch ConfigMaps, and why it breaks nothing (issue 15). */
describe('api-writable probe (on the simulator)', function () {
  this.timeout(60_000);
  let h: SimHarness;

  beforeEach(async () => {
    h = await simHarness('control');
  });
  afterEach(async () => {
    await h.close();
  });

  const scratch = async (): Promise<string[]> =>
    (await h.ctx.kube.list('configmaps', { labelSelector: SCRATCH_LABEL })).items.map((c) => c.metadata.name);

  it('passes beside scratch ConfigMaps a killed run left (no name clash), and leaves none of its own', async () => {
    // Two killed runs' leftovers, under the names the probe's first writes used to take.
    await h.ctx.kube.create('namespaces', { metadata: { name: 'gameday' } });
    for (const name of ['gameday-api-writable-1', 'gameday-api-writable-2'])
      await h.ctx.kube.create('configmaps', {
        metadata: { name, namespace: 'gameday', labels: { [SCRATCH_LABEL]: 'api-writable' } },
      });
    const a = await apiWritable.start(h.ctx, {});
    const b = await apiWritable.start(h.ctx, {});
    await h.ctx.clock.sleep(5_000);
    a.stop();
    b.stop();
    expect(a.evaluate().ok, a.evaluate().observed).to.equal(true);
    expect(b.evaluate().ok, b.evaluate().observed).to.equal(true);
    expect((await scratch()).sort()).to.deep.equal(['gameday-api-writable-1', 'gameday-api-writable-2']);
    // `gameday rollback`'s sweep removes them.
    expect((await sweepScratch(h.ctx.kube)).sort()).to.deep.equal([
      'gameday/gameday-api-writable-1',
      'gameday/gameday-api-writable-2',
    ]);
    expect(await scratch()).to.deep.equal([]);
  });
});
