import type { Exec, ExecResult } from '../../../src/targets/common/command-runner.js';
import { commandLine, splitCommandLine } from '../../../src/targets/common/shell.js';
import { apiserverManifest, etcdManifest } from '../common/kubeadm-manifests.js';

const ok = (stdout = ''): ExecResult => ({ exitCode: 0, stdout, stderr: '', timedOut: false });
const fail = (exitCode: number, stderr = ''): ExecResult => ({ exitCode, stdout: '', stderr, timedOut: false });

const MASTERS = ['10.128.38.6', '10.128.38.7', '10.128.38.8'];

/**
 * Answers the read-only commands a lab target runs over ssh, for a business cluster of three masters. The
 * remote command arrives as sshd hands it to the login shell: `sudo -n sh -c '<template>'` or
 * `sudo -n <argv>`, or bare for a root login.
 */
export class FakeLab {
  readonly ran: string[] = [];
  readonly unreachable = new Set<string>();
  /** Paths that exist on every host. */
  readonly files = new Set([
    '/etc/kubernetes/manifests/business-etcd.yaml',
    '/etc/kubernetes/manifests/kube-apiserver.yaml',
    '/etc/kubernetes/manifests/kube-controller-manager.yaml',
    '/etc/kubernetes/manifests/kube-scheduler.yaml',
    '/var/lib/etcd',
  ]);
  /** What `etcdctl version` says on the hosts. */
  etcdVersion = '3.5.16';
  /** Whether `etcdutl` is on the hosts. */
  etcdutl = true;

  readonly exec: Exec = (file, args) => {
    const line = commandLine([file, ...args]);
    this.ran.push(line);
    if (file !== 'ssh') throw new Error(`unexpected command: ${line}`);
    const target = args[args.length - 2] ?? '';
    const remote = args[args.length - 1] ?? '';
    if ([...this.unreachable].some((h) => target.endsWith(`@${h}`))) {
      return Promise.resolve(fail(255, `ssh: connect to host ${target}: No route to host`));
    }
    // A template arrives as `sudo -n sh -c '<line>'`, an argv gameday built as `sudo -n <argv>`; a bare
    // `sudo <command>` is answered too (a real host would run it), the tests look at the lines themselves.
    const words = splitCommandLine(remote);
    const argv = words[0] !== 'sudo' ? undefined : words[1] === '-n' ? words.slice(2) : words.slice(1);
    const cmd =
      argv === undefined
        ? remote
        : argv.slice(0, 2).join(' ') === 'sh -c' && argv.length === 3
          ? argv[2]!
          : commandLine(argv);
    return Promise.resolve(this.answer(cmd, target.replace(/^.*@/, ''), line));
  };

  private answer(cmd: string, host: string, line: string): ExecResult {
    if (cmd === 'pgrep -x etcd') return ok('1234');
    if (cmd.startsWith('test -e ')) return this.files.has(cmd.slice(8)) ? ok() : fail(1);
    if (cmd === 'env ETCDCTL_API=3 etcdctl version')
      return ok(`etcdctl version: ${this.etcdVersion}\nAPI version: ${this.etcdVersion.replace(/\.\d+$/, '')}`);
    if (cmd === 'etcdutl version')
      return this.etcdutl
        ? ok(`etcdutl version: ${this.etcdVersion}\nAPI version: ${this.etcdVersion.replace(/\.\d+$/, '')}`)
        : fail(127, 'sh: 1: etcdutl: not found');
    if (cmd.startsWith('cat ')) {
      const path = cmd.slice(4);
      if (!this.files.has(path)) return fail(1, `cat: ${path}: No such file or directory`);
      const ip = host === 'biz-master-2.lab' ? '10.128.38.7' : host;
      const name = `etcd${MASTERS.indexOf(ip) + 1}`;
      if (path.endsWith('etcd.yaml'))
        return ok(
          etcdManifest({
            name,
            ip,
            initialCluster: MASTERS.map((m, i) => `etcd${i + 1}=https://${m}:2380`).join(','),
            pki: '/etc/kubernetes/business/pki/etcd',
          }),
        );
      if (path.endsWith('kube-apiserver.yaml')) return ok(apiserverManifest(ip));
      return ok('kind: Pod\n');
    }
    if (cmd === 'free -b') {
      return ok(
        '               total        used        free      shared  buff/cache   available\nMem:     16000000000  6000000000  2000000000   100000000  8000000000 10000000000\nSwap:              0           0           0',
      );
    }
    if (cmd.startsWith('df ')) return ok('   1B-blocks        Used\n100000000000 40000000000');
    if (cmd.startsWith('systemctl is-active')) return ok('inactive');
    if (cmd.includes(' member list')) {
      return ok(
        [6, 7, 8]
          .map(
            (n, i) =>
              `${`${i + 1}`.repeat(16)}, started, etcd${i + 1}, https://10.128.38.${n}:2380, https://10.128.38.${n}:2379, false`,
          )
          .join('\n'),
      );
    }
    throw new Error(`unexpected command: ${line}`);
  }
}
