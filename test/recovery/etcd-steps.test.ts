import { expect } from 'chai';
import { etcdGrow, growPlan } from '../../src/recovery/etcd-grow.js';
import { etcdMemberReplace } from '../../src/recovery/etcd-member-replace.js';
import { etcdRestoreSingle } from '../../src/recovery/etcd-restore-single.js';
import { etcdSnapshot } from '../../src/recovery/etcd-snapshot.js';
import { etcdStartMembers } from '../../src/recovery/etcd-start-members.js';
import { InvalidInputError } from '../../src/errors.js';
import { fakeContext, member, node } from '../kit/fake-context.js';

const masters = [
  node('10.128.38.1', { master: true }),
  node('10.128.38.2', { master: true }),
  node('10.128.38.3', { master: true }),
];
const three = () => [member('etcd1', '10.128.38.1'), member('etcd2', '10.128.38.2'), member('etcd3', '10.128.38.3')];

describe('etcd recovery steps', () => {
  it('start-members starts a stopped member by name and leaves a running one alone (issue 18)', async () => {
    const f = fakeContext({ members: three(), running: ['etcd1', 'etcd3'] });
    await etcdStartMembers.run(f.ctx, { members: { names: ['etcd2', 'etcd3'] } });
    expect(f.calls).to.deep.equal(['etcd start etcd2', 'note etcd member etcd3 is already running; left alone']);
    expect(await f.etcd.running()).to.have.members(['etcd1', 'etcd2', 'etcd3']);
    const err = await etcdStartMembers.run(f.ctx, { members: { names: ['etcd9'] } }).catch((e: unknown) => e);
    expect((err as Error).message).to.contain('no etcd member named etcd9; members are: etcd1, etcd2, etcd3');
  });

  it('restore-single refuses to run without a snapshot, saying how to get one', async () => {
    const f = fakeContext({ members: three() });
    try {
      await etcdRestoreSingle.run(f.ctx, {});
      expect.fail('restored without a snapshot');
    } catch (err) {
      expect(err).to.be.instanceOf(InvalidInputError);
      expect((err as Error).message).to.contain('take one with an etcd-snapshot step');
    }
  });

  it('D4b: snapshot the survivor, restore onto it, grow back to three on the old names and hosts, apiserver on all', async () => {
    const f = fakeContext({ objects: { nodes: masters }, members: three(), running: ['etcd1'] });
    f.state.affectedMembers.set('business', ['etcd2', 'etcd3']);
    await etcdSnapshot.run(f.ctx, {});
    await etcdRestoreSingle.run(f.ctx, {});
    expect((await f.etcd.members()).map((m) => m.name)).to.deep.equal(['etcd1']);
    expect(await growPlan(f.ctx, 3)).to.deep.equal([
      { name: 'etcd2', node: '10.128.38.2' },
      { name: 'etcd3', node: '10.128.38.3' },
    ]);
    await etcdGrow.run(f.ctx, {});
    expect(f.calls.filter((c) => c.startsWith('etcd'))).to.deep.equal([
      'etcd snapshot',
      'etcd restore etcd1 /tmp/snapshot.db',
      'etcd member add etcd2 on 10.128.38.2',
      'etcd member add etcd3 on 10.128.38.3',
      // Grown back, kube-apiserver no longer hangs on the one restored member.
      'etcd point apiserver etcd1,etcd2,etcd3',
    ]);
  });

  it('D4c: with every member down, restores onto the first by name and grows onto free masters', async () => {
    const f = fakeContext({ objects: { nodes: masters }, members: three(), running: [] });
    f.state.affectedMembers.set('business', ['etcd1', 'etcd2', 'etcd3']);
    f.state.snapshots.set('business', [{ path: '/tmp/old.db', revision: 5, keys: 10, takenAt: 0 }]);
    await etcdRestoreSingle.run(f.ctx, {});
    f.state.values.clear();
    expect(await growPlan(f.ctx, 3)).to.deep.equal([
      { name: 'etcd-10.128.38.2', node: '10.128.38.2' },
      { name: 'etcd-10.128.38.3', node: '10.128.38.3' },
    ]);
  });

  it('member-replace removes and re-adds each faulted member on its own host', async () => {
    const f = fakeContext({ members: three(), running: ['etcd1', 'etcd2'] });
    f.state.affectedMembers.set('business', ['etcd3']);
    await etcdMemberReplace.run(f.ctx, {});
    expect(f.calls.filter((c) => c.startsWith('etcd'))).to.deep.equal([
      'etcd member remove etcd3',
      'etcd member add etcd3 on 10.128.38.3',
    ]);
  });
});
