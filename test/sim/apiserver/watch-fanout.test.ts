import { expect } from 'chai';
import { VirtualClock } from '../../../src/engine/clock.js';
import { WatchEncoder } from '../../../src/sim/apiserver/watch-encoding.js';
import { WatchFanout, type FanoutMember } from '../../../src/sim/apiserver/watch-fanout.js';
import { Store } from '../../../src/sim/store/store.js';
import { pod } from './fixture.js';

/** A member that records the names in the chunks it is handed, and how many events each chunk held. */
function member(): FanoutMember & { names: string[]; counts: number[] } {
  const names: string[] = [];
  const counts: number[] = [];
  return {
    names,
    counts,
    deliver(chunk, events) {
      counts.push(events);
      for (const line of chunk.split('\n').filter(Boolean))
        names.push((JSON.parse(line) as { object: { metadata: { name: string } } }).object.metadata.name);
    },
  };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('watch fan-out', () => {
  it('hands every member of a group the changes of one turn as one chunk, encoding each object once', async () => {
    const store = new Store(new VirtualClock());
    const encoder = new WatchEncoder();
    const fanout = new WatchFanout(store, encoder);
    const a = member();
    const b = member();
    fanout.join('pods', Store.parse(), a);
    fanout.join('pods', Store.parse(), b);
    for (let i = 0; i < 3; i++) store.create('pods', pod(`p-${i}`, 'node-a'));
    await turn();
    expect(a.names).to.deep.equal(['p-0', 'p-1', 'p-2']);
    expect(b.names).to.deep.equal(['p-0', 'p-1', 'p-2']);
    expect(a.counts).to.deep.equal([3]);
    expect(encoder.serialized).to.equal(3);
    expect(fanout.size).to.equal(1);
  });

  it("keeps each object's JSON as its place in the chunk sent, for replays, without serializing it again", async () => {
    const store = new Store(new VirtualClock());
    const encoder = new WatchEncoder();
    const fanout = new WatchFanout(store, encoder);
    fanout.join('pods', Store.parse(), member());
    const created = [store.create('pods', pod('p-0', 'node-a')), store.create('pods', pod('p-1', 'node-b'))];
    await turn();
    expect(encoder.serialized).to.equal(2);
    for (const obj of created) expect(encoder.objectJson(obj)).to.equal(JSON.stringify(obj));
    expect(encoder.serialized, 'replays reuse the chunk').to.equal(2);
  });

  it('gives a member that joins mid-turn only the changes after it joined (it replayed the earlier ones)', async () => {
    const store = new Store(new VirtualClock());
    const fanout = new WatchFanout(store, new WatchEncoder());
    const early = member();
    const late = member();
    fanout.join('pods', Store.parse(), early);
    store.create('pods', pod('before', 'node-a'));
    fanout.join('pods', Store.parse(), late);
    store.create('pods', pod('after', 'node-a'));
    await turn();
    expect(early.names).to.deep.equal(['before', 'after']);
    expect(late.names).to.deep.equal(['after']);
  });

  it('keeps one group per resource and selector, and stops following the store when the last member leaves', async () => {
    const store = new Store(new VirtualClock());
    const fanout = new WatchFanout(store, new WatchEncoder());
    const web = member();
    const all = member();
    const leaveWeb = fanout.join('pods', Store.parse({ labelSelector: 'app=web' }), web);
    const leaveAll = fanout.join('pods', Store.parse(), all);
    expect(fanout.size).to.equal(2);
    store.create('pods', pod('web-1', 'node-a'));
    store.create('pods', pod('db-1', 'node-a', { app: 'db' }));
    await turn();
    expect(web.names).to.deep.equal(['web-1']);
    expect(all.names).to.deep.equal(['web-1', 'db-1']);
    leaveWeb();
    leaveAll();
    expect(fanout.size).to.equal(0);
    store.create('pods', pod('web-2', 'node-a'));
    await turn();
    expect(all.names).to.deep.equal(['web-1', 'db-1']);
  });
});
