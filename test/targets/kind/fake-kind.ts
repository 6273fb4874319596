import type { Exec, ExecResult } from '../../../src/targets/common/command-runner.js';
import { commandLine } from '../../../src/targets/common/shell.js';
import { apiserverManifest, etcdManifest } from '../common/kubeadm-manifests.js';

export const CONTROL_PLANES = ['gameday-control-plane', 'gameday-control-plane2', 'gameday-control-plane3'];
export const WORKERS = ['gameday-worker', 'gameday-worker2', 'gameday-worker3'];

export const KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- cluster:
    server: https://127.0.0.1:40000
    insecure-skip-tls-verify: true
  name: kind-gameday
contexts:
- context:
    cluster: kind-gameday
    user: kind-gameday
  name: kind-gameday
current-context: kind-gameday
users:
- name: kind-gameday
  user:
    token: fake
`;

const ok = (stdout = ''): ExecResult => ({ exitCode: 0, stdout, stderr: '', timedOut: false });
const fail = (code: number, stderr = '', stdout = ''): ExecResult => ({
  exitCode: code,
  stdout,
  stderr,
  timedOut: false,
});

/**
 * Answers the read-only commands a kind target runs to plan (docker ps, crictl ps, test -e, etcdctl member
 * list) as a healthy 3+3 kind cluster would, and fails loudly on anything it was not told about: in
 * dry-run mode nothing else may run.
 */
export class FakeKind {
  readonly ran: string[] = [];
  /** Paths that exist on each node. */
  readonly files = new Map<string, Set<string>>();
  readonly etcdRunning = new Set(CONTROL_PLANES);
  /** Nodes whose member is a learner: it answers no member list, promote or put, as etcd's learners do not. */
  readonly learners = new Set<string>();
  /** The etcd image's version: what `etcdctl version` says and the manifest's image tag. */
  etcdVersion = '3.5.16';
  /** The etcd manifests' image, when not registry.k8s.io/etcd:<etcdVersion>-0. */
  imageOverride: string | undefined;

  constructor() {
    for (const n of CONTROL_PLANES) {
      this.files.set(
        n,
        new Set([
          '/etc/kubernetes/manifests/etcd.yaml',
          '/etc/kubernetes/manifests/kube-apiserver.yaml',
          '/etc/kubernetes/manifests/kube-controller-manager.yaml',
          '/etc/kubernetes/manifests/kube-scheduler.yaml',
          '/var/lib/etcd',
        ]),
      );
    }
    for (const n of WORKERS) this.files.set(n, new Set());
  }

  ip(node: string): string {
    const all = [...CONTROL_PLANES, ...WORKERS];
    return `172.18.0.${all.indexOf(node) + 2}`;
  }

  memberId(node: string): string {
    return `${CONTROL_PLANES.indexOf(node) + 1}`.repeat(16);
  }

  readonly exec: Exec = (file, args) => {
    const line = commandLine([file, ...args]);
    this.ran.push(line);
    return Promise.resolve(this.answer(file, [...args], line));
  };

  private answer(file: string, args: string[], line: string): ExecResult {
    if (file === 'kind' && args.join(' ') === 'get kubeconfig --name gameday') return ok(KUBECONFIG);
    if (file !== 'docker') throw new Error(`unexpected command: ${line}`);
    if (args[0] === 'ps') {
      return ok(
        [
          ...CONTROL_PLANES.map((n) => `${n}\tcontrol-plane`),
          'gameday-external-load-balancer\texternal-load-balancer',
          ...WORKERS.map((n) => `${n}\tworker`),
        ].join('\n'),
      );
    }
    if (args[0] === 'inspect') return ok(this.ip(args[args.length - 1]!));
    if (args[0] !== 'exec') throw new Error(`unexpected command: ${line}`);
    const node = args[1]!;
    const rest = args.slice(2);
    const cmd = rest.join(' ');
    if (cmd === 'crictl ps --name etcd -q') return ok(this.etcdRunning.has(node) ? `etcd-${node}` : '');
    if (rest[0] === 'test' && rest[1] === '-e') return this.files.get(node)?.has(rest[2]!) ? ok() : fail(1);
    // An older gameday read the etcd image with grep.
    if (rest[0] === 'grep')
      return ok(`    image: ${this.imageOverride ?? `registry.k8s.io/etcd:${this.etcdVersion}-0`}`);
    if (rest[0] === 'cat') {
      const path = rest[1]!;
      if (!this.files.get(node)?.has(path)) return fail(1, `cat: ${path}: No such file or directory`);
      if (path.endsWith('/etcd.yaml'))
        return ok(
          etcdManifest({
            name: node,
            ip: this.ip(node),
            initialCluster: CONTROL_PLANES.map((n) => `${n}=https://${this.ip(n)}:2380`).join(','),
            image: this.imageOverride ?? `registry.k8s.io/etcd:${this.etcdVersion}-0`,
          }),
        );
      if (path.endsWith('/kube-apiserver.yaml')) return ok(apiserverManifest(this.ip(node)));
      return ok('kind: Pod\n');
    }
    if (
      rest[0] === 'crictl' &&
      rest[1] === 'exec' &&
      rest[4] === 'version' &&
      (rest[3] === 'etcdctl' || rest[3] === 'etcdutl')
    )
      return ok(`${rest[3]} version: ${this.etcdVersion}\nAPI version: ${this.etcdVersion.replace(/\.\d+$/, '')}`);
    if (rest[0] === 'systemctl' && rest[1] === 'is-active') return ok('active');
    if (rest[0] === 'df') return ok('   1B-blocks        Used\n100000000000 40000000000');
    if (rest[0] === 'crictl' && rest[1] === 'exec' && !this.etcdRunning.has(node))
      return fail(
        1,
        `execing command in container: rpc error: code = NotFound desc = container "${rest[2] ?? ''}" not found`,
      );
    if (rest[0] === 'crictl' && rest[1] === 'exec' && rest[3] === 'etcdctl' && this.learners.has(node))
      return fail(1, 'Error: etcdserver: rpc not supported for learner');
    if (rest[0] === 'crictl' && rest[1] === 'exec' && rest[3] === 'etcdctl') {
      const etcdArgs = rest.slice(4 + 8).join(' ');
      if (etcdArgs === 'member list') {
        return ok(
          CONTROL_PLANES.map(
            (n) => `${this.memberId(n)}, started, ${n}, https://${this.ip(n)}:2380, https://${this.ip(n)}:2379, false`,
          ).join('\n'),
        );
      }
      if (etcdArgs === 'endpoint health --cluster') {
        return fail(
          1,
          [
            `https://${this.ip(CONTROL_PLANES[2]!)}:2379 is unhealthy: failed to commit proposal: context deadline exceeded`,
            'Error: unhealthy cluster',
          ].join('\n'),
          CONTROL_PLANES.slice(0, 2)
            .map((n) => `https://${this.ip(n)}:2379 is healthy: successfully committed proposal: took = 2.1ms`)
            .join('\n'),
        );
      }
      if (etcdArgs.startsWith('get --prefix')) {
        const kv = (k: string, v: string) => ({
          key: Buffer.from(k).toString('base64'),
          value: Buffer.from(v).toString('base64'),
        });
        return ok(
          JSON.stringify({
            header: { revision: 7 },
            kvs: [kv('/gameday/w/1', 'one'), kv('/gameday/w/2', 'two')],
            count: 2,
          }).replace('"revision":7', '"cluster_id":13455796455940752355,"revision":7'),
        );
      }
    }
    throw new Error(`unexpected command: ${line}`);
  }
}
