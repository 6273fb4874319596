import type { Exec, ExecResult } from '../../../src/targets/common/command-runner.js';
import { commandLine } from '../../../src/targets/common/shell.js';

const ok = (stdout = ''): ExecResult => ({ exitCode: 0, stdout, stderr: '', timedOut: false });

/** Answers the read-only commands a lab target runs over ssh, for a business cluster of three masters. */
export class FakeLab {
  readonly ran: string[] = [];
  readonly unreachable = new Set<string>();
  readonly files = new Set(['/etc/kubernetes/manifests/business-etcd.yaml', '/var/lib/etcd']);

  readonly exec: Exec = (file, args) => {
    const line = commandLine([file, ...args]);
    this.ran.push(line);
    if (file !== 'ssh') throw new Error(`unexpected command: ${line}`);
    const target = args[args.length - 2] ?? '';
    const remote = args[args.length - 1] ?? '';
    if ([...this.unreachable].some((h) => target.endsWith(`@${h}`))) {
      return Promise.resolve({
        exitCode: 255,
        stdout: '',
        stderr: `ssh: connect to host ${target}: No route to host`,
        timedOut: false,
      });
    }
    return Promise.resolve(this.answer(remote.replace(/^sudo /, ''), line));
  };

  private answer(cmd: string, line: string): ExecResult {
    if (cmd === 'pgrep -x etcd') return ok('1234');
    if (cmd.startsWith('test -e '))
      return this.files.has(cmd.slice(8)) ? ok() : { exitCode: 1, stdout: '', stderr: '', timedOut: false };
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
