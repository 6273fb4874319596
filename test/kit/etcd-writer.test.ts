import { expect } from 'chai';
import { VirtualClock } from '../../src/engine/clock.js';
import { SteadyWriter, checkData, outageWindows, valueHash, type AckedWrite } from '../../src/kit/etcd-writer.js';
import type { WriteResult } from '../../src/targets/target.js';

/**
 * An etcd stand-in on the virtual clock: a write commits after `latencyMs`; one sent while the cluster is
 * down (from `downFrom` to `downUntil`) waits for its `timeoutMs` and is refused, as etcdctl put
 * --command-timeout is when the member it reached has no quorum and is then replaced by a restore.
 */
class FakeEtcd {
  readonly data = new Map<string, string>();
  revision = 1;
  downFrom = Infinity;
  downUntil = Infinity;
  inFlight = 0;
  maxInFlight = 0;
  constructor(
    private readonly clock: VirtualClock,
    private readonly latencyMs = 2,
    private readonly timeoutMs = 1000,
  ) {}
  async write(key: string, value: string): Promise<WriteResult> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const issued = this.clock.now();
      if (issued >= this.downFrom && issued < this.downUntil) {
        await this.clock.sleep(this.timeoutMs);
        return { ok: false, error: 'etcdserver: request timed out' };
      }
      await this.clock.sleep(this.latencyMs);
      this.data.set(key, value);
      return { ok: true, revision: ++this.revision };
    } finally {
      this.inFlight--;
    }
  }
  read(prefix: string): Promise<Map<string, string>> {
    return Promise.resolve(new Map([...this.data].filter(([k]) => k.startsWith(prefix))));
  }
}

describe('SteadyWriter and the data-safety check', () => {
  it('seeds keys of its own before the steady pace, each acknowledged with the hash of its value', async () => {
    const clock = new VirtualClock(0);
    const etcd = new FakeEtcd(clock);
    const writer = new SteadyWriter(etcd, clock, { seedKeys: 100 });
    await writer.seed();
    expect(writer.acked).to.have.length(100);
    const keys = new Set(writer.acked.map((a) => a.key));
    expect(keys.size).to.equal(100);
    for (const a of writer.acked) {
      expect(a.key).to.match(/^\/gameday\/writer\/\d{8}-[0-9a-f]{8}$/);
      expect(a.valueHash).to.equal(valueHash(etcd.data.get(a.key)!));
    }
    // Another writer never writes the same keys.
    const other = new SteadyWriter(etcd, clock, { seedKeys: 3 });
    await other.seed();
    expect(other.acked.filter((a) => keys.has(a.key))).to.deep.equal([]);
    clock.close();
  });

  it('times the outage from the first refused write sent to the first acknowledgement after it, to 100 ms', async () => {
    const clock = new VirtualClock(0);
    const etcd = new FakeEtcd(clock);
    etcd.downFrom = 1_050;
    etcd.downUntil = 3_150;
    const writer = new SteadyWriter(etcd, clock, { seedKeys: 0, intervalMs: 100 });
    writer.start();
    await clock.sleep(2_500);
    expect(writer.refusing()).to.equal(true);
    await clock.sleep(3_500);
    await writer.stop();
    expect(writer.refusing()).to.equal(false);
    // The write sent at 1100 is the first the dead cluster refused (a second later); the one sent at 3200,
    // while ten refused ones are still waiting out their timeouts, is acknowledged 2 ms later. A writer
    // sending one write at a time would have sent it only at 4100, when the one sent at 3100 timed out.
    expect(writer.refused[0]).to.deep.include({ issuedAt: 1_100, at: 2_100 });
    expect(writer.outages()).to.deep.equal([{ from: 1_100, to: 3_202, open: false }]);
    expect(writer.longestOutageMs()).to.equal(2_102);
    expect(etcd.maxInFlight).to.be.within(10, 11);
    clock.close();
  });

  it('merges windows from writes answered out of order, and reports an open outage up to now', () => {
    // Sent at 10000, refused at 11000; sent at 10050, acknowledged at 10060: writes were back by then.
    expect(outageWindows([{ issuedAt: 10_000 }], [{ at: 10_060 }], 12_000)).to.deep.equal([
      { from: 10_000, to: 10_060, open: false },
    ]);
    expect(
      outageWindows([{ issuedAt: 1_000 }, { issuedAt: 1_500 }, { issuedAt: 5_000 }], [{ at: 2_000 }], 6_000),
    ).to.deep.equal([
      { from: 1_000, to: 2_000, open: false },
      { from: 5_000, to: 6_000, open: true },
    ]);
  });

  it('counts a snapshotted key lost when it is missing or holds another value, and names it', () => {
    const w = (key: string, at: number, revision: number, value = key): AckedWrite => ({
      key,
      issuedAt: at - 1,
      at,
      revision,
      valueHash: valueHash(value),
    });
    const writes = [w('k1', 10, 2), w('k2', 20, 3), w('k3', 30, 4), w('k4', 60, 6)];
    const snap = { path: 's.db', revision: 4, keys: 3, takenAt: 50 };
    const stored = new Map([
      ['k1', 'k1'],
      ['k2', 'tampered'],
    ]);
    expect(checkData(writes, stored, snap)).to.deep.equal({
      keysBeforeSnapshot: 3,
      lostBeforeSnapshot: 2,
      writtenAfterSnapshot: 1,
      lostAfterSnapshot: 1,
      lost: [
        { key: 'k2', why: 'changed' },
        { key: 'k3', why: 'missing' },
      ],
    });
  });

  it("classifies keys acknowledged before the snapshot but missing from a lagging member's snapshot as lost", () => {
    // The cluster committed k3 and k4 (revisions 4, 5) without the member that was later snapshotted: its
    // snapshot stops at revision 3. Acknowledged before the snapshot started: they had to be in it.
    const w = (key: string, at: number, revision: number): AckedWrite => ({
      key,
      issuedAt: at,
      at,
      revision,
      valueHash: valueHash(key),
    });
    const writes = [w('k1', 10, 2), w('k2', 20, 3), w('k3', 30, 4), w('k4', 40, 5), w('k5', 200, 4)];
    const lagging = { path: 's.db', revision: 3, keys: 2, takenAt: 100 };
    const stored = new Map([
      ['k1', 'k1'],
      ['k2', 'k2'],
      ['k5', 'k5'],
    ]);
    const c = checkData(writes, stored, lagging);
    expect(c.lost.map((l) => l.key)).to.deep.equal(['k3', 'k4']);
    expect(c.keysBeforeSnapshot).to.equal(4);
    // k5 came after the snapshot (the restored cluster reuses revision 4): written after, and present.
    expect(c.writtenAfterSnapshot).to.equal(1);
    expect(c.lostAfterSnapshot).to.equal(0);
  });

  it('verify reads the keys back through the target and leaves writes after `until` out', async () => {
    const clock = new VirtualClock(0);
    const etcd = new FakeEtcd(clock);
    const writer = new SteadyWriter(etcd, clock, { seedKeys: 10 });
    await writer.seed();
    writer.start();
    await clock.sleep(1_000);
    const snapshot = { path: '/s.db', revision: etcd.revision, keys: 0, takenAt: clock.now() };
    const snapshotted = new Map(etcd.data);
    await clock.sleep(1_000);
    await writer.stop();
    etcd.data.clear();
    for (const [k, v] of snapshotted) etcd.data.set(k, v);
    const safety = await writer.verify(etcd, snapshot, { until: 1_500 });
    expect(safety.keysBeforeSnapshot).to.equal(snapshotted.size);
    expect(safety.lostBeforeSnapshot).to.equal(0);
    expect(safety.writtenAfterSnapshot).to.equal(5);
    expect(safety.lostAfterSnapshot).to.equal(5);
    clock.close();
  });
});
