import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Journal } from '../../../src/engine/journal.js';
import { closeFakes, node } from '../../kit/fake-context.js';
import { fakeDrill, runFake } from '../fake-drill.js';

const nodes = { nodes: [node('w1'), node('w2')] };

describe('phases/journal: the plan is checked and written down before the first change', () => {
  afterEach(closeFakes);

  it('journals every fault, with its cluster, parameters and plan, before the fault is injected', async () => {
    const seen: unknown[] = [];
    await runFake(
      fakeDrill({ faults: [{ type: 'fake-fault', id: 'a', nodes: ['w1'], name: 'x', cluster: 'business' }] }),
      {
        objects: nodes,
        arrange: (w, dir) => {
          w.onInject = () => {
            const [file] = readdirSync(dir).filter((n) => n.endsWith('.json'));
            seen.push(Journal.read(join(dir, file!)).data.faults);
          };
        },
      },
    );
    expect(seen).to.deep.equal([
      [
        {
          index: 0,
          type: 'fake-fault',
          cluster: 'business',
          params: { id: 'a', nodes: ['w1'] },
          plan: { nodes: ['w1'], data: { id: 'a' } },
          status: 'injecting',
          seq: 1,
        },
      ],
    ]);
  });

  it('refuses a blast radius larger than declared with no journal written and nothing changed', async () => {
    const { result, world, journalDir } = await runFake(
      fakeDrill({ faults: [{ type: 'fake-fault', id: 'a', nodes: ['w1', 'w2'] }] }),
      { objects: nodes },
    );
    expect(result).to.deep.include({ verdict: 'error', errorKind: 'invalid-input' });
    expect(result.error).to.contain('blast radius is too large: business: the faults would hit 2 nodes (w1, w2)');
    expect(readdirSync(journalDir)).to.deep.equal([]);
    expect(world.faultLog()).to.deep.equal([]);
  });

  it('names the fault whose selector cannot be resolved: "from": "faults" before any fault ran', async () => {
    const { result, world } = await runFake(
      fakeDrill({ faults: [{ type: 'stop-kubelet', nodes: { from: 'faults' } }] }),
      { objects: nodes },
    );
    expect(result.errorKind).to.equal('invalid-input');
    expect(result.error).to.equal(
      'fake.json: /faults/0: business: "from": "faults" selects no node: no fault of this drill hit a node.',
    );
    expect(world.fake.calls).to.deep.equal([]);
  });

  it('resolves random selectors with the run seed: the same seed plans the same nodes', async () => {
    const drill = fakeDrill({ faults: [{ type: 'stop-kubelet', nodes: { role: 'worker', count: 1 } }] });
    const plans = [];
    for (const seed of [3, 3, 4, 5, 6, 7]) {
      const { journal } = await runFake(drill, { objects: nodes, seed });
      plans.push(journal?.data.faults[0]?.plan.nodes?.[0]);
    }
    expect(plans[1]).to.equal(plans[0]);
    expect(new Set(plans).size).to.equal(2);
  });

  it('a later fault may act on the nodes an earlier one hits: "from": "faults" names the planned nodes', async () => {
    const { journal } = await runFake(
      fakeDrill({
        faults: [
          { type: 'fake-fault', id: 'a', nodes: ['w2'] },
          { type: 'stop-kubelet', nodes: { from: 'faults' } },
        ],
      }),
      { objects: nodes },
    );
    expect(journal?.data.faults.map((f) => f.plan.nodes)).to.deep.equal([['w2'], ['w2']]);
  });
});
