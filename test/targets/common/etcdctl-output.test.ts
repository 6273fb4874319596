import { expect } from 'chai';
import { parseEndpointHealth, parseMemberList } from '../../../src/targets/common/etcdctl-output.js';

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
