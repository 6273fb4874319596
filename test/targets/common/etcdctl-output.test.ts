import { expect } from 'chai';
import { parseEndpointHealth, parseMemberAdd, parseMemberList } from '../../../src/targets/common/etcdctl-output.js';

describe('etcdctl output', () => {
  // etcdctl 3.4 `member list` right after `member add`, before the new member has started.
  const list = [
    '44059f4ae84ffb45, started, cp2, https://10.0.0.12:2380, https://10.0.0.12:2379, false',
    'aeebff562fec6fd3, unstarted, , https://10.0.0.13:2380, , false',
  ].join('\n');

  it('counts a member added but not started as unhealthy: endpoint health --cluster never asks it', () => {
    const members = parseMemberList(list);
    expect(members.map((m) => [m.name, m.clientURL])).to.deep.equal([
      ['cp2', 'https://10.0.0.12:2379'],
      ['', ''],
    ]);
    const health = parseEndpointHealth(
      'https://10.0.0.12:2379 is healthy: successfully committed proposal: took = 9.2ms',
      members,
    );
    expect(health.map((h) => [h.member, h.healthy])).to.deep.equal([
      ['cp2', true],
      ['https://10.0.0.13:2380', false],
    ]);
    expect(health[1]!.message).to.equal(
      'member aeebff562fec6fd3 (https://10.0.0.13:2380) has not started: no client URL yet',
    );
  });

  it('reports every started member by its endpoint, healthy or not', () => {
    const members = parseMemberList(list.split('\n')[0]!);
    const health = parseEndpointHealth(
      'https://10.0.0.12:2379 is unhealthy: failed to commit proposal: context deadline exceeded',
      members,
    );
    expect(health).to.deep.equal([
      {
        endpoint: 'https://10.0.0.12:2379',
        member: 'cp2',
        healthy: false,
        message: 'https://10.0.0.12:2379 is unhealthy: failed to commit proposal: context deadline exceeded',
      },
    ]);
  });
});

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
