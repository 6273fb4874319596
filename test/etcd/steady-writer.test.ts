import { expect } from 'chai';
import { VirtualClock } from '../../src/engine/clock.js';
import { SteadyWriter } from '../../src/etcd/steady-writer.js';
import type { WriteResult } from '../../src/targets/target.js';

/** An etcd stand-in: refuses writes between `downFrom` and `downUntil`, and can forget keys (a restore). */
class FakeEtcd {
  readonly data = new Map<string, string>();
  revision = 1;
  downFrom = Infinity;
  downUntil = Infinity;
  constructor(private readonly clock: VirtualClock) {}
  write(key: string, value: string): Promise<WriteResult> {
    const now = this.clock.now();
    if (now >= this.downFrom && now < this.downUntil) {
      return Promise.resolve({ ok: false, error: 'etcdserver: request timed out' });
    }
    this.revision++;
    this.data.set(key, value);
    return Promise.resolve({ ok: true, revision: this.revision });
  }
  read(prefix: string): Promise<Map<string, string>> {
    return Promise.resolve(new Map([...this.data].filter(([k]) => k.startsWith(prefix))));
  }
}

describe('SteadyWriter', () => {
  it('measures the write-unavailability window from the first refused write to the first accepted one after it', async () => {
    const clock = new VirtualClock(0);
    const etcd = new FakeEtcd(clock);
    etcd.downFrom = 1_050;
    etcd.downUntil = 4_000;
    const writer = new SteadyWriter(etcd, clock, { intervalMs: 100 });
    writer.start();
    await clock.sleep(5_000);
    await writer.stop();
    expect(writer.firstRefusal).to.deep.include({ at: 1_100, error: 'etcdserver: request timed out' });
    expect(writer.firstAcceptedAfterRefusal?.at).to.equal(4_000);
    expect(writer.writeUnavailableMs()).to.equal(2_900);
    expect(writer.refusedCount).to.equal(29);
    expect(writer.acked[0]?.key).to.equal('/gameday/writer/00000001');
  });

  it('counts keys acknowledged before the snapshot that a recovery lost, and those after it apart', async () => {
    const clock = new VirtualClock(0);
    const etcd = new FakeEtcd(clock);
    const writer = new SteadyWriter(etcd, clock, { intervalMs: 100 });
    writer.start();
    await clock.sleep(1_000);
    const snapshot = { path: '/s.db', revision: etcd.revision, keys: etcd.data.size, takenAt: clock.now() };
    const snapshotted = new Map(etcd.data);
    await clock.sleep(500);
    await writer.stop();
    // A restore brings back exactly the snapshot; one snapshotted key is then lost by a bug to be caught.
    etcd.data.clear();
    for (const [k, v] of snapshotted) etcd.data.set(k, v);
    etcd.data.delete('/gameday/writer/00000003');

    const safety = await writer.verify(etcd, snapshot);
    expect(safety.keysBeforeSnapshot).to.equal(snapshotted.size);
    expect(safety.lostBeforeSnapshot).to.equal(1);
    expect(safety.missingBeforeSnapshot).to.deep.equal(['/gameday/writer/00000003']);
    expect(safety.writtenAfterSnapshot).to.equal(writer.acked.length - snapshotted.size);
    expect(safety.lostAfterSnapshot).to.equal(safety.writtenAfterSnapshot);
    expect(safety.writeUnavailableMs).to.equal(0);
  });

  it('leaves writes acknowledged after the given instant out of the after-snapshot count', async () => {
    const clock = new VirtualClock(0);
    const etcd = new FakeEtcd(clock);
    const writer = new SteadyWriter(etcd, clock, { intervalMs: 100 });
    writer.start();
    await clock.sleep(1_000);
    const snapshot = { path: '/s.db', revision: etcd.revision, keys: 0, takenAt: clock.now() };
    await clock.sleep(1_000);
    await writer.stop();
    const safety = await writer.verify(etcd, snapshot, { until: 1_450 });
    expect(safety.writtenAfterSnapshot).to.equal(5);
    expect(safety.lostAfterSnapshot).to.equal(0);
  });
});
