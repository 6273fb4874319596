import { expect } from 'chai';
import { VirtualClock } from '../../../src/engine/clock.js';
import { InvalidInputError } from '../../../src/errors.js';
import { UnsupportedOperationError } from '../../../src/targets/common/errors.js';
import { createLabTarget, type LabTarget } from '../../../src/targets/lab/lab-target.js';
import { ActionLog, type EtcdSnapshot } from '../../../src/targets/target.js';
import { FakeLab } from './fake-lab.js';

const FIXTURE = new URL('./fixtures/qingzhou-lab.json', import.meta.url).pathname;
const SSH = 'ssh -o BatchMode=yes -o ConnectTimeout=10 -J ops@bastion.lab -i ~/.ssh/lab_ed25519 -p 2222';
/** A profile template as the ssh line shows it: the whole line to `sudo -n sh -c`, quoted for the login shell. */
const root = (cmd: string): string => `"sudo -n sh -c '${cmd}'"`;
/** A command gameday builds itself: `sudo -n` and its words, no shell needed. */
const argv = (cmd: string): string => `sudo -n ${cmd}`;
/** As `root`, for a line with a `!`, which the log quotes in single quotes (no history expansion). */
const rootSingle = (cmd: string): string => `'sudo -n sh -c '\\''${cmd}'\\'''`;
/** The default manifestIn template: nothing to do when the manifest is back already. */
const moveIn = (file: string): string =>
  `[ -e /etc/kubernetes/manifests/${file} ] && [ ! -e /etc/kubernetes/${file} ] || mv /etc/kubernetes/${file} /etc/kubernetes/manifests/${file}`;
const M1 = '10.128.38.6';
const M2 = '10.128.38.7';
const ETCDCTL =
  'env ETCDCTL_API=3 etcdctl --endpoints https://10.128.38.6:2379,https://10.128.38.7:2379,https://10.128.38.8:2379 ' +
  '--cacert /etc/kubernetes/business/pki/etcd/ca.crt --cert /etc/kubernetes/business/pki/apiserver-etcd-client.crt ' +
  '--key /etc/kubernetes/business/pki/apiserver-etcd-client.key';
const STAMP = '20260101T000000Z';

describe('lab target in dry-run mode', () => {
  let fake: FakeLab;
  let actions: ActionLog;
  let target: LabTarget;

  beforeEach(() => {
    fake = new FakeLab();
    actions = new ActionLog();
    target = createLabTarget({ profile: FIXTURE, dryRun: true, clock: new VirtualClock(), actions, exec: fake.exec });
  });

  async function planned(op: () => Promise<unknown>): Promise<string[]> {
    const from = actions.entries.length;
    await op();
    return actions.entries
      .slice(from)
      .filter((a) => !a.readOnly)
      .map((a) => a.text);
  }

  it('runs systemctl over ssh with the profile jump host, key, port, user and sudo', async () => {
    const n = target.nodes('business');
    expect(await planned(() => n.service(M1, 'kubelet', 'stop'))).to.deep.equal([
      `${SSH} ops@${M1} ${root('systemctl stop kubelet')}`,
    ]);
    expect(await planned(() => n.service(M2, 'container-runtime', 'restart'))).to.deep.equal([
      `${SSH} ops@biz-master-2.lab ${root('systemctl restart containerd')}`,
    ]);
    expect(actions.entries.at(-1)).to.include({ cluster: 'business', kind: 'command', dryRun: true });
    expect(fake.ran).to.deep.equal([]);
  });

  it("uses a cluster's own units and ssh settings: root without sudo on paas", async () => {
    const n = target.nodes('paas');
    expect(await planned(() => n.service('10.128.39.1', 'container-runtime', 'start'))).to.deep.equal([
      'ssh -o BatchMode=yes -o ConnectTimeout=10 root@10.128.39.1 systemctl start containerd',
    ]);
  });

  it('powers hosts off and on with the local IPMI template, filling {bmc}', async () => {
    const n = target.nodes('business');
    expect(await planned(() => n.power(M1, 'off'))).to.deep.equal([
      'ipmitool -I lanplus -H 10.128.200.6 -U admin -E power off',
    ]);
    expect(await planned(() => n.power(M1, 'on'))).to.deep.equal([
      'ipmitool -I lanplus -H 10.128.200.6 -U admin -E power on',
    ]);
  });

  it('says which field is missing when a template needs a {bmc} the node lacks', async () => {
    const err = await target
      .nodes('paas')
      .power('10.128.39.1', 'off')
      .catch((e: unknown) => e as Error);
    expect(err).to.be.instanceOf(InvalidInputError);
    expect((err as Error).message).to.equal(
      'The lab profile\'s "powerOff" command (ipmitool -I lanplus -H {bmc} -U admin -E power off) uses {bmc}, which node 10.128.39.1 of cluster "paas" does not have: set nodes.hosts["10.128.39.1"].bmc.',
    );
  });

  it('refuses operations the profile has no command for, saying what to add', async () => {
    const n = target.nodes('business');
    const err = await n.network(M1, 'disconnect').catch((e: unknown) => e as Error);
    expect(err).to.be.instanceOf(UnsupportedOperationError);
    expect((err as Error).message).to.equal(
      `The lab profile ${FIXTURE} has no "networkDisconnect" command to cut a host off the network on cluster "business": add one under "commands" (for example {"local": "ipmitool -H {bmc} power on"}).`,
    );
    expect(await n.freeze(M1, 'pause').catch((e: unknown) => e)).to.be.instanceOf(UnsupportedOperationError);
    expect(await n.addNode({ name: '10.128.38.13' }).catch((e: unknown) => e)).to.be.instanceOf(
      UnsupportedOperationError,
    );
    expect(await n.removeNode(M1).catch((e: unknown) => e)).to.be.instanceOf(UnsupportedOperationError);
  });

  it("moves manifests with the cluster's own file names", async () => {
    const n = target.nodes('business');
    expect(await planned(() => n.manifest(M2, 'etcd', 'out'))).to.deep.equal([
      `${SSH} ops@biz-master-2.lab ${root('mv /etc/kubernetes/manifests/business-etcd.yaml /etc/kubernetes/business-etcd.yaml')}`,
    ]);
    expect(await planned(() => n.manifest(M2, 'kube-scheduler', 'in'))).to.deep.equal([
      `${SSH} ops@biz-master-2.lab ${rootSingle(moveIn('kube-scheduler.yaml'))}`,
    ]);
  });

  it('fills memory with a tmpfs ballast and the disk with fallocate, sized from free and df', async () => {
    const n = target.nodes('business');
    // free: 16 GB total, 10 GB available -> 6 GB used; 50% is 2 GB more.
    expect(await planned(() => n.pressure(M1, 'memory', '50%'))).to.deep.equal([
      `${SSH} ops@${M1} ${root('mkdir -p /run/gameday-ballast && mount -t tmpfs -o size=2000000000 gameday-ballast /run/gameday-ballast && fallocate -l 2000000000 /run/gameday-ballast/memory')}`,
    ]);
    expect(actions.entries.filter((a) => a.readOnly).map((a) => a.text)).to.deep.equal([
      `${SSH} ops@${M1} ${argv('free -b')}`,
    ]);
    expect(await planned(() => n.relieve(M1, 'memory'))).to.deep.equal([
      `${SSH} ops@${M1} ${root('umount /run/gameday-ballast')}`,
    ]);
    expect(await planned(() => n.pressure(M1, 'disk', '1Gi'))).to.deep.equal([
      `${SSH} ops@${M1} ${root('fallocate -l 1073741824 /var/lib/gameday-ballast')}`,
    ]);
    expect(await planned(() => n.relieve(M1, 'disk'))).to.deep.equal([
      `${SSH} ops@${M1} ${root('rm -f /var/lib/gameday-ballast')}`,
    ]);
  });

  it('overloads a host with a transient systemd unit and stops it', async () => {
    const n = target.nodes('business');
    expect(await planned(() => n.overload(M1, 'start'))).to.deep.equal([
      `${SSH} ops@${M1} 'sudo -n sh -c '\\''systemd-run --unit=gameday-overload sh -c '\\''\\'\\'''\\''n=$(( $(nproc) * 4 )); i=0; while [ $i -lt $n ]; do (while :; do :; done) & i=$((i+1)); done; wait'\\''\\'\\'''\\'''\\'''`,
    ]);
    expect(await planned(() => n.overload(M1, 'stop'))).to.deep.equal([
      `${SSH} ops@${M1} ${root('systemctl stop gameday-overload')}`,
    ]);
  });

  it('reads the service state with systemctl is-active as a read-only command', async () => {
    expect(await target.nodes('business').serviceState(M1, 'kubelet')).to.equal('inactive');
    expect(actions.entries.at(-1)).to.include({
      text: `${SSH} ops@${M1} ${root('systemctl is-active kubelet')}`,
      readOnly: true,
      dryRun: false,
    });
  });

  describe('etcd', () => {
    it('runs the runbook etcdctl line over ssh with the profile certificates and maps members to nodes', async () => {
      const members = await target.etcd('business').members();
      expect(members.map((m) => [m.name, m.node])).to.deep.equal([
        ['etcd1', M1],
        ['etcd2', M2],
        ['etcd3', '10.128.38.8'],
      ]);
      expect(actions.entries.at(-1)?.text).to.equal(`${SSH} ops@${M1} ${argv(`${ETCDCTL} member list`)}`);
    });

    it('moves on to the next etcd host when ssh cannot reach one', async () => {
      fake.unreachable.add(M1);
      expect(await target.etcd('business').members()).to.have.length(3);
      expect(actions.entries.map((a) => a.text)).to.deep.equal([
        // Before the first etcd command: etcdctl (and etcdutl, etcd being 3.5) on every host that answers.
        `${SSH} ops@${M1} ${argv('env ETCDCTL_API=3 etcdctl version')}`,
        `${SSH} ops@biz-master-2.lab ${argv('env ETCDCTL_API=3 etcdctl version')}`,
        `${SSH} ops@biz-master-2.lab ${argv('etcdutl version')}`,
        `${SSH} ops@10.128.38.8 ${argv('env ETCDCTL_API=3 etcdctl version')}`,
        `${SSH} ops@10.128.38.8 ${argv('etcdutl version')}`,
        `${SSH} ops@${M1} ${argv(`${ETCDCTL} member list`)}`,
        `${SSH} ops@biz-master-2.lab ${argv(`${ETCDCTL} member list`)}`,
      ]);
    });

    it('stops, kills and freezes members with the manifest move and the pkill templates', async () => {
      const e = target.etcd('business');
      const mvOut = `${SSH} ops@biz-master-2.lab ${root('mv /etc/kubernetes/manifests/business-etcd.yaml /etc/kubernetes/business-etcd.yaml')}`;
      expect(await planned(() => e.stopMember('etcd2', 'stop'))).to.deep.equal([mvOut]);
      expect(await planned(() => e.stopMember('etcd2', 'kill'))).to.deep.equal([
        mvOut,
        `${SSH} ops@biz-master-2.lab ${root('pkill -KILL -x etcd')}`,
      ]);
      expect(await planned(() => e.stopMember('etcd2', 'pause'))).to.deep.equal([
        `${SSH} ops@biz-master-2.lab ${root('pkill -STOP -x etcd')}`,
      ]);
      expect(await planned(() => e.startMember('etcd2'))).to.deep.equal([
        `${SSH} ops@biz-master-2.lab ${root('pkill -CONT -x etcd')}`,
      ]);
    });

    it('saves a snapshot on the etcdctl host against its own member only', async () => {
      let snap: EtcdSnapshot | undefined;
      const lines = await planned(async () => {
        snap = await target.etcd('business').snapshotSave('before');
      });
      const single = ETCDCTL.replace(/--endpoints \S+/, `--endpoints https://${M1}:2379`);
      const file = `/var/lib/gameday/gameday-before-${STAMP}.db`;
      expect(lines).to.deep.equal([
        `${SSH} ops@${M1} ${argv('mkdir -p /var/lib/gameday')}`,
        `${SSH} ops@${M1} ${argv(`${single} snapshot save ${file}`)}`,
        // etcd 3.5: etcdutl reads the file (3.6's etcdctl has no `snapshot status`).
        `${SSH} ops@${M1} ${argv(`etcdutl snapshot status ${file} -w json`)}`,
      ]);
      expect(snap?.path).to.equal(`${M1}:${file}`);
    });

    it('restores a single member as the DR guide does, with etcdutl on etcd 3.5 and no --skip-hash-check', async () => {
      const snapshot: EtcdSnapshot = { path: `${M1}:/var/lib/gameday/s.db`, revision: 1, keys: 1, takenAt: 0 };
      const lines = await planned(() => target.etcd('business').restoreSingle('etcd1', snapshot));
      const hosts = [M1, 'biz-master-2.lab', '10.128.38.8'];
      const components = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
      expect(lines).to.deep.equal([
        ...hosts.flatMap((h) =>
          components.map(
            (c) => `${SSH} ops@${h} ${root(`mv /etc/kubernetes/manifests/${c}.yaml /etc/kubernetes/${c}.yaml`)}`,
          ),
        ),
        ...hosts.map(
          (h) =>
            `${SSH} ops@${h} ${root('mv /etc/kubernetes/manifests/business-etcd.yaml /etc/kubernetes/business-etcd.yaml')}`,
        ),
        `${SSH} ops@${M1} ${argv(`mv /var/lib/etcd /var/lib/etcd-bak-${STAMP}`)}`,
        `${SSH} ops@${M1} ${argv(
          `etcdutl snapshot restore /var/lib/gameday/s.db --name etcd1 --initial-advertise-peer-urls https://${M1}:2380 ` +
            `--initial-cluster etcd1=https://${M1}:2380 --initial-cluster-token gameday-restore-${STAMP.toLowerCase()} --data-dir /var/lib/etcd`,
        )}`,
        `${SSH} ops@${M1} ${rootSingle(moveIn('business-etcd.yaml'))}`,
        ...hosts.flatMap((h) => [
          `${SSH} ops@${h} ${argv(`cp /etc/kubernetes/manifests/kube-apiserver.yaml /etc/kubernetes/kube-apiserver.yaml.gameday-${STAMP}`)}`,
          `${SSH} ops@${h} 'sudo -n sed -i -e '\\''s#^\\(\\s*- --etcd-servers=\\).*#\\1https://${M1}:2379#'\\'' /etc/kubernetes/manifests/kube-apiserver.yaml'`,
        ]),
        ...components.flatMap((c) => hosts.map((h) => `${SSH} ops@${h} ${rootSingle(moveIn(`${c}.yaml`))}`)),
      ]);
    });

    it("restores with the runbook's etcdctl line on etcd 3.4, which has no etcdutl", async () => {
      fake.etcdVersion = '3.4.23';
      fake.etcdutl = false;
      const snapshot: EtcdSnapshot = { path: `${M1}:/var/lib/gameday/s.db`, revision: 1, keys: 1, takenAt: 0 };
      const lines = await planned(() =>
        target.etcd('business').restoreSingle('etcd1', snapshot, { skipHashCheck: true }),
      );
      expect(lines.filter((l) => l.includes('snapshot restore'))).to.deep.equal([
        `${SSH} ops@${M1} ${argv(
          `env ETCDCTL_API=3 etcdctl snapshot restore /var/lib/gameday/s.db --name etcd1 --initial-advertise-peer-urls https://${M1}:2380 ` +
            `--initial-cluster etcd1=https://${M1}:2380 --initial-cluster-token gameday-restore-${STAMP.toLowerCase()} --data-dir /var/lib/etcd --skip-hash-check ` +
            '--cacert /etc/kubernetes/business/pki/etcd/ca.crt --cert /etc/kubernetes/business/pki/apiserver-etcd-client.crt',
        )}`,
      ]);
    });

    it('refuses to restore on a host that does not hold the snapshot, saying how to fix it', async () => {
      const snapshot: EtcdSnapshot = { path: `${M1}:/var/lib/gameday/s.db`, revision: 1, keys: 1, takenAt: 0 };
      const err = await target
        .etcd('business')
        .restoreSingle('etcd2', snapshot)
        .catch((e: unknown) => e as Error);
      expect(err).to.be.instanceOf(InvalidInputError);
      expect((err as Error).message).to.match(
        /The snapshot is on 10\.128\.38\.6 \(\/var\/lib\/gameday\/s\.db\); restoring on 10\.128\.38\.7 needs it there first/,
      );
    });

    it('re-points every kube-apiserver, quoting the sed line as an SRE would', async () => {
      const lines = await planned(() => target.etcd('business').pointApiserver(['etcd1', 'etcd2']));
      expect(lines.slice(0, 2)).to.deep.equal([
        `${SSH} ops@${M1} ${argv(`cp /etc/kubernetes/manifests/kube-apiserver.yaml /etc/kubernetes/kube-apiserver.yaml.gameday-${STAMP}`)}`,
        `${SSH} ops@${M1} 'sudo -n sed -i -e '\\''s#^\\(\\s*- --etcd-servers=\\).*#\\1https://10.128.38.6:2379,https://10.128.38.7:2379#'\\'' /etc/kubernetes/manifests/kube-apiserver.yaml'`,
      ]);
      expect(lines).to.have.length(6);
    });

    it('removes a member by the id member list gives', async () => {
      const lines = await planned(() => target.etcd('business').memberRemove('etcd3'));
      expect(lines[0]).to.equal(`${SSH} ops@${M1} ${argv(`${ETCDCTL} member remove 3333333333333333`)}`);
    });
  });
});
