import { expect } from 'chai';
import { VirtualClock } from '../../../src/engine/clock.js';
import { UnsupportedOperationError } from '../../../src/targets/common/errors.js';
import { createKindTarget, type KindTarget } from '../../../src/targets/kind/kind-target.js';
import { ActionLog } from '../../../src/targets/target.js';
import { FakeKind } from './fake-kind.js';
import { stubKube } from './stub-kube.js';

/** A manifest moved back, or left alone when it is back already (the runbook's move ran first). */
const moveIn = (node: string, file: string): string =>
  `docker exec ${node} sh -c '[ -e /etc/kubernetes/manifests/${file} ] && [ ! -e /etc/kubernetes/${file} ] || mv /etc/kubernetes/${file} /etc/kubernetes/manifests/${file}'`;

const CERTS =
  '--endpoints https://127.0.0.1:2379 --cacert /etc/kubernetes/pki/etcd/ca.crt --cert /etc/kubernetes/pki/etcd/server.crt --key /etc/kubernetes/pki/etcd/server.key';
const CP = 'gameday-control-plane';
const CP2 = 'gameday-control-plane2';
const CP3 = 'gameday-control-plane3';
const W = 'gameday-worker';

interface PodSpec {
  nodeName: string;
  tolerations: unknown[];
  containers: { image: string; resources?: { requests: { memory: string } } }[];
}

describe('kind target in dry-run mode', () => {
  let fake: FakeKind;
  let target: KindTarget;
  let actions: ActionLog;
  let stub: ReturnType<typeof stubKube>;

  beforeEach(async () => {
    fake = new FakeKind();
    actions = new ActionLog();
    stub = stubKube({
      nodes: [{ metadata: { name: W }, status: { allocatable: { memory: '8Gi' } } }],
      pods: [
        {
          metadata: { name: 'a' },
          spec: { containers: [{ resources: { requests: { memory: '1Gi' } } }] },
          status: { phase: 'Running' },
        },
      ],
    });
    target = await createKindTarget({
      dryRun: true,
      clock: new VirtualClock(),
      actions,
      exec: fake.exec,
      makeKube: () => stub.kube,
    });
  });

  /** The command lines the operation would run (read-only planning commands left out), in order. */
  async function planned(op: () => Promise<unknown>): Promise<string[]> {
    const from = actions.entries.length;
    await op();
    return actions.entries
      .slice(from)
      .filter((a) => a.kind === 'command' && !a.readOnly)
      .map((a) => a.text);
  }

  it('finds the six node containers and leaves the load balancer out', () => {
    expect(target.nodeList.map((n) => n.name)).to.deep.equal([
      CP,
      'gameday-control-plane2',
      CP3,
      W,
      'gameday-worker2',
      'gameday-worker3',
    ]);
    expect(actions.entries[0]).to.include({
      text: 'docker ps -a --filter label=io.x-k8s.kind.cluster=gameday --format \'{{.Names}}\t{{.Label "io.x-k8s.kind.role"}}\t{{.Networks}}\'',
      readOnly: true,
      dryRun: false,
    });
    expect(actions.entries[1]?.text).to.equal('kind get kubeconfig --name gameday');
    expect(target.kube('gameday')).to.equal(stub.kube);
  });

  it('records the systemctl commands for kubelet and containerd without running them', async () => {
    const n = target.nodes('gameday');
    expect(await planned(() => n.service(W, 'kubelet', 'stop'))).to.deep.equal([
      `docker exec ${W} systemctl stop kubelet`,
    ]);
    expect(await planned(() => n.service(W, 'kubelet', 'start'))).to.deep.equal([
      `docker exec ${W} systemctl start kubelet`,
    ]);
    expect(await planned(() => n.service(W, 'container-runtime', 'restart'))).to.deep.equal([
      `docker exec ${W} systemctl restart containerd`,
    ]);
    expect(fake.ran.filter((l) => l.includes('systemctl'))).to.deep.equal([]);
    expect(actions.entries.at(-1)).to.include({ dryRun: true, kind: 'command', cluster: 'gameday' });
  });

  it('records docker kill (crash) / stop (shutdown) / start, pause/unpause and network disconnect/connect', async () => {
    const n = target.nodes('gameday');
    expect(await planned(() => n.power(W, 'off'))).to.deep.equal([`docker kill ${W}`]);
    // Back on the address it had: docker would hand out the next free one.
    expect(await planned(() => n.power(W, 'on'))).to.deep.equal([`docker start ${W}`]);
    expect(await planned(() => n.power(W, 'shutdown'))).to.deep.equal([`docker stop ${W}`]);
    expect(await planned(() => n.freeze(W, 'pause'))).to.deep.equal([`docker pause ${W}`]);
    expect(await planned(() => n.freeze(W, 'unpause'))).to.deep.equal([`docker unpause ${W}`]);
    expect(await planned(() => n.network(W, 'disconnect'))).to.deep.equal([`docker network disconnect kind ${W}`]);
    expect(await planned(() => n.network(W, 'connect'))).to.deep.equal([
      `docker network connect --ip 172.18.0.5 kind ${W}`,
    ]);
  });

  it('moves a static-pod manifest out of /etc/kubernetes/manifests and back', async () => {
    const n = target.nodes('gameday');
    expect(await planned(() => n.manifest(CP, 'kube-scheduler', 'out'))).to.deep.equal([
      `docker exec ${CP} mv /etc/kubernetes/manifests/kube-scheduler.yaml /etc/kubernetes/kube-scheduler.yaml`,
    ]);
    expect(await planned(() => n.manifest(CP, 'kube-scheduler', 'in'))).to.deep.equal([
      moveIn(CP, `kube-scheduler.yaml`),
    ]);
  });

  it('refuses memory and disk pressure, saying why, before it changes anything', async () => {
    const n = target.nodes('gameday');
    expect(target.cannot('gameday', 'disk-pressure')).to.match(/turns disk-based eviction off/);
    expect(target.cannot('gameday', 'memory-pressure')).to.match(/sharing this machine's memory/);
    for (const r of ['memory', 'disk'] as const) {
      const err = await n.pressure(W, r, '90%').catch((e: unknown) => e);
      expect(err).to.be.instanceOf(UnsupportedOperationError);
    }
    expect(stub.created).to.deep.equal([]);
    expect(actions.entries.filter((a) => !a.readOnly)).to.deep.equal([]);
  });

  it('starts and stops a CPU burner pod pinned to the node', async () => {
    const n = target.nodes('gameday');
    await n.overload(W, 'start');
    expect(stub.created[0]?.metadata.name).to.equal(`gameday-burner-${W}`);
    expect((stub.created[0]?.spec as PodSpec).containers[0]?.image).to.equal('busybox:1.36');
    await n.overload(W, 'stop');
    expect(stub.deleted).to.deep.equal([`pods default/gameday-burner-${W}`]);
  });

  it('refuses to add or remove nodes, saying why', async () => {
    const n = target.nodes('gameday');
    const add = await n.addNode({}).catch((e: unknown) => e);
    expect(add).to.be.instanceOf(UnsupportedOperationError);
    expect((add as Error).message).to.match(/kind cannot add a node/);
    expect(await n.removeNode(W).catch((e: unknown) => e)).to.be.instanceOf(UnsupportedOperationError);
  });

  it('reads service state with systemctl is-active, as a read-only command that really runs', async () => {
    expect(await target.nodes('gameday').serviceState(W, 'kubelet')).to.equal('active');
    expect(actions.entries.at(-1)).to.include({
      text: `docker exec ${W} systemctl is-active kubelet`,
      readOnly: true,
      dryRun: false,
    });
  });

  it('rejects unknown nodes with the list of real ones', async () => {
    const err = await target
      .nodes('gameday')
      .power('nope', 'off')
      .catch((e: unknown) => e as Error);
    expect(err?.message).to.equal(
      `No node "nope" in this kind cluster; its nodes are ${target.nodeList.map((x) => x.name).join(', ')}.`,
    );
  });

  describe('etcd', () => {
    it('lists members with etcdctl inside the etcd container, found with crictl', async () => {
      const members = await target.etcd('gameday').members();
      expect(members.map((m) => [m.name, m.node, m.peerURL])).to.deep.equal([
        [CP, CP, 'https://172.18.0.2:2380'],
        ['gameday-control-plane2', 'gameday-control-plane2', 'https://172.18.0.3:2380'],
        [CP3, CP3, 'https://172.18.0.4:2380'],
      ]);
      expect(actions.entries.slice(-2).map((a) => a.text)).to.deep.equal([
        `docker exec ${CP} crictl ps --name etcd -q`,
        `docker exec ${CP} crictl exec etcd-${CP} etcdctl ${CERTS} member list`,
      ]);
    });

    it('asks the next member when the first is a learner, and asks crictl again once a container is gone', async () => {
      const e = target.etcd('gameday');
      await e.members();
      // The container found last time answers again, without another crictl ps.
      const before = actions.entries.length;
      await e.members();
      expect(actions.entries.slice(before).map((a) => a.text)).to.deep.equal([
        `docker exec ${CP} crictl exec etcd-${CP} etcdctl ${CERTS} member list`,
      ]);
      fake.learners.add(CP);
      const start = actions.entries.length;
      expect((await e.members()).map((m) => m.name)).to.have.length(3);
      expect(actions.entries.slice(start).map((a) => a.text)).to.deep.equal([
        `docker exec ${CP} crictl exec etcd-${CP} etcdctl ${CERTS} member list`,
        `docker exec ${CP2} crictl ps --name etcd -q`,
        `docker exec ${CP2} crictl exec etcd-${CP2} etcdctl ${CERTS} member list`,
      ]);
      fake.learners.clear();
      fake.etcdRunning.delete(CP);
      const gone = actions.entries.length;
      await e.members();
      expect(actions.entries.slice(gone).map((a) => a.text)).to.deep.equal([
        `docker exec ${CP} crictl exec etcd-${CP} etcdctl ${CERTS} member list`,
        `docker exec ${CP} crictl ps --name etcd -q`,
        `docker exec ${CP2} crictl exec etcd-${CP2} etcdctl ${CERTS} member list`,
      ]);
    });

    it('stops a member by moving etcd.yaml out, kills it with ctr, freezes and thaws it', async () => {
      const e = target.etcd('gameday');
      const mvOut = `docker exec ${CP3} mv /etc/kubernetes/manifests/etcd.yaml /etc/kubernetes/etcd.yaml`;
      const mvIn = moveIn(CP3, `etcd.yaml`);
      expect(await planned(() => e.stopMember(CP3, 'stop'))).to.deep.equal([mvOut]);
      expect(await planned(() => e.stopMember(CP3, 'kill'))).to.deep.equal([
        mvOut,
        `docker exec ${CP3} ctr -n k8s.io tasks kill -s SIGKILL etcd-${CP3}`,
      ]);
      expect(await planned(() => e.stopMember(CP3, 'pause'))).to.deep.equal([
        `docker exec ${CP3} ctr -n k8s.io tasks pause etcd-${CP3}`,
      ]);
      expect(await planned(() => e.startMember(CP3))).to.deep.equal([
        `docker exec ${CP3} ctr -n k8s.io tasks resume etcd-${CP3}`,
      ]);
      fake.files.get(CP3)?.delete('/etc/kubernetes/manifests/etcd.yaml');
      expect(await planned(() => e.startMember(CP3))).to.deep.equal([mvIn]);
    });

    it('reads endpoint health from both streams of etcdctl endpoint health --cluster', async () => {
      const h = await target.etcd('gameday').health();
      expect(h.map((x) => [x.member, x.healthy])).to.deep.equal([
        [CP, true],
        ['gameday-control-plane2', true],
        [CP3, false],
      ]);
      expect(h[0]?.message).to.equal(
        'https://172.18.0.2:2379 is healthy: successfully committed proposal: took = 2.1ms',
      );
    });

    it('saves a snapshot in the data dir, moves it to /var/lib/gameday and copies it off the node', async () => {
      let snap: Awaited<ReturnType<ReturnType<KindTarget['etcd']>['snapshotSave']>> | undefined;
      const lines = await planned(async () => {
        snap = await target.etcd('gameday').snapshotSave('before');
      });
      const file = 'gameday-before-20260101T000000Z.db';
      expect(lines).to.deep.equal([
        `docker exec ${CP} crictl exec etcd-${CP} etcdctl ${CERTS} snapshot save /var/lib/etcd/${file}`,
        `docker exec ${CP} crictl exec etcd-${CP} etcdutl snapshot status /var/lib/etcd/${file} -w json`,
        `docker exec ${CP} mkdir -p /var/lib/gameday`,
        `docker exec ${CP} mv /var/lib/etcd/${file} /var/lib/gameday/${file}`,
        `docker cp ${CP}:/var/lib/gameday/${file} ${process.cwd()}/.gameday/snapshots/${file}`,
      ]);
      expect(snap?.path).to.equal(`${process.cwd()}/.gameday/snapshots/${file}`);
    });

    it('restores a single member as the DR guide does: apiservers and members stopped, restore, all back', async () => {
      const snapshot = { path: '/tmp/snaps/s.db', revision: 5, keys: 9, takenAt: 0 };
      const lines = await planned(() => target.etcd('gameday').restoreSingle(CP, snapshot));
      const stamp = '20260101T000000Z';
      const cps = ['gameday-control-plane', 'gameday-control-plane2', CP3];
      const components = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];
      const restore = lines.find((l) => l.includes(' ctr -n k8s.io run '));
      expect(lines).to.deep.equal([
        ...cps.flatMap((n) =>
          components.map((c) => `docker exec ${n} mv /etc/kubernetes/manifests/${c}.yaml /etc/kubernetes/${c}.yaml`),
        ),
        ...cps.map((n) => `docker exec ${n} mv /etc/kubernetes/manifests/etcd.yaml /etc/kubernetes/etcd.yaml`),
        `docker exec ${CP} mv /var/lib/etcd /var/lib/etcd-bak-${stamp}`,
        `docker exec ${CP} mkdir -p /var/lib/gameday`,
        `docker cp /tmp/snaps/s.db ${CP}:/var/lib/gameday/s.db`,
        restore,
        moveIn(CP, `etcd.yaml`),
        // Every apiserver onto the restored member, in the manifest while it is out, then all started again.
        ...cps.flatMap((n) => [
          `docker exec ${n} cp /etc/kubernetes/manifests/kube-apiserver.yaml /etc/kubernetes/kube-apiserver.yaml.gameday-${stamp}`,
          `docker exec ${n} sed -i -e 's#^\\(\\s*- --etcd-servers=\\).*#\\1https://172.18.0.2:2379#' /etc/kubernetes/manifests/kube-apiserver.yaml`,
        ]),
        ...components.flatMap((c) => cps.map((n) => moveIn(n, `${c}.yaml`))),
      ]);
      // The member's real name and peer URL (its manifest's), etcdutl on etcd 3.5, no --skip-hash-check.
      expect(restore).to.match(
        new RegExp(
          `^docker exec ${CP} ctr -n k8s.io run --rm --mount type=bind,src=/var/lib,dst=/var/lib,options=rbind:rw registry.k8s.io/etcd:3.5.16-0 gameday-etcd-restore-${stamp.toLowerCase()}-[0-9a-f]{6} ` +
            `etcdutl snapshot restore /var/lib/gameday/s.db --name ${CP} --initial-advertise-peer-urls https://172.18.0.2:2380 ` +
            `--initial-cluster ${CP}=https://172.18.0.2:2380 --initial-cluster-token gameday-restore-${stamp.toLowerCase()} --data-dir /var/lib/etcd$`,
        ),
      );
    });

    it('removes a member by id, parks its manifest and moves its data dir aside', async () => {
      const lines = await planned(() => target.etcd('gameday').memberRemove(CP3));
      expect(lines).to.deep.equal([
        `docker exec ${CP} crictl exec etcd-${CP} etcdctl ${CERTS} member remove 3333333333333333`,
        `docker exec ${CP3} mv /etc/kubernetes/manifests/etcd.yaml /etc/kubernetes/etcd.yaml`,
        `docker exec ${CP3} mv /var/lib/etcd /var/lib/etcd-removed-20260101T000000Z`,
      ]);
    });

    it('adds a member back with member add, initial-cluster-state=existing and the new member list', async () => {
      fake.etcdRunning.delete(CP3);
      const e = target.etcd('gameday');
      const lines = await planned(async () => {
        const m = await e.memberAdd('gameday-control-plane4', CP3).catch((err: unknown) => err);
        expect(m).to.include({ name: 'gameday-control-plane4', peerURL: 'https://172.18.0.4:2380', node: CP3 });
      });
      const ic = [CP, 'gameday-control-plane2', CP3]
        .map((n, i) => `${n}=https://172.18.0.${i + 2}:2380`)
        .concat('gameday-control-plane4=https://172.18.0.4:2380')
        .join(',');
      expect(lines).to.deep.equal([
        // As a learner (etcd 3.4+), as kubeadm joins members; promoted once it caught up (not in a dry run).
        `docker exec ${CP} crictl exec etcd-${CP} etcdctl ${CERTS} member add gameday-control-plane4 --peer-urls=https://172.18.0.4:2380 --learner`,
        `docker exec ${CP3} mv /etc/kubernetes/manifests/etcd.yaml /etc/kubernetes/etcd.yaml`,
        `docker exec ${CP3} mv /var/lib/etcd /var/lib/etcd-bak-20260101T000000Z`,
        `docker exec ${CP3} sed -i -e 's#^\\(\\s*- --name=\\).*#\\1gameday-control-plane4#' -e 's#^\\(\\s*- --initial-cluster=\\).*#\\1${ic}#' ` +
          `-e /--initial-cluster-state=/d -e 's#^\\(\\s*\\)- --initial-cluster=.*#&\\n\\1- --initial-cluster-state=existing#' /etc/kubernetes/etcd.yaml`,
        moveIn(CP3, `etcd.yaml`),
      ]);
    });

    it('points every kube-apiserver at the given members, keeping a copy outside the manifest dir', async () => {
      const lines = await planned(() => target.etcd('gameday').pointApiserver([CP]));
      expect(lines).to.deep.equal(
        ['gameday-control-plane', 'gameday-control-plane2', CP3].flatMap((n) => [
          `docker exec ${n} cp /etc/kubernetes/manifests/kube-apiserver.yaml /etc/kubernetes/kube-apiserver.yaml.gameday-20260101T000000Z`,
          `docker exec ${n} sed -i -e 's#^\\(\\s*- --etcd-servers=\\).*#\\1https://172.18.0.2:2379#' /etc/kubernetes/manifests/kube-apiserver.yaml`,
        ]),
      );
    });

    it('writes under /gameday/ with etcdctl put and reads the prefix back linearizably', async () => {
      const e = target.etcd('gameday');
      expect(await planned(() => e.write('w/3', 'three'))).to.deep.equal([
        `docker exec ${CP} crictl exec etcd-${CP} etcdctl ${CERTS} put /gameday/w/3 three -w json`,
      ]);
      const got = await e.read('w/');
      expect([...got]).to.deep.equal([
        ['w/1', 'one'],
        ['w/2', 'two'],
      ]);
      expect(actions.entries.at(-1)).to.include({
        text: `docker exec ${CP} crictl exec etcd-${CP} etcdctl ${CERTS} get --prefix /gameday/w/ -w json`,
        readOnly: true,
      });
    });

    it('reads a full /gameday/ prefix back with full keys, as the steady writer wrote and checks them', async () => {
      const got = await target.etcd('gameday').read('/gameday/w/');
      expect([...got.keys()]).to.deep.equal(['/gameday/w/1', '/gameday/w/2']);
    });
  });
});
