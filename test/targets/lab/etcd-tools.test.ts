import { expect } from 'chai';
import { VirtualClock } from '../../../src/engine/clock.js';
import { MissingDependencyError } from '../../../src/errors.js';
import { imageEtcdVersion, parseToolVersion, toolsFor } from '../../../src/targets/common/etcd-tools.js';
import { createKindTarget } from '../../../src/targets/kind/kind-target.js';
import { createLabTarget } from '../../../src/targets/lab/lab-target.js';
import { ActionLog } from '../../../src/targets/target.js';
import { FakeKind } from '../kind/fake-kind.js';
import { stubKube } from '../kind/stub-kube.js';
import { FakeLab } from './fake-lab.js';

const FIXTURE = new URL('./fixtures/qingzhou-lab.json', import.meta.url).pathname;

describe('defaults of current clusters, and the etcd tools where they must be (issue 13 item 12)', () => {
  it('issue 13 item 12: containerd is the runtime unit unless the profile says docker', async () => {
    const actions = new ActionLog();
    const t = createLabTarget({
      profile: FIXTURE,
      dryRun: true,
      clock: new VirtualClock(),
      actions,
      exec: new FakeLab().exec,
    });
    await t.nodes('business').service('10.128.38.6', 'container-runtime', 'stop');
    expect(actions.entries.at(-1)?.text).to.match(/ "sudo -n sh -c 'systemctl stop containerd'"$/);
  });

  it('issue 13 item 12: an etcd host without etcdutl (etcd 3.5) stops the drill before its first etcd command', async () => {
    const fake = new FakeLab();
    fake.etcdutl = false;
    const actions = new ActionLog();
    const t = createLabTarget({ profile: FIXTURE, dryRun: false, clock: new VirtualClock(), actions, exec: fake.exec });
    const err = await t
      .etcd('business')
      .members()
      .catch((e: unknown) => e);
    expect(err).to.be.instanceOf(MissingDependencyError);
    expect((err as Error).message).to.match(
      /^etcdutl is not on 10\.128\.38\.6, and etcd 3\.5\.16 needs it: etcd 3\.6 removed `etcdctl snapshot restore` and `snapshot status` \(3\.5 deprecated them\)\. .*etcd\.etcdutl/,
    );
    // Nothing but the checks ran: not even `member list`.
    expect(actions.entries.map((a) => a.text).filter((x) => !/ (etcdctl|etcdutl) version/.test(x))).to.deep.equal([]);
  });

  it('issue 13 item 12: etcd 3.4 needs no etcdutl; the profile can say where etcdctl is', async () => {
    const fake = new FakeLab();
    fake.etcdVersion = '3.4.23';
    fake.etcdutl = false;
    const t = createLabTarget({ profile: FIXTURE, dryRun: true, clock: new VirtualClock(), exec: fake.exec });
    expect(await t.etcd('business').members()).to.have.length(3);
  });

  it('issue 13 item 12: kind finds etcdctl and etcdutl in the etcd container', async () => {
    const fake = new FakeKind();
    const t = await createKindTarget({
      dryRun: true,
      clock: new VirtualClock(),
      exec: fake.exec,
      makeKube: () => stubKube().kube,
    });
    await t.etcd('gameday').members();
    expect(fake.ran.filter((l) => / (etcdctl|etcdutl) version$/.test(l))).to.deep.equal([
      'docker exec gameday-control-plane crictl exec etcd-gameday-control-plane etcdctl version',
      'docker exec gameday-control-plane crictl exec etcd-gameday-control-plane etcdutl version',
    ]);
  });
});

describe('etcd versions (issue 13 items 2 and 4)', () => {
  it('issue 13 item 4: the etcd version comes from the image tag, never from a registry port', () => {
    expect(imageEtcdVersion('registry.k8s.io/etcd:3.5.16-0')).to.equal('3.5.16');
    expect(imageEtcdVersion('registry.local:5000/etcd:v3.6.1')).to.equal('3.6.1');
    expect(imageEtcdVersion('10.0.0.5:5000/mirror/etcd:3.4.13-0@sha256:' + 'a'.repeat(64))).to.equal('3.4.13');
    expect(imageEtcdVersion('registry.local:5000/etcd')).to.equal(undefined);
    expect(imageEtcdVersion('registry.local:5000/etcd:latest')).to.equal(undefined);
  });

  it('issue 13 item 2: etcd 3.5 and 3.6 read and restore snapshots with etcdutl, 3.4 with etcdctl', () => {
    expect(parseToolVersion('etcdctl version: 3.6.5\nAPI version: 3.6')).to.equal('3.6.5');
    expect(toolsFor('3.6.5')).to.include({ fileTool: 'etcdutl', learners: true });
    expect(toolsFor('3.5.16')).to.include({ fileTool: 'etcdutl', learners: true });
    expect(toolsFor('3.4.23')).to.include({ fileTool: 'etcdctl', learners: true });
  });

  it('issue 13 item 4: with no member running, kind reads the version from a registry-with-port image tag', async () => {
    const fake = new FakeKind();
    fake.etcdVersion = '3.6.1';
    fake.etcdRunning.clear();
    fake.imageOverride = 'registry.local:5000/etcd:v3.6.1';
    const t = await createKindTarget({
      dryRun: true,
      clock: new VirtualClock(),
      exec: fake.exec,
      makeKube: () => stubKube().kube,
    });
    const snapshot = { path: '/tmp/s.db', revision: 1, keys: 1, takenAt: 0 };
    await t.etcd('gameday').restoreSingle('gameday-control-plane', snapshot);
    const restore = t.actions.entries.map((a) => a.text).find((x) => x.includes(' snapshot restore '));
    expect(restore).to.match(/ registry\.local:5000\/etcd:v3\.6\.1 gameday-etcd-restore-\S+ etcdutl snapshot restore /);
  });
});
