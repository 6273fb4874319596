import { expect } from 'chai';
import { VirtualClock } from '../../../src/engine/clock.js';
import { WatchTracker } from '../../../src/engine/watch-tracker.js';
import { createKube } from '../../../src/kube/client.js';
import { KubeApiError } from '../../../src/kube/errors.js';
import { ActionLog } from '../../../src/targets/target.js';
import { http, startFixture, type Fixture } from './fixture.js';

const TIMEOUT_MESSAGE = 'Timeout: request did not complete within requested timeout - context deadline exceeded';

describe('simulated apiserver: etcd quorum lost, as clients feel it', () => {
  let f: Fixture;
  let clock: VirtualClock;
  let tracker: WatchTracker;
  beforeEach(async () => {
    clock = new VirtualClock();
    tracker = new WatchTracker(clock);
    f = await startFixture({ clock, tracker });
  });
  afterEach(async () => f.close());

  const lose = (): void => {
    f.store.availability = () => 'etcdserver: request timed out';
  };
  const cm = (name: string): unknown => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } });

  it('hangs a write for the request timeout (60 s of virtual time), then answers 504 as the timeout filter does', async () => {
    lose();
    const started = clock.now();
    const res = await http(f, '/api/v1/namespaces/default/configmaps', { method: 'POST', body: cm('x') });
    expect(clock.now() - started).to.be.within(60_000, 60_250);
    expect(res.status).to.equal(504);
    expect(res.body).to.include({ kind: 'Status', reason: 'Timeout', message: TIMEOUT_MESSAGE, code: 504 });
    expect(f.store.get('configmaps', 'default', 'x')).to.equal(undefined);
  });

  it("ends the wait at the request's own, shorter timeout, and at once for a watch-cache read", async () => {
    lose();
    let started = clock.now();
    const list = await http(f, '/api/v1/pods?timeout=10s');
    expect(clock.now() - started).to.be.within(10_000, 10_250);
    expect(list.status).to.equal(504);
    started = clock.now();
    const cached = await http(f, '/api/v1/pods?resourceVersion=0');
    expect(clock.now()).to.equal(started);
    expect(cached.body.items).to.have.length(3);
  });

  it('lets a waiting write through when quorum comes back before its deadline', async () => {
    lose();
    const started = clock.now();
    clock.setTimer(20_000, () => {
      f.store.availability = () => undefined;
    });
    const res = await http(f, '/api/v1/namespaces/default/configmaps', { method: 'POST', body: cm('late') });
    expect(res.status).to.equal(201);
    expect(clock.now() - started).to.be.within(20_000, 20_250);
    expect(f.store.get('configmaps', 'default', 'late')).to.not.equal(undefined);
  });

  it("parks gameday's own tracked request in a clock wait instead of deadlocking the virtual clock", async () => {
    const kube = createKube({
      cluster: 'test',
      config: f.kc,
      clock,
      actions: new ActionLog(),
      dryRun: false,
      tracker,
    });
    lose();
    const started = clock.now();
    const err = await kube.create('configmaps', { metadata: { name: 'y', namespace: 'default' } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(KubeApiError);
    expect((err as KubeApiError).status).to.equal(504);
    expect(clock.now() - started).to.be.within(60_000, 60_250);
    expect(clock.heldBy()).to.deep.equal([]);
    kube.close();
  });

  it('fails /readyz on its etcd check after the check’s 2 s timeout, and answers at once with quorum', async () => {
    let failing: string[] = [];
    await f.close();
    clock = new VirtualClock();
    f = await startFixture({ clock, hooks: { health: () => ({ failing }) } });
    let started = clock.now();
    expect(await http(f, '/readyz')).to.include({ status: 200, text: 'ok' });
    expect(clock.now()).to.equal(started);
    const verbose = await http(f, '/livez?verbose');
    expect(verbose.text).to.contain('[+]etcd ok').and.contain('livez check passed');
    failing = ['etcd'];
    started = clock.now();
    const bad = await http(f, '/readyz?verbose');
    expect(clock.now() - started).to.be.within(2_000, 2_250);
    expect(bad.status).to.equal(500);
    expect(bad.text).to.contain('[-]etcd failed: reason withheld').and.contain('readyz check failed');
    expect((await http(f, '/healthz')).status).to.equal(500);
    // A single check that is not etcd's answers at once.
    started = clock.now();
    expect(await http(f, '/readyz/ping')).to.include({ status: 200 });
    expect(clock.now()).to.equal(started);
  });
});
