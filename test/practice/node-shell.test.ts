import { expect } from 'chai';
import { NodeShell, type ShellBackend } from '../../src/practice/node-shell.js';
import { parseCommandLine, tokenize } from '../../src/practice/shell-words.js';
import { FakeEtcdOps, FakeNodeOps } from './fake-ops.js';
import { T0, fakeKube, nodeObject, podObject } from './fake-kube.js';

const WORKER = '10.128.38.8';
const MASTER = '10.128.38.1';
const NOW = T0 + 5 * 60_000;

function setup(o: { node?: string; master?: boolean; nodeOpts?: Parameters<typeof nodeObject>[1] } = {}) {
  const node = o.node ?? WORKER;
  const nodes = new FakeNodeOps([WORKER, MASTER]);
  const etcd = new FakeEtcdOps();
  const kube = fakeKube({
    nodes: [nodeObject(WORKER, o.node === WORKER || !o.node ? o.nodeOpts : {}), nodeObject(MASTER, { master: true })],
    pods: [
      podObject('gateway-system', 'gateway-proxy-7d4b9c-x2x7q', WORKER, { memory: '4Gi', restarts: 2 }),
      podObject('skiff-nsf', 'nsf-server-5f6c7d-abcde', WORKER, { memory: '2Gi' }),
      podObject('kube-system', `etcd-${MASTER}`, MASTER, { mirror: 'etcd' }),
      podObject('kube-system', `kube-apiserver-${MASTER}`, MASTER, { mirror: 'kube-apiserver' }),
      podObject('kube-system', `kube-controller-manager-${MASTER}`, MASTER, { mirror: 'kube-controller-manager' }),
      podObject('kube-system', `kube-scheduler-${MASTER}`, MASTER, { mirror: 'kube-scheduler' }),
    ],
  });
  const backend: ShellBackend = { nodes, etcd, kube, node, isMaster: o.master ?? node === MASTER };
  let now = NOW;
  const shell = new NodeShell(backend, () => now);
  return { shell, nodes, etcd, advance: (ms: number) => (now += ms) };
}

describe('the shell-word splitter', () => {
  it('keeps quoted text together and drops the quotes, as a shell does', () => {
    expect(tokenize(`echo '' > "/usr/local/tomcat/logs/catalina.out"`)).to.deep.equal([
      { word: 'echo' },
      { word: '' },
      { op: '>' },
      { word: '/usr/local/tomcat/logs/catalina.out' },
    ]);
    expect(tokenize(`grep "a \\"b\\" c" it\\ s`)).to.deep.equal([
      { word: 'grep' },
      { word: 'a "b" c' },
      { word: 'it s' },
    ]);
  });

  it('splits pipelines and lists on |, ;, && and ||', () => {
    const list = parseCommandLine(
      'systemctl stop kubelet && systemctl start kubelet; journalctl -u kubelet | tail -n 2',
    );
    expect(list.map((l) => [l.after, l.pipeline.map((c) => c.words.join(' '))])).to.deep.equal([
      [';', ['systemctl stop kubelet']],
      ['&&', ['systemctl start kubelet']],
      [';', ['journalctl -u kubelet', 'tail -n 2']],
    ]);
  });

  it("refuses an unterminated quote with the shell's message", () => {
    expect(() => tokenize("echo 'oops")).to.throw(/unexpected EOF/);
  });
});

describe('the node shell', () => {
  describe('systemctl', () => {
    it('stops and starts kubelet through NodeOps.service', async () => {
      const { shell, nodes } = setup();
      expect((await shell.run('systemctl stop kubelet')).exitCode).to.equal(0);
      expect((await shell.run('sudo systemctl start kubelet.service')).exitCode).to.equal(0);
      await shell.run('systemctl restart docker');
      await shell.run('systemctl restart containerd');
      expect(nodes.calls).to.deep.equal([
        ['service', WORKER, 'kubelet', 'stop'],
        ['service', WORKER, 'kubelet', 'start'],
        ['service', WORKER, 'container-runtime', 'restart'],
        ['service', WORKER, 'container-runtime', 'restart'],
      ]);
    });

    it('shows status shaped like systemd, inactive with exit status 3 after a stop', async () => {
      const { shell, advance } = setup();
      const active = await shell.run('systemctl status kubelet');
      expect(active.exitCode).to.equal(0);
      expect(active.stdout.split('\n')[0]).to.equal('● kubelet.service - kubelet: The Kubernetes Node Agent');
      expect(active.stdout).to.match(/ {5}Active: active \(running\) since Wed 2025-12-31 00:00:00 UTC; 1 day 0h ago/);
      await shell.run('systemctl stop kubelet');
      advance(125_000);
      const stopped = await shell.run('systemctl status kubelet');
      expect(stopped.exitCode).to.equal(3);
      expect(stopped.stdout).to.contain('     Active: inactive (dead) since Thu 2026-01-01 00:05:00 UTC; 2min 5s ago');
      expect(stopped.stdout).to.contain('Stopped kubelet: The Kubernetes Node Agent.');
      const docker = await shell.run('systemctl status docker');
      expect(docker.stdout.split('\n')[0]).to.equal('● docker.service - Docker Application Container Engine');
    });

    it("answers is-active with the state word and systemd's exit status", async () => {
      const { shell } = setup();
      await shell.run('systemctl stop docker');
      expect(await shell.run('systemctl is-active docker')).to.deep.equal({
        stdout: 'inactive\n',
        stderr: '',
        exitCode: 3,
      });
      expect(await shell.run('systemctl is-active kubelet')).to.deep.equal({
        stdout: 'active\n',
        stderr: '',
        exitCode: 0,
      });
    });

    it('says an unknown unit could not be found', async () => {
      const { shell } = setup();
      const r = await shell.run('systemctl status nginx');
      expect(r.stderr).to.equal('Unit nginx.service could not be found.\n');
      expect(r.exitCode).to.equal(4);
    });
  });

  describe('journalctl', () => {
    it('shows the stop at the end of the kubelet journal when kubelet is down', async () => {
      const { shell } = setup();
      await shell.run('systemctl stop kubelet');
      const r = await shell.run('journalctl -u kubelet -n 3 --no-pager');
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines).to.have.length(4);
      expect(lines[0]).to.match(/^-- Logs begin at/);
      expect(lines[3]).to.equal(`Jan 01 00:05:00 ${WORKER} systemd[1]: Stopped kubelet: The Kubernetes Node Agent.`);
    });

    it('shows failing node-status updates when the node is unreachable while kubelet runs', async () => {
      const { shell } = setup({ nodeOpts: { ready: 'Unknown' } });
      const r = await shell.run('journalctl -u kubelet | grep "Error updating node status" | wc -l');
      expect(Number(r.stdout.trim())).to.be.greaterThan(3);
      const one = await shell.run('journalctl -u kubelet | grep "Error updating node status" | tail -1');
      expect(one.stdout).to.contain(`dial tcp ${MASTER}:6443: connect: no route to host`);
    });

    it('shows the eviction manager reclaiming memory under memory pressure', async () => {
      const { shell } = setup({ nodeOpts: { memoryPressure: true } });
      const r = await shell.run('journalctl -u kubelet -n 20');
      expect(r.stdout).to.contain('"Eviction manager: attempting to reclaim" resourceName="memory"');
    });
  });

  describe('static-pod manifests', () => {
    it('moves a manifest out and back through NodeOps.manifest, and ls shows it gone meanwhile', async () => {
      const { shell, nodes } = setup({ node: MASTER });
      expect((await shell.run('ls /etc/kubernetes/manifests')).stdout).to.equal(
        'etcd.yaml\nkube-apiserver.yaml\nkube-controller-manager.yaml\nkube-scheduler.yaml\n',
      );
      expect((await shell.run('mv /etc/kubernetes/manifests/etcd.yaml /etc/kubernetes/')).exitCode).to.equal(0);
      expect((await shell.run('ls /etc/kubernetes/manifests')).stdout).not.to.contain('etcd.yaml');
      expect((await shell.run('ls /etc/kubernetes')).stdout).to.contain('etcd.yaml');
      expect((await shell.run('mv /etc/kubernetes/etcd.yaml /etc/kubernetes/manifests/')).exitCode).to.equal(0);
      expect(nodes.calls).to.deep.equal([
        ['manifest', MASTER, 'etcd', 'out'],
        ['manifest', MASTER, 'etcd', 'in'],
      ]);
    });

    it('refuses to move a manifest from the wrong place back, as mv would', async () => {
      const { shell, nodes } = setup({ node: MASTER });
      await shell.run('mv /etc/kubernetes/manifests/kube-scheduler.yaml /tmp');
      const r = await shell.run('mv /root/kube-scheduler.yaml /etc/kubernetes/manifests/');
      expect(r.stderr).to.equal("mv: cannot stat '/root/kube-scheduler.yaml': No such file or directory\n");
      expect(
        (await shell.run('mv /tmp/kube-scheduler.yaml /etc/kubernetes/manifests/kube-scheduler.yaml')).exitCode,
      ).to.equal(0);
      expect(nodes.calls.map((c) => c[3])).to.deep.equal(['out', 'in']);
    });

    it('has no manifests on a worker', async () => {
      const { shell } = setup();
      expect((await shell.run('mv /etc/kubernetes/manifests/etcd.yaml /tmp')).exitCode).to.equal(1);
      expect((await shell.run('ls /etc/kubernetes/manifests')).stdout).to.equal('');
    });
  });

  describe('etcdctl', () => {
    const FLAGS =
      '--endpoints=https://127.0.0.1:2379 --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert /etc/kubernetes/pki/etcd/server.crt --key=/etc/kubernetes/pki/etcd/server.key';

    it('lists members as etcdctl does, ignoring the TLS flags', async () => {
      const { shell } = setup({ node: MASTER });
      const r = await shell.run(`ETCDCTL_API=3 etcdctl ${FLAGS} member list`);
      expect(r.stdout.split('\n')[0]).to.equal(
        '8e9e05c52164694d, started, etcd-10.128.38.1, https://10.128.38.1:2380, https://10.128.38.1:2379, false',
      );
      const table = await shell.run(`etcdctl ${FLAGS} member list -w table`);
      expect(table.stdout).to.contain('|        ID        | STATUS  |');
    });

    it('removes a member by ID and adds one with its peer URL, printing the ETCD_ variables', async () => {
      const { shell, etcd } = setup({ node: MASTER });
      const removed = await shell.run(`etcdctl ${FLAGS} member remove fd422379fda50e48`);
      expect(removed.stdout).to.match(/^Member fd422379fda50e48 removed from cluster [0-9a-f]{16}\n$/);
      const added = await shell.run(
        `etcdctl ${FLAGS} member add etcd-10.128.38.4 --peer-urls=https://10.128.38.4:2380`,
      );
      expect(added.stdout).to.match(/^Member a1b2c3d4e5f60718 added to cluster [0-9a-f]{16}\n/);
      expect(added.stdout).to.contain('ETCD_INITIAL_CLUSTER_STATE="existing"');
      expect(added.stdout).to.contain('etcd-10.128.38.4=https://10.128.38.4:2380');
      expect(etcd.calls.filter((c) => c[0] !== 'members')).to.deep.equal([
        ['memberRemove', 'etcd-10.128.38.3'],
        ['memberAdd', 'etcd-10.128.38.4', '10.128.38.4'],
      ]);
      expect((await shell.run('etcdctl member remove 0000000000000000')).stderr).to.equal(
        'Error: etcdserver: member not found\n',
      );
    });

    it('reports endpoint health and fails with "unhealthy cluster" when a member is down', async () => {
      const { shell, etcd } = setup({ node: MASTER });
      const local = await shell.run(`etcdctl ${FLAGS} endpoint health`);
      expect(local).to.deep.equal({
        stdout: 'https://10.128.38.1:2379 is healthy: successfully committed proposal: took = 2.1ms\n',
        stderr: '',
        exitCode: 0,
      });
      etcd.down.add('etcd-10.128.38.2');
      const cluster = await shell.run(`etcdctl ${FLAGS} endpoint health --cluster`);
      expect(cluster.exitCode).to.equal(1);
      expect(cluster.stdout.trim().split('\n')).to.have.length(2);
      expect(cluster.stderr).to.equal(
        'https://10.128.38.2:2379 is unhealthy: failed to commit proposal: context deadline exceeded\nError: unhealthy cluster\n',
      );
    });

    it('saves a snapshot and restores it as a single member by the path typed', async () => {
      const { shell, etcd } = setup({ node: MASTER });
      expect((await shell.run(`etcdctl ${FLAGS} snapshot save /var/lib/etcd-backup/snap.db`)).stdout).to.equal(
        'Snapshot saved at /var/lib/etcd-backup/snap.db\n',
      );
      const r = await shell.run(
        'etcdctl snapshot restore /var/lib/etcd-backup/snap.db --name etcd-10.128.38.1 --initial-cluster etcd-10.128.38.1=https://10.128.38.1:2380 --initial-advertise-peer-urls https://10.128.38.1:2380 --data-dir /var/lib/etcd --skip-hash-check',
      );
      expect(r.exitCode).to.equal(0);
      expect(etcd.calls.filter((c) => c[0] === 'snapshotSave' || c[0] === 'restoreSingle')).to.deep.equal([
        ['snapshotSave', 'snap'],
        ['restoreSingle', 'etcd-10.128.38.1', '/var/lib/gameday/snapshots/snap-1.db'],
      ]);
      expect((await shell.run('etcdctl snapshot restore /nope.db')).stderr).to.equal(
        'Error: stat /nope.db: no such file or directory\n',
      );
    });

    it('is not installed on a worker', async () => {
      const { shell } = setup();
      const r = await shell.run('etcdctl member list');
      expect(r.exitCode).to.equal(127);
      expect(r.stderr).to.contain('etcdctl: command not found');
    });
  });

  describe('runtime, memory, disk', () => {
    it("lists the node's containers from the API with dockershim names", async () => {
      const { shell } = setup();
      const r = await shell.run('docker ps');
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]).to.match(/^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$/);
      expect(lines).to.have.length(3);
      expect(lines[1]).to.match(
        /^0123456789ab +registry\.local\/gateway-proxy-7d4b9c-x2x7q:1\.0 .* Up 15 minutes .*k8s_app_gateway-proxy-7d4b9c-x2x7q_gateway-system_uid-gateway-proxy-7d4b9c-x2x7q_2$/,
      );
      const cri = await shell.run('crictl ps | grep nsf-server');
      expect(cri.stdout).to.match(
        /^0123456789abc +registry\.local\/nsf-server-5f6c7d-abcde:1\.0 +15 minutes ago +Running +app +0 /,
      );
    });

    it('cannot reach the Docker daemon when the runtime is stopped', async () => {
      const { shell } = setup();
      await shell.run('systemctl stop docker');
      const r = await shell.run('docker ps');
      expect(r.exitCode).to.equal(1);
      expect(r.stderr).to.equal(
        'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n',
      );
    });

    it('prints free -m from capacity and requests, nearly full under MemoryPressure', async () => {
      const calm = (await setup().shell.run('free -m')).stdout.split('\n');
      expect(calm[0]).to.equal('               total        used        free      shared  buff/cache   available');
      const [, total, used] = calm[1]!.trim().split(/\s+/).map(Number);
      expect(total).to.equal(32768);
      expect(used).to.equal(Math.floor(32768 * 0.08 + 6 * 1024));
      const full = (await setup({ nodeOpts: { memoryPressure: true } }).shell.run('free -m')).stdout.split('\n');
      expect(Number(full[1]!.trim().split(/\s+/)[2])).to.equal(Math.floor(32768 * 0.97));
    });

    it('prints df -h with the root file system 94% full under DiskPressure', async () => {
      const r = await setup({ nodeOpts: { diskPressure: true } }).shell.run('df -h');
      expect(r.stdout.split('\n')[0]).to.equal('Filesystem      Size  Used Avail Use% Mounted on');
      expect(r.stdout).to.match(/\n\/dev\/vda1 +100G +94G +6\.0G +94% \/\n/);
      expect((await setup().shell.run("df -h | grep 'vda1 '")).stdout).to.match(/^\/dev\/vda1 .* 37% \/\n$/);
    });

    it('relieves disk pressure when the Tomcat logs are truncated, and only then', async () => {
      const { shell, nodes } = setup();
      expect((await shell.run("echo '' > /usr/local/tomcat/logs/catalina.out")).exitCode).to.equal(0);
      expect((await shell.run('truncate -s 0 /usr/local/tomcat/logs/catalina.out')).exitCode).to.equal(0);
      expect((await shell.run('echo hi > /etc/hosts')).exitCode).to.equal(1);
      expect(nodes.calls).to.deep.equal([
        ['relieve', WORKER, 'disk'],
        ['relieve', WORKER, 'disk'],
      ]);
    });
  });

  describe('power and the rest', () => {
    it('reboots by powering off then on, and ends the session', async () => {
      const { shell, nodes } = setup();
      const r = await shell.run('reboot');
      expect(r.exit).to.equal(true);
      expect(r.stderr).to.equal(`Connection to ${WORKER} closed by remote host.\n`);
      expect(nodes.calls).to.deep.equal([
        ['power', WORKER, 'off'],
        ['power', WORKER, 'on'],
      ]);
    });

    it('cannot reach a host that is down, but its BMC can power it on', async () => {
      const { shell, nodes } = setup();
      nodes.services.set(`${WORKER}/kubelet`, 'unknown');
      const r = await shell.run('hostname');
      expect(r.exitCode).to.equal(255);
      expect(r.stderr).to.contain(`ssh: connect to host ${WORKER} port 22: Connection timed out`);
      expect((await shell.run('ipmitool -I lanplus -H bmc-8 power on')).stdout).to.equal(
        'Chassis Power Control: Up/On\n',
      );
      expect(nodes.calls).to.deep.equal([['power', WORKER, 'on']]);
    });

    it('answers hostname and uptime, and exit ends the session', async () => {
      const { shell } = setup();
      expect((await shell.run('hostname')).stdout).to.equal(`${WORKER}\n`);
      expect((await shell.run('uptime')).stdout).to.equal(
        ' 00:05:00 up 1 day, 0:05,  1 user,  load average: 1.20, 1.08, 0.96\n',
      );
      expect((await shell.run('exit')).exit).to.equal(true);
    });

    it('says any other command is not simulated, with exit status 127', async () => {
      const { shell } = setup();
      const r = await shell.run('iptables -L');
      expect(r.exitCode).to.equal(127);
      expect(r.stderr).to.match(/^iptables: not simulated on this node \(gameday node shell supports: systemctl/);
    });

    it('runs && only after success and || only after failure', async () => {
      const { shell, nodes } = setup();
      await shell.run('systemctl is-active kubelet && systemctl restart kubelet');
      await shell.run('systemctl is-active kubelet || systemctl start docker');
      expect(nodes.calls).to.deep.equal([['service', WORKER, 'kubelet', 'restart']]);
    });

    it('tells a diagnostic command from one that changes the node', () => {
      expect(NodeShell.isDiagnostic('systemctl status kubelet')).to.equal(true);
      expect(NodeShell.isDiagnostic('sudo journalctl -u kubelet | tail')).to.equal(true);
      expect(NodeShell.isDiagnostic('systemctl restart kubelet')).to.equal(false);
    });
  });
});
