import { expect } from 'chai';
import { labelNodes } from '../../src/recovery/label-nodes.js';
import { fakeContext, node } from '../kit/fake-context.js';

describe('label-nodes', () => {
  it('sets and removes labels and annotations on the named nodes with one merge patch each', async () => {
    const f = fakeContext({ objects: { nodes: [node('w1'), node('w2')] } });
    await labelNodes.run(f.ctx, {
      nodes: { names: ['w1', 'w2'] },
      labels: { pool: 'canary', old: null },
      annotations: { 'example.com/owner': 'sre' },
    });
    const patch = '{"metadata":{"labels":{"pool":"canary","old":null},"annotations":{"example.com/owner":"sre"}}}';
    expect(f.calls).to.have.members([`patch nodes w1 merge ${patch}`, `patch nodes w2 merge ${patch}`]);
    expect(labelNodes.describe({ nodes: { names: ['w1'] }, labels: { pool: 'canary', old: null } })).to.equal(
      'Label w1: `kubectl label node w1 pool=canary old- --overwrite`.',
    );
  });

  it('refuses to run with nothing to change', async () => {
    const f = fakeContext({ objects: { nodes: [node('w1')] } });
    const err = await labelNodes.run(f.ctx, { nodes: { names: ['w1'] } }).catch((e: unknown) => e);
    expect((err as Error).message).to.contain('label-nodes needs "labels" or "annotations"');
  });
});
