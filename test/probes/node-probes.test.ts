import { expect } from 'chai';
import { noNotReadyNodes } from '../../src/probes/no-notready-nodes.js';
import { nodeReady } from '../../src/probes/node-ready.js';
import { nodeSchedulable } from '../../src/probes/node-schedulable.js';
import { fakeContext, node } from '../kit/fake-context.js';

describe('node probes', () => {
  it('node-ready with ready: false detects the NotReady node at the event that shows it', async () => {
    const f = fakeContext({ objects: { nodes: [node('10.128.38.7'), node('10.128.38.8')] } });
    const h = await nodeReady.start(f.ctx, { nodes: { names: ['10.128.38.8'] }, ready: false });
    expect(h.evaluate()).to.deep.equal({ ok: false, observed: '10.128.38.8 Ready=True' });
    const start = f.clock.now();
    f.clock.setTimer(40_000, () => f.put('nodes', node('10.128.38.8', { ready: 'Unknown' })));
    const at = await f.clock.waitFor(() => h.evaluate().ok && f.clock.now(), { timeoutMs: 600_000, what: 'NotReady' });
    expect(at - start).to.equal(40_000);
    expect(h.evaluate().observed).to.equal('10.128.38.8 Ready=Unknown (NodeStatusUnknown)');
    h.stop();
  });

  it('no-notready-nodes names the NotReady nodes, and passes when every node is Ready', async () => {
    const f = fakeContext({
      objects: { nodes: [node('a'), node('b', { ready: 'Unknown' }), node('c', { ready: 'False' })] },
    });
    const h = await noNotReadyNodes.start(f.ctx, {});
    expect(h.evaluate()).to.deep.equal({ ok: false, observed: '2 of 3 NotReady: b, c' });
    f.put('nodes', node('b'));
    f.put('nodes', node('c'));
    expect(h.evaluate()).to.deep.equal({ ok: true, observed: 'all 3 nodes Ready' });
  });

  it('node-schedulable sees a cordoned node as SchedulingDisabled', async () => {
    const f = fakeContext({ objects: { nodes: [node('a', { unschedulable: true })] } });
    f.state.affectedNodes.set('business', ['a']);
    const h = await nodeSchedulable.start(f.ctx, {});
    expect(h.evaluate()).to.deep.equal({ ok: false, observed: 'a SchedulingDisabled' });
    f.put('nodes', node('a'));
    expect(h.evaluate().ok).to.equal(true);
  });
});
