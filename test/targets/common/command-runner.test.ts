import { expect } from 'chai';
import { RealClock, VirtualClock } from '../../../src/engine/clock.js';
import { MissingDependencyError } from '../../../src/errors.js';
import { CommandRunner } from '../../../src/targets/common/command-runner.js';
import { CommandFailedError } from '../../../src/targets/common/errors.js';
import { commandLine, fillTemplate, needsShell, splitCommandLine } from '../../../src/targets/common/shell.js';
import { ActionLog } from '../../../src/targets/target.js';

describe('CommandRunner', () => {
  it('records the command line before running it through execa, with the clock time', async () => {
    const actions = new ActionLog();
    const clock = new VirtualClock();
    const seen: string[] = [];
    actions.onRecord((a) => seen.push(`${a.text} @${a.at}`));
    const runner = new CommandRunner({ cluster: 'c1', clock, actions, dryRun: false });
    const r = await runner.run(['sh', '-c', 'echo hello; echo oops >&2; exit 3'], { allowFailure: true });
    expect(r).to.include({ exitCode: 3, stdout: 'hello', stderr: 'oops', ran: true });
    expect(seen).to.deep.equal([`sh -c 'echo hello; echo oops >&2; exit 3' @${clock.now()}`]);
    expect(actions.entries[0]).to.deep.equal({
      at: clock.now(),
      cluster: 'c1',
      kind: 'command',
      text: seen[0]?.split(' @')[0],
      dryRun: false,
    });
  });

  it('throws a CommandFailedError quoting the command and its stderr on a non-zero exit', async () => {
    const runner = new CommandRunner({
      cluster: 'c1',
      clock: new RealClock(),
      actions: new ActionLog(),
      dryRun: false,
    });
    const err = await runner.run(['sh', '-c', 'echo "no such container" >&2; exit 1']).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(CommandFailedError);
    expect((err as Error).message).to.equal(
      `\`sh -c 'echo "no such container" >&2; exit 1'\` exited with 1:\nno such container`,
    );
  });

  it('says which program is missing when it is not installed', async () => {
    const runner = new CommandRunner({
      cluster: 'c1',
      clock: new RealClock(),
      actions: new ActionLog(),
      dryRun: false,
    });
    const err = await runner.run(['gameday-no-such-program', 'x']).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(MissingDependencyError);
    expect((err as Error).message).to.match(/gameday-no-such-program is not installed or not on PATH/);
  });

  it('in dry-run mode runs read-only commands and only records the others', async () => {
    const actions = new ActionLog();
    const runner = new CommandRunner({ cluster: 'c1', clock: new RealClock(), actions, dryRun: true });
    const read = await runner.run(['echo', 'planning'], { readOnly: true });
    const write = await runner.run(['sh', '-c', 'exit 9']);
    expect(read).to.include({ ran: true, stdout: 'planning' });
    expect(write).to.include({ ran: false, exitCode: 0 });
    expect(actions.entries.map((a) => [a.text, a.dryRun, a.readOnly])).to.deep.equal([
      ['echo planning', false, true],
      ["sh -c 'exit 9'", true, undefined],
    ]);
  });
});

describe('command lines', () => {
  it('quotes only the words that need it, as a person would', () => {
    expect(
      commandLine(['docker', 'exec', 'n1', 'mv', '/etc/kubernetes/manifests/etcd.yaml', '/etc/kubernetes/etcd.yaml']),
    ).to.equal('docker exec n1 mv /etc/kubernetes/manifests/etcd.yaml /etc/kubernetes/etcd.yaml');
    expect(commandLine(['sh', '-c', "echo it's"])).to.equal(`sh -c 'echo it'\\''s'`);
    expect(commandLine(['x', ''])).to.equal("x ''");
  });

  it('fills placeholders and refuses a template with a hole', () => {
    expect(fillTemplate('ipmitool -H {bmc} power off', { bmc: '10.0.0.9' })).to.equal('ipmitool -H 10.0.0.9 power off');
    expect(() => fillTemplate('systemctl stop {unit}', {})).to.throw(/uses \{unit\}, which has no value here/);
  });

  it('splits a command line into words the way a shell does for quotes', () => {
    expect(splitCommandLine(`ipmitool -H 10.0.0.9 -P 'pass word' "a \\"b\\"" c\\ d`)).to.deep.equal([
      'ipmitool',
      '-H',
      '10.0.0.9',
      '-P',
      'pass word',
      'a "b"',
      'c d',
    ]);
    expect(needsShell('systemctl stop kubelet')).to.equal(false);
    expect(needsShell('mkdir -p /x && mount x')).to.equal(true);
    expect(needsShell("echo 'a && b'")).to.equal(false);
  });
});
