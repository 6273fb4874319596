import { InfrastructureError } from '../../errors.js';
import type { CommandResult } from '../common/command-runner.js';

/**
 * ssh or sudo refused to go on without a person: an unknown or changed host key, a login that needs a
 * password, or sudo asking for one. With BatchMode and `sudo -n` these fail at once instead of hanging
 * the drill, and they are never an answer of the host (not "unreachable", not "inactive"): the profile or
 * the host must change.
 */
export class SshRefusedError extends InfrastructureError {}

/** The refusal in `r`'s output, as an error saying what to change; undefined when it is something else. */
export function sshRefusal(r: CommandResult, login: string, port: number | undefined): SshRefusedError | undefined {
  const err = r.stderr;
  const host = login.slice(login.indexOf('@') + 1);
  if (r.exitCode === 255 && /Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/.test(err)) {
    const changed = /REMOTE HOST IDENTIFICATION HAS CHANGED/.test(err);
    return new SshRefusedError(
      `ssh to ${login} refused the host: its key is ${changed ? 'not the one recorded in known_hosts (changed)' : 'not in known_hosts'}. ` +
        `gameday never accepts a host key by itself. Check the key's fingerprint with the host's owner, then add it: ` +
        `ssh-keyscan ${port !== undefined ? `-p ${port} ` : ''}${host} >> ~/.ssh/known_hosts` +
        `${changed ? ` (after removing the old entry: ssh-keygen -R ${port !== undefined ? `'[${host}]:${port}'` : host})` : ''}.`,
    );
  }
  if (r.exitCode === 255 && /Permission denied \(/.test(err)) {
    return new SshRefusedError(
      `ssh to ${login} was refused: no key it accepts (${lastLine(err)}). gameday logs in without prompting (BatchMode): ` +
        'set the profile\'s ssh "key" to an identity the host authorises, or load it into ssh-agent.',
    );
  }
  if (/sudo: (a password is required|a terminal is required|sorry, you must have a tty)/.test(err)) {
    const user = login.slice(0, login.indexOf('@'));
    return new SshRefusedError(
      `sudo on ${host} asks ${user} for a password (${lastLine(err)}); gameday runs every host command as ` +
        `\`sudo -n sh -c '...'\` and never types a password. Give ${user} passwordless sudo on ${host} ` +
        `(a sudoers line "${user} ALL=(root) NOPASSWD: ALL", or one limited to the commands of the profile), ` +
        'or log in as root with "sudo": false.',
    );
  }
  return undefined;
}

function lastLine(s: string): string {
  return s.trim().split('\n').pop()?.trim() ?? '';
}
