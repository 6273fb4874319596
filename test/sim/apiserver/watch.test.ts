import { expect } from 'chai';
import { Watch } from '@kubernetes/client-node';
import { VirtualClock } from '../../../src/engine/clock.js';
import { WatchTracker } from '../../../src/engine/watch-tracker.js';
import { MAX_PENDING_EVENTS } from '../../../src/sim/apiserver/watch.js';
import { pod, rawWatch, startFixture, type Fixture } from './fixture.js';

describe('simulated apiserver: watch', () => {
  let f: Fixture;
  afterEach(async () => {
    await f.close();
  });

  it('streams changes after a resourceVersion as JSON lines, with client-node Watch', async () => {
    f = await startFixture();
    const from = f.store.resourceVersion;
    const seen: string[] = [];
    let notify!: () => void;
    const three = new Promise<void>((r) => (notify = r));
    const w = new Watch(f.kc);
    const ctl = await w.watch(
      '/api/v1/namespaces/default/pods',
      { resourceVersion: String(from), labelSelector: 'app=web' },
      (type, obj: { metadata: { name: string } }) => {
        seen.push(`${type} ${obj.metadata.name}`);
        if (seen.length === 3) notify();
      },
      () => undefined,
    );
    f.store.create('pods', pod('web-3', 'node-a'));
    f.store.create('pods', pod('other', 'node-a', { app: 'other' }));
    f.store.mutate('pods', 'default', 'web-3', (p) => {
      p.metadata.labels = { ...p.metadata.labels, x: 'y' };
    });
    f.store.remove('pods', 'default', 'web-3');
    await three;
    ctl.abort();
    expect(seen).to.deep.equal(['ADDED web-3', 'MODIFIED web-3', 'DELETED web-3']);
  });

  it('replays history from an older resourceVersion and sends 410 Expired when it is too old', async () => {
    f = await startFixture();
    const before = f.store.resourceVersion;
    f.store.create('pods', pod('late', 'node-a'));
    const replay = rawWatch(f, `/api/v1/pods?watch=true&resourceVersion=${before}`);
    await replay.waitFor(1);
    replay.close();
    expect(replay.lines[0]).to.deep.include({ type: 'ADDED' });
    expect(replay.lines[0]?.object.metadata.name).to.equal('late');

    // Push the start of the history past rv 1 by filling it beyond its capacity.
    f.store.create('configmaps', { metadata: { name: 'churn', namespace: 'default' }, data: { i: '0' } });
    for (let i = 1; i <= 100_000; i++)
      f.store.update('configmaps', { metadata: { name: 'churn', namespace: 'default' }, data: { i: String(i) } });
    const gone = rawWatch(f, '/api/v1/pods?watch=true&resourceVersion=1');
    await gone.ended;
    expect(gone.lines).to.have.length(1);
    expect(gone.lines[0]?.type).to.equal('ERROR');
    expect(gone.lines[0]?.object).to.deep.include({ kind: 'Status', status: 'Failure', reason: 'Expired', code: 410 });
  });

  it('starts with the current state as ADDED events when no resourceVersion is given', async () => {
    f = await startFixture();
    const w = rawWatch(f, '/api/v1/namespaces/default/pods?watch=1&fieldSelector=spec.nodeName%3Dnode-b');
    await w.waitFor(2);
    f.store.create('pods', pod('web-9', 'node-b'));
    await w.waitFor(3);
    w.close();
    expect(w.lines.map((l) => `${l.type} ${l.object.metadata.name as string}`)).to.deep.equal([
      'ADDED db-1',
      'ADDED web-2',
      'ADDED web-9',
    ]);
  });

  it('sends one-row Tables when kubectl get -w asks for them', async () => {
    f = await startFixture();
    const w = rawWatch(
      f,
      `/api/v1/nodes?watch=true&resourceVersion=${f.store.resourceVersion}`,
      'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
    );
    await new Promise((r) => setTimeout(r, 20));
    f.store.mutate('nodes', undefined, 'node-b', (n) => {
      n.spec = { unschedulable: true };
    });
    await w.waitFor(1);
    w.close();
    expect(w.lines[0]?.type).to.equal('MODIFIED');
    expect(w.lines[0]?.object.kind).to.equal('Table');
    expect(w.lines[0]?.object.rows[0].cells.slice(0, 2)).to.deep.equal(['node-b', 'Ready,SchedulingDisabled']);
  });

  it('closes the stream after timeoutSeconds', async () => {
    f = await startFixture();
    const w = rawWatch(f, `/api/v1/pods?watch=true&resourceVersion=${f.store.resourceVersion}&timeoutSeconds=1`);
    await w.ended;
    expect(w.lines).to.deep.equal([]);
  });

  it('sends 50 concurrent watchers every event, serializing each object once', async () => {
    f = await startFixture();
    const rv = f.store.resourceVersion;
    const watchers = Array.from({ length: 50 }, () => rawWatch(f, `/api/v1/pods?watch=true&resourceVersion=${rv}`));
    await until(() => f.server.watchStats().watches === 50);
    const before = f.server.watchStats().serialized;
    for (let i = 0; i < 20; i++) f.store.create('pods', pod(`burst-${i}`, 'node-a'));
    await Promise.all(watchers.map((w) => w.waitFor(20)));
    const stats = f.server.watchStats();
    for (const w of watchers) w.close();
    for (const w of watchers)
      expect(w.lines.map((l) => l.object.metadata.name)).to.deep.equal(
        Array.from({ length: 20 }, (_, i) => `burst-${i}`),
      );
    expect(stats.serialized - before, 'objects serialized').to.equal(20);
    expect(stats.fanoutGroups, 'one group feeds every watcher of all pods').to.equal(1);
  });

  it('closes a watcher whose client stops reading, as kube-apiserver does, while the others go on', async () => {
    f = await startFixture();
    const rv = f.store.resourceVersion;
    const stalled = rawWatch(f, `/api/v1/pods?watch=true&resourceVersion=${rv}`, undefined, { paused: true });
    const reading = rawWatch(f, `/api/v1/pods?watch=true&resourceVersion=${rv}`);
    await until(() => f.server.watchStats().watches === 2);
    const total = 3 * MAX_PENDING_EVENTS;
    // Pods of a few kilobytes, as real ones are, fill the socket's buffers well before the queue's bound.
    const note = { 'example.com/note': 'x'.repeat(2000) };
    // In turns of the loop, as a cluster's changes come: the stalled socket fills, then its queue grows.
    for (let i = 0; i < total; i += 500) {
      for (let j = i; j < i + 500; j++) {
        const p = pod(`p-${j}`, 'node-a');
        p.metadata.annotations = note;
        f.store.create('pods', p);
      }
      await new Promise((r) => setImmediate(r));
    }
    await reading.waitFor(total);
    await until(() => f.server.watchStats().watches === 1);
    reading.close();
    stalled.close();
    expect(reading.lines).to.have.length(total);
    expect(reading.lines.at(-1)?.object.metadata.name).to.equal(`p-${total - 1}`);
  });
});

/** Poll `check` each turn of the loop (up to 5 s). */
async function until(check: () => boolean): Promise<void> {
  const give = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > give) throw new Error('condition not met within 5 s');
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('simulated apiserver: virtual clock', () => {
  it('holds the clock while a request is in flight and releases it when the answer is sent', async () => {
    const clock = new VirtualClock();
    let heldDuring: string[] = [];
    const f = await startFixture({
      clock,
      hooks: {
        podLogs: () => {
          heldDuring = clock.heldBy();
          return { log: { lines: () => [{ at: 0, text: 'x' }], ended: () => true } };
        },
      },
    });
    try {
      const res = await fetch(f.url + '/api/v1/namespaces/default/pods/web-1/log', {
        headers: { authorization: `Bearer ${f.token}` },
      });
      expect(await res.text()).to.equal('x\n');
      expect(heldDuring).to.deep.equal(['api GET /api/v1/namespaces/default/pods/web-1/log']);
      await new Promise((r) => setImmediate(r));
      expect(clock.heldBy()).to.deep.equal([]);
    } finally {
      await f.close();
    }
  });

  it('does not hold the clock for a watch, but counts each tagged event on the tracker until handled', async () => {
    const clock = new VirtualClock();
    const tracker = new WatchTracker(clock);
    const f = await startFixture({ clock, tracker });
    try {
      const w = rawWatch(f, `/api/v1/pods?watch=true&resourceVersion=${f.store.resourceVersion}&gamedayWatch=w7`);
      await new Promise((r) => setTimeout(r, 50));
      expect(clock.heldBy()).to.deep.equal([]);
      f.store.create('pods', pod('tracked', 'node-a'));
      await w.waitFor(1);
      expect(clock.heldBy()).to.deep.equal(['watch event in flight (w7)']);
      tracker.handled('w7');
      expect(clock.heldBy()).to.deep.equal([]);
      f.store.create('pods', pod('tracked-2', 'node-a'));
      await w.waitFor(2);
      w.close();
      await w.ended;
      // Closing the stream releases whatever was still in flight.
      for (let i = 0; i < 20 && clock.heldBy().length > 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(clock.heldBy()).to.deep.equal([]);
    } finally {
      await f.close();
    }
  });

  it('sends a tagged watch its periodic bookmarks without holding the clock, and keeps the count of events in order', async () => {
    const clock = new VirtualClock();
    const tracker = new WatchTracker(clock);
    const f = await startFixture({ clock, tracker });
    let hold = clock.hold('test');
    try {
      const w = rawWatch(
        f,
        `/api/v1/pods?watch=true&allowWatchBookmarks=true&resourceVersion=${f.store.resourceVersion}&gamedayWatch=w9`,
      );
      await new Promise((r) => setTimeout(r, 50));
      hold();
      await clock.sleep(61_000);
      hold = clock.hold('test');
      await w.waitFor(1);
      expect(w.lines[0]!.type).to.equal('BOOKMARK');
      expect(clock.heldBy()).to.deep.equal(['test']);
      f.store.create('pods', pod('after-bookmark', 'node-a'));
      await w.waitFor(2);
      expect(clock.heldBy()).to.deep.equal(['test', 'watch event in flight (w9)']);
      // The client handles the bookmark first: that releases nothing; then the event's hold goes.
      tracker.handled('w9');
      expect(clock.heldBy()).to.deep.equal(['test', 'watch event in flight (w9)']);
      tracker.handled('w9');
      expect(clock.heldBy()).to.deep.equal(['test']);
      w.close();
      await w.ended;
    } finally {
      hold();
      await f.close();
    }
  });
});
