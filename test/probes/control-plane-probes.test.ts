import { expect } from 'chai';
import { apiWritable } from '../../src/probes/api-writable.js';
import { etcdDataIntact, dataSafety } from '../../src/probes/etcd-data-intact.js';
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

  it('etcd-writer records acknowledged writes and measures the refused window; data-intact finds nothing lost', async () => {
    const f = fakeContext({ members: three() });
    const writer = await etcdWriter.start(f.ctx, {});
    expect(writer.evaluate().ok).to.equal(true);
    // Writes every 2 s from t=0; refused from t=9 s to t=19 s: the first refused one is issued at 10 s, the
    // first accepted one after it at 20 s.
    await f.clock.sleep(9_000);
    f.etcd.refuseWrites = true;
    await f.clock.sleep(10_000);
    expect(writer.evaluate()).to.deep.equal({
      ok: false,
      observed: 'write /gameday/writer/00000010 refused: etcdserver: request timed out',
    });
    f.etcd.refuseWrites = false;
    await f.clock.sleep(2_000);
    expect(writer.evaluate().ok).to.equal(true);
    writer.stop();
    const writes = f.state.writes.get('business') ?? [];
    expect(writes.map((w) => w.key.slice(-2))).to.deep.equal(['01', '02', '03', '04', '05', '11']);
    expect(f.state.values.get('etcdWriter:business')).to.deep.equal({ unavailableMs: 10_000 });
    const intact = await etcdDataIntact.start(f.ctx, {});
    expect(intact.evaluate()).to.deep.equal({
      ok: true,
      observed: '6/6 keys acknowledged so far (no snapshot taken) present',
    });
    expect(f.state.values.get('dataSafety')).to.deep.include({
      keysBeforeSnapshot: 6,
      lostBeforeSnapshot: 0,
      writeUnavailableMs: 10_000,
    });
    intact.stop();
  });

  it('data safety counts keys written after the snapshot as lost by design, and keys before it as real loss', () => {
    const writes = [
      { key: 'k1', at: 1, revision: 2 },
      { key: 'k2', at: 2, revision: 3 },
      { key: 'k3', at: 3, revision: 4 },
    ];
    const snap = { path: 's.db', revision: 3, keys: 2, takenAt: 2 };
    expect(
      dataSafety(
        writes,
        new Map([
          ['k1', ''],
          ['k2', ''],
        ]),
        snap,
        0,
      ),
    ).to.deep.equal({
      keysBeforeSnapshot: 2,
      lostBeforeSnapshot: 0,
      writtenAfterSnapshot: 1,
      lostAfterSnapshot: 1,
      writeUnavailableMs: 0,
    });
    expect(dataSafety(writes, new Map([['k1', '']]), snap, 0).lostBeforeSnapshot).to.equal(1);
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
