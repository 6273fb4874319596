import { expect } from 'chai';
import {
  Etcdctl,
  errorReason,
  goDuration,
  parseGet,
  parseHealthLines,
  parseMemberAdd,
  parseMemberList,
  parseSnapshotSaved,
} from '../../src/etcd/etcdctl.js';
import { classifyEtcdctlError } from '../../src/etcd/errors.js';

// Outputs captured from etcdctl 3.4.23 (Debian bookworm).
const MEMBER_LIST =
  '{"header":{"cluster_id":8305022406989079771,"member_id":13144645163086586166,"raft_term":2},"members":[' +
  '{"ID":6301267884964169448,"name":"e2","peerURLs":["http://127.0.0.1:22381"],"clientURLs":["http://127.0.0.1:22371"]},' +
  '{"ID":10625967060062942800,"name":"","peerURLs":["http://127.0.0.1:22382"],"isLearner":false}]}';

const MEMBER_ADD = `Member eac70970c18adc4f added to cluster 7be59b41f5234151

ETCD_NAME="e2"
ETCD_INITIAL_CLUSTER="e1=http://127.0.0.1:22380,e2=http://127.0.0.1:22381"
ETCD_INITIAL_ADVERTISE_PEER_URLS="http://127.0.0.1:22381"
ETCD_INITIAL_CLUSTER_STATE="existing"`;

const UNHEALTHY_STDERR = `{"level":"warn","ts":"2026-11-21T23:42:00.886Z","caller":"clientv3/retry_interceptor.go:62","msg":"retrying of unary invoker failed","attempt":0,"error":"rpc error: code = DeadlineExceeded desc = context deadline exceeded"}
http://127.0.0.1:22371 is unhealthy: failed to commit proposal: context deadline exceeded
Error: unhealthy cluster`;

describe('etcdctl output parsing', () => {
  it('prints member IDs in hex exactly as etcdctl does, without rounding the uint64', () => {
    const list = parseMemberList(MEMBER_LIST);
    expect(list.clusterId).to.equal('73415de0943e64db');
    expect(list.memberId).to.equal('b66b2921ec552136');
    expect(list.members.map((m) => m.id)).to.deep.equal(['577299c17dddc6e8', '937704be0a0db650']);
    expect(list.members[1]).to.include({ name: '' });
    expect(list.members[1]?.clientURLs).to.deep.equal([]);
  });

  it('reads the new member list and state from member add', () => {
    const r = parseMemberAdd(MEMBER_ADD);
    expect(r).to.include({
      id: 'eac70970c18adc4f',
      clusterId: '7be59b41f5234151',
      name: 'e2',
      initialCluster: 'e1=http://127.0.0.1:22380,e2=http://127.0.0.1:22381',
      initialClusterState: 'existing',
    });
  });

  it('reads a member ID that etcdctl space-pads to 16 columns', () => {
    expect(parseMemberAdd('Member  1fe7d2a9c9516c3 added to cluster  6cb6ba8c264466f\n').id).to.equal(
      '1fe7d2a9c9516c3',
    );
  });

  it('keeps endpoint health lines verbatim and ignores the zap log lines around them', () => {
    const lines = parseHealthLines(
      'http://127.0.0.1:22370 is healthy: successfully committed proposal: took = 1.947085ms\n' + UNHEALTHY_STDERR,
    );
    expect(lines).to.deep.equal([
      {
        endpoint: 'http://127.0.0.1:22370',
        healthy: true,
        line: 'http://127.0.0.1:22370 is healthy: successfully committed proposal: took = 1.947085ms',
      },
      {
        endpoint: 'http://127.0.0.1:22371',
        healthy: false,
        line: 'http://127.0.0.1:22371 is unhealthy: failed to commit proposal: context deadline exceeded',
      },
    ]);
  });

  it('takes the reason from the final Error: line and classifies it', () => {
    expect(errorReason(UNHEALTHY_STDERR)).to.equal('unhealthy cluster');
    expect(classifyEtcdctlError('etcdserver: request timed out')).to.equal('request-timeout');
    expect(classifyEtcdctlError('context deadline exceeded')).to.equal('deadline');
    expect(classifyEtcdctlError('etcdserver: unhealthy cluster')).to.equal('unhealthy-cluster');
    expect(classifyEtcdctlError('expected sha256 [1 2], got [3 4]')).to.equal('bad-snapshot');
  });

  it('finds the saved path and decodes base64 keys and values from get -w json', () => {
    expect(parseSnapshotSaved('Snapshot saved at /tmp/s.db')).to.equal('/tmp/s.db');
    const r = parseGet(
      '{"header":{"cluster_id":8305022406989079771,"member_id":13144645163086586166,"revision":2,"raft_term":2},' +
        '"kvs":[{"key":"L2E=","create_revision":2,"mod_revision":2,"version":1,"value":"MQ=="}],"count":1}',
    );
    expect(r).to.deep.equal({ revision: 2, kvs: [{ key: '/a', value: '1', modRevision: 2 }] });
  });

  it('formats the command line a person would type, timeouts as Go durations', () => {
    const seen: string[] = [];
    const ctl = new Etcdctl({
      endpoints: ['http://127.0.0.1:1'],
      commandTimeoutMs: 1500,
      dialTimeoutMs: 500,
      onCommand: (l) => seen.push(l),
    });
    expect(goDuration(1500)).to.equal('1500ms');
    expect(ctl.format(['put', '--', '/k', 'a value'])).to.equal(
      "ETCDCTL_API=3 etcdctl --endpoints=http://127.0.0.1:1 --dial-timeout=500ms --command-timeout=1500ms put -- /k 'a value'",
    );
    expect(seen).to.deep.equal([]);
  });
});
