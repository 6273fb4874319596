import { expect } from 'chai';
import { parseMemberAdd } from '../../../src/targets/common/etcdctl-output.js';

describe('etcdctl output as the kind and lab targets read it', () => {
  it('reads the new member ID from member add, space-padded when it starts with a zero nibble', () => {
    // etcd 3.4 on the proving ground: member a9f37d321fb0c72 was added, never promoted, and D4c failed.
    const padded =
      'Member  a9f37d321fb0c72 added to cluster 746def44f59a81d4\n\nETCD_NAME="cp3"\nETCD_INITIAL_CLUSTER="cp3=https://10.0.0.13:2380,cp=https://10.0.0.11:2380"\n';
    expect(parseMemberAdd(padded)).to.deep.equal({
      id: 'a9f37d321fb0c72',
      initialCluster: 'cp3=https://10.0.0.13:2380,cp=https://10.0.0.11:2380',
    });
    expect(parseMemberAdd('Member 2be1eb8f84b7f63e added to cluster  ef37ad9dc622a7c\n').id).to.equal(
      '2be1eb8f84b7f63e',
    );
  });
});
