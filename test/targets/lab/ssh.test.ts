import { expect } from 'chai';
import { RealClock } from '../../../src/engine/clock.js';
import { createLabTarget, type LabTarget } from '../../../src/targets/lab/lab-target.js';
import type { LabProfile } from '../../../src/targets/lab/profile.js';
import { ActionLog } from '../../../src/targets/target.js';
import { findEngine, releaseEngine } from '../../support/docker.js';
import { missingForSshHost, sshHostImage, startSshHost, type SshHost } from '../../support/ssh-host.js';

/**
 * Issue 13 item 11 against a real sshd and a real sudo (test/support/ssh-host.ts): ssh that never prompts,
 * templates that run whole as root, and clear refusals. Skips, saying what is missing, without Docker or
 * without what the sshd image is made from.
 */
describe('lab target over a real ssh (issue 13 item 11)', function () {
  this.timeout(300_000);
  let host: SshHost;

  before(async function () {
    const missing = missingForSshHost() ?? (await findEngine());
    const image = missing ? undefined : await sshHostImage();
    const why = missing ?? (image && 'missing' in image ? image.missing : undefined);
    if (why || !image || 'missing' in image) {
      console.log(`      (skipped: ${why ?? 'no sshd image'})`);
      this.skip();
    }
    host = await startSshHost(image.tag);
  });

  after(async () => {
    await host?.remove();
    releaseEngine();
  });

  function target(user: string, knownHosts: string, commands: LabProfile['commands'] = {}): LabTarget {
    const profile: LabProfile = {
      clusters: [
        {
          name: 'lab',
          context: 'lab-admin',
          nodes: {
            ssh: {
              user,
              port: host.port,
              key: host.key,
              connectTimeout: 5,
              options: ['-F', '/dev/null', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'IdentitiesOnly=yes'],
            },
            hosts: { node1: { host: '127.0.0.1' } },
          },
        },
      ],
      commands,
    };
    return createLabTarget({
      profile,
      clock: new RealClock(),
      actions: new ActionLog(),
      // Well past ConnectTimeout: a prompt that hung would end here, as a timeout, not as a refusal.
      commandTimeoutMs: 30_000,
    });
  }

  it('issue 13 item 11: a template with && and > runs every part as root, through sudo -n sh -c', async () => {
    const t = target('ops', host.knownHosts, {
      serviceStop: 'id -u > /root/gameday-first && id -un > /root/gameday-second',
    });
    await t.nodes('lab').service('node1', 'kubelet', 'stop');
    expect((await host.exec('cat', '/root/gameday-first')).stdout).to.equal('0');
    expect((await host.exec('cat', '/root/gameday-second')).stdout).to.equal('root');
    expect(t.actions.entries.at(-1)?.text).to.match(
      / -o BatchMode=yes -o ConnectTimeout=5 .*ops@127\.0\.0\.1 "sudo -n sh -c 'id -u > \/root\/gameday-first && id -un > \/root\/gameday-second'"$/,
    );
  });

  it('issue 13 item 11: a host whose key is unknown is refused at once, saying how to trust it', async () => {
    const t = target('ops', host.emptyKnownHosts);
    for (const op of [
      () => t.nodes('lab').service('node1', 'kubelet', 'stop'),
      // A read-only state query too: an unknown key is not "the host is down".
      () => t.nodes('lab').serviceState('node1', 'kubelet'),
    ]) {
      const err = await op().catch((e: unknown) => e);
      // A refusal (InfrastructureError, exit 3), not a prompt that ran into the command timeout.
      expect((err as Error).constructor.name).to.equal('SshRefusedError');
      expect((err as Error).message).to.include('ssh to ops@127.0.0.1 refused the host: its key is not in known_hosts');
      expect((err as Error).message).to.include(`ssh-keyscan -p ${host.port} 127.0.0.1 >> ~/.ssh/known_hosts`);
    }
    expect((await host.exec('test', '-e', '/root/gameday-refused')).exitCode).to.equal(1);
  });

  it('issue 13 item 11: sudo that would ask for a password fails at once with what to change', async () => {
    const t = target('pw', host.knownHosts, { serviceStop: 'touch /root/gameday-refused' });
    const err = await t
      .nodes('lab')
      .service('node1', 'kubelet', 'stop')
      .catch((e: unknown) => e);
    expect((err as Error).constructor.name).to.equal('SshRefusedError');
    expect((err as Error).message).to.match(
      /^sudo on 127\.0\.0\.1 asks pw for a password \(sudo: a password is required\)/,
    );
    expect((err as Error).message).to.include('NOPASSWD');
    expect((await host.exec('test', '-e', '/root/gameday-refused')).exitCode).to.equal(1);
  });
});
