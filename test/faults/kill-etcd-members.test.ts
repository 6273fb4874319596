import { expect } from 'chai';
import { killEtcdMembers } from '../../src/faults/kill-etcd-members.js';
import { fakeContext, member } from '../kit/fake-context.js';

const three = () => [member('etcd1', '10.128.38.1'), member('etcd2', '10.128.38.2'), member('etcd3', '10.128.38.3')];

describe('kill-etcd-members', () => {
  it('snapshots etcd before the fault, as the runbook demands, and kills the chosen members', async () => {
    const f = fakeContext({ members: three() });
    const plan = await killEtcdMembers.plan(f.ctx, { members: { names: ['etcd2', 'etcd3'] } });
    expect(plan.members).to.deep.equal(['etcd2', 'etcd3']);
    await killEtcdMembers.inject(f.ctx, {}, plan);
    expect(f.calls.filter((c) => !c.startsWith('note'))).to.deep.equal([
      'etcd snapshot before-fault',
      'etcd stop etcd2 kill',
      'etcd stop etcd3 kill',
    ]);
    expect(f.state.snapshots.get('business')).to.have.length(1);
  });

  it('revert starts the members it stopped, and not the ones already running', async () => {
    const f = fakeContext({ members: three(), running: ['etcd1', 'etcd3'] });
    await killEtcdMembers.revert(f.ctx, {}, { members: ['etcd2', 'etcd3'], data: { how: 'kill' } });
    expect(f.calls).to.deep.equal(['etcd start etcd2']);
  });

  it('after a restore removed the old members, revert is a no-op with a note, not an error', async () => {
    const f = fakeContext({ members: [member('etcd1', '10.128.38.1')] });
    await killEtcdMembers.revert(f.ctx, {}, { members: ['etcd2', 'etcd3'], data: { how: 'kill' } });
    expect(f.calls).to.deep.equal([
      'note etcd members etcd2, etcd3 no longer in the cluster where they were (removed, replaced or moved by recovery); not restarting them',
    ]);
  });

  it('resumes a paused member even when it counts as running', async () => {
    const f = fakeContext({ members: three() });
    await killEtcdMembers.revert(f.ctx, { how: 'pause' }, { members: ['etcd2'], data: { how: 'pause' } });
    expect(f.calls).to.deep.equal(['etcd start etcd2']);
  });
});
