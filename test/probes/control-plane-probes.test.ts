import { expect } from 'chai';
import { apiWritable } from '../../src/probes/api-writable.js';
import { etcdDataIntact } from '../../src/probes/etcd-data-intact.js';
import { etcdHealthy } from '../../src/probes/etcd-healthy.js';
import { etcdWriter } from '../../src/probes/etcd-writer.js';
import { httpOk } from '../../src/probes/http-ok.js';
import { leaderElected } from '../../src/probes/leader-elected.js';
import { closeFakes, fakeContext, member } from '../kit/fake-context.js';

const three = () => [member('etcd1', '10.128.38.1'), member('etcd2', '10.128.38.2'), member('etcd3', '10.128.38.3')];

describe('control-plane and etcd probes', () => {
  afterEach(closeFakes);

  it('leader-elected fails when the lease runs out without a renewal, at the instant it expires', async () => {
    const f = fakeContext();
    const renew = (at: number) => ({
      metadata: { name: 'kube-scheduler', namespace: 'kube-system' },
      spec: { holderIdentity: '10.128.38.1_abc', leaseDurationSeconds: 15, renewTime: new Date(at).toISOString() },
    });
    f.put('leases', renew(f.clock.now()));
    const h = await leaderElected.start(f.ctx, { component: 'kube-scheduler' });
    expect(h.evaluate()).to.deep.equal({ ok: true, observed: 'leader 10.128.38.1_abc' });
    const start = f.clock.now();
    const lostAt = await f.clock.waitFor(() => !h.evaluate().ok && f.clock.now(), {
      timeoutMs: 60_000,
      what: 'lease expiry',
    });
    expect(lostAt - start).to.equal(15_001);
    f.put('leases', renew(f.clock.now()));
    expect(h.evaluate().ok).to.equal(true);
    h.stop();
  });

  it('etcd-writer seeds 100 keys, then writes every 100 ms and times refused writes from the writes themselves', async () => {
    const f = fakeContext({ members: three() });
    const t0 = f.clock.now();
    const writer = await etcdWriter.start(f.ctx, {});
    const writes = f.state.writes.get('business')!;
    expect(writes).to.have.length(100);
    expect(f.clock.now()).to.equal(t0);
    expect(writer.evaluate().ok).to.equal(true);
    await f.clock.sleep(9_050);
    f.etcd.refuseWrites = true;
    await f.clock.sleep(10_000);
    const refused = writer.evaluate();
    expect(refused.ok).to.equal(false);
    expect(refused.observed).to.match(/^write \/gameday\/writer\/\d{8}-\w{8} refused: etcdserver: request timed out$/);
    f.etcd.refuseWrites = false;
    await f.clock.sleep(200);
    expect(writer.evaluate().ok).to.equal(true);
    writer.stop();
    // Refused from the write sent at +9100 to the one acknowledged at +19100.
    expect(writer.unavailableMs?.()).to.equal(10_000);
    expect(writes.length).to.equal(100 + 91 + 2);
    for (const w of writes) expect(f.etcd.data.has(w.key)).to.equal(true);
  });

  it('etcd-data-intact compares every snapshotted key with the value written and names a changed or deleted one', async () => {
    const f = fakeContext({ members: three() });
    const writer = await etcdWriter.start(f.ctx, {});
    await f.clock.sleep(1_000);
    writer.stop();
    // A write sent just before the stop is answered after it.
    await f.clock.sleep(100);
    const writes = f.state.writes.get('business')!;
    f.state.snapshots.set('business', [{ path: 's.db', revision: f.etcd.revision, keys: 0, takenAt: f.clock.now() }]);
    const intact = await etcdDataIntact.start(f.ctx, {});
    expect(intact.evaluate()).to.deep.equal({
      ok: true,
      observed: `${writes.length}/${writes.length} keys acknowledged before the snapshot at revision ${f.etcd.revision} hold their values`,
    });
    intact.stop();
    const [first, second] = writes;
    f.etcd.data.set(first!.key, 'overwritten');
    f.etcd.data.delete(second!.key);
    const check = await etcdDataIntact.start(f.ctx, {});
    expect(check.evaluate()).to.deep.equal({
      ok: false,
      observed: `2/${writes.length} keys acknowledged before the snapshot at revision ${f.etcd.revision} lost: ${first!.key} (changed), ${second!.key} (missing)`,
    });
    expect(f.state.values.get('dataSafety')).to.deep.equal({
      keysBeforeSnapshot: writes.length,
      minKeys: 100,
      lostBeforeSnapshot: 2,
      writtenAfterSnapshot: 0,
      lostAfterSnapshot: 0,
      lostKeys: [
        { key: first!.key, why: 'changed' },
        { key: second!.key, why: 'missing' },
      ],
    });
    check.stop();
  });

  it('etcd-data-intact fails when fewer snapshotted keys were compared than declared', async () => {
    const f = fakeContext({ members: three() });
    const writer = await etcdWriter.start(f.ctx, { seedKeys: 3 });
    writer.stop();
    f.state.snapshots.set('business', [{ path: 's.db', revision: f.etcd.revision, keys: 0, takenAt: f.clock.now() }]);
    const intact = await etcdDataIntact.start(f.ctx, {});
    expect(intact.evaluate()).to.deep.equal({
      ok: false,
      observed: `only 3 keys acknowledged before the snapshot at revision ${f.etcd.revision} to compare, fewer than the 100 declared (minKeys)`,
    });
    intact.stop();
    const fewer = await etcdDataIntact.start(f.ctx, { minKeys: 3 });
    expect(fewer.evaluate().ok).to.equal(true);
    fewer.stop();
  });

  it('etcd-healthy wants every endpoint healthy and the member count it started with', async () => {
    const f = fakeContext({ members: three(), running: ['etcd1'] });
    const h = await etcdHealthy.start(f.ctx, {});
    expect(h.evaluate().ok).to.equal(false);
    expect(h.evaluate().observed).to.match(/^1\/3 endpoints healthy, 3\/3 members; /);
    await f.etcd.startMember('etcd2');
    await f.etcd.startMember('etcd3');
    await f.clock.sleep(3_000);
    expect(h.evaluate()).to.deep.equal({ ok: true, observed: '3/3 endpoints healthy, 3/3 members' });
    h.stop();
  });

  it('api-writable creates and deletes a ConfigMap in the gameday namespace; http-ok reads a raw API path', async () => {
    const f = fakeContext();
    const api = await apiWritable.start(f.ctx, {});
    const http = await httpOk.start(f.ctx, { path: '/readyz' });
    api.stop();
    http.stop();
    expect(api.evaluate()).to.deep.equal({
      ok: true,
      observed: 'created and deleted configmap gameday/gameday-api-writable-1',
    });
    expect(http.evaluate()).to.deep.equal({ ok: true, observed: 'GET /readyz: 200' });
    expect(f.calls).to.deep.equal([
      'create namespaces gameday',
      'create configmaps gameday/gameday-api-writable-1',
      'delete configmaps gameday/gameday-api-writable-1',
    ]);
  });
});
