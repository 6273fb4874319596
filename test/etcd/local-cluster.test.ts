import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { MARKER_FILE, stillRunning, type TrackedResource } from '../../src/engine/resources.js';
import { Etcdctl } from '../../src/etcd/etcdctl.js';
import { EtcdMissingError } from '../../src/etcd/errors.js';
import { LocalEtcdCluster } from '../../src/etcd/local-cluster.js';
import { processAlive, requireEtcd } from './require-etcd.js';

describe('LocalEtcdCluster (real etcd)', function () {
  this.timeout(60_000);
  let cluster: LocalEtcdCluster | undefined;

  before(function () {
    requireEtcd(this);
  });

  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it('starts three healthy members on free loopback ports and leaves no process or temp dir after stop', async () => {
    const commands: string[] = [];
    cluster = new LocalEtcdCluster({ onCommand: (l) => commands.push(l) });
    await cluster.start();
    const root = cluster.root;
    const records = cluster.memberRecords();
    expect(records.map((m) => [m.name, m.state])).to.deep.equal([
      ['etcd1', 'running'],
      ['etcd2', 'running'],
      ['etcd3', 'running'],
    ]);
    expect(new Set(records.flatMap((m) => [m.peerPort, m.clientPort])).size).to.equal(6);
    expect(commands.filter((c) => c.startsWith('etcd ')).length).to.equal(3);
    expect(commands[0])
      .to.include('--initial-cluster-state=new')
      .and.include(`--initial-cluster-token=${cluster.token}`);

    const health = await new Etcdctl({ endpoints: cluster.liveEndpoints() }).endpointHealth({ cluster: true });
    expect(health.healthy).to.equal(true);
    expect(health.lines).to.have.length(3);

    const pids = records.map((m) => m.pid!);
    await cluster.stop();
    await cluster.close(); // safe twice
    expect(pids.filter(processAlive)).to.deep.equal([]);
    expect(existsSync(root)).to.equal(false);
  });

  it('journals its data root before creating it and each member as it starts; members run in their own process group', async () => {
    const told: { r: TrackedResource; existed: boolean }[] = [];
    cluster = new LocalEtcdCluster({
      onResource: (r) => told.push({ r, existed: r.kind === 'dir' && existsSync(r.path) }),
    });
    await cluster.start();
    const [dir, ...procs] = told;
    expect(dir?.r.kind).to.equal('dir');
    expect(dir?.existed, 'the directory was journalled before it was made').to.equal(false);
    if (dir?.r.kind !== 'dir') throw new Error('no dir');
    expect(dir.r.path).to.equal(cluster.root);
    expect(readFileSync(join(cluster.root, MARKER_FILE), 'utf8').trim()).to.equal(dir.r.marker);
    const pids = cluster.memberRecords().map((m) => m.pid);
    expect(procs.map((p) => (p.r.kind === 'process' ? p.r.pid : 0))).to.deep.equal(pids);
    for (const p of procs) if (p.r.kind === 'process') expect(stillRunning(p.r)).to.equal(true);
    // A group of its own: Ctrl-C at the terminal reaches gameday, not the members behind its back.
    const pgid = Number(readFileSync(`/proc/${pids[0]}/stat`, 'utf8').split(') ')[1]!.split(' ')[2]);
    expect(pgid).to.equal(pids[0]);

    await cluster.killMember('etcd2');
    await cluster.restartMember('etcd2');
    const restarted = told.at(-1)!.r;
    expect(restarted.kind === 'process' && restarted.pid).to.equal(cluster.member('etcd2').pid);
  });

  it('kills, pauses, resumes, stops and restarts members in place with their data', async () => {
    cluster = new LocalEtcdCluster();
    await cluster.start();
    const ctl = new Etcdctl({ endpoints: [cluster.member('etcd1').clientURL], commandTimeoutMs: 3000 });
    await ctl.put('/before', 'kept');

    await cluster.killMember('etcd3');
    expect(cluster.member('etcd3').state).to.equal('stopped');
    cluster.pauseMember('etcd2');
    expect(cluster.runningMembers().map((m) => m.name)).to.deep.equal(['etcd1']);
    const refused = await ctl.put('/x', 'y', { commandTimeoutMs: 800 }).then(
      () => 'accepted',
      (err: Error) => err.message,
    );
    expect(refused).to.match(/context deadline exceeded|request timed out|no leader/);
    cluster.resumeMember('etcd2');
    await cluster.stopMember('etcd2');
    await cluster.restartMember('etcd2');
    await cluster.restartMember('etcd3');
    const got = await new Etcdctl({ endpoints: [cluster.member('etcd3').clientURL] }).get('/before', {
      serializable: true,
    });
    expect(got.kvs.map((kv) => kv.value)).to.deep.equal(['kept']);
    expect(cluster.runningMembers()).to.have.length(3);
  });
});

describe('LocalEtcdCluster without etcd', () => {
  it('names the Debian packages when etcd is not installed', async () => {
    const cluster = new LocalEtcdCluster({ etcdBinary: 'etcd-not-installed-here' });
    const err = await cluster.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(EtcdMissingError);
    expect((err as Error).message)
      .to.include('etcd-server')
      .and.include('etcd-client');
  });
});
