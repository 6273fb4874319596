import { InvalidInputError } from '../../errors.js';
import type { CommandResult, CommandRunner, RunOptions } from '../common/command-runner.js';
import { CommandFailedError, UnsupportedOperationError } from '../common/errors.js';
import {
  commandLine,
  fillTemplate,
  needsShell,
  quoteLine,
  quoteWord,
  splitCommandLine,
  TemplatePlaceholderError,
} from '../common/shell.js';
import { labLacks } from './lab-cannot.js';
import { sshRefusal } from './ssh-refusal.js';
import { commandFor, type CommandName, type LabCluster, type LabProfile, type SshSettings } from './profile.js';

const NODE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** ssh exits 255 when it could not connect (or the connection dropped): the host did not answer. */
export const SSH_UNREACHABLE = 255;

/** Seconds ssh waits for a host to accept the connection (ConnectTimeout) unless the profile says otherwise. */
export const DEFAULT_CONNECT_TIMEOUT_S = 10;

/**
 * A lab cluster's hosts as the profile describes them: node name -> address, ssh settings, BMC; and the
 * profile's command templates run on them as
 *
 *   ssh -o BatchMode=yes -o ConnectTimeout=10 [-J jump] [-i key] [-p port] [options] user@host \
 *       sudo -n sh -c '<command>'
 *
 * or, for a template given as {"local": ...}, on this machine (an IPMI or hypervisor tool).
 */
export class LabHosts {
  constructor(
    readonly profile: LabProfile,
    readonly cluster: LabCluster,
    readonly runner: CommandRunner,
  ) {}

  private check(node: string): void {
    // Node names reach command lines: refuse anything that is not a plain host name or address.
    if (!NODE_NAME.test(node))
      throw new InvalidInputError(`"${node}" is not a node name gameday will put on a command line.`);
  }

  host(node: string): string {
    this.check(node);
    return this.cluster.nodes.hosts?.[node]?.host ?? node;
  }

  bmc(node: string): string | undefined {
    return this.cluster.nodes.hosts?.[node]?.bmc;
  }

  ssh(node: string): SshSettings {
    return { ...this.cluster.nodes.ssh, ...this.cluster.nodes.hosts?.[node]?.ssh };
  }

  /** The ssh command line up to the remote command: never a prompt, a bounded wait to connect. */
  sshArgv(node: string): string[] {
    const s = this.ssh(node);
    return [
      'ssh',
      // First, so that no `options` entry can turn them off: ssh keeps the first value it is given.
      // BatchMode: a host-key, password or passphrase prompt fails at once instead of hanging the drill.
      '-o',
      'BatchMode=yes',
      '-o',
      `ConnectTimeout=${s.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_S}`,
      ...(s.jumpHost ? ['-J', s.jumpHost] : []),
      ...(s.key ? ['-i', s.key] : []),
      ...(s.port !== undefined ? ['-p', String(s.port)] : []),
      ...(s.options ?? []),
      `${s.user}@${this.host(node)}`,
    ];
  }

  /**
   * Run a command line (a profile template) on the node over ssh, as root when the profile says sudo (the
   * default): the whole line goes to `sudo -n sh -c '<line>'`, so that every part of `a && b > file` runs
   * as root, and sudo fails at once instead of asking for a password.
   */
  onNode(node: string, command: string, options: RunOptions = {}): Promise<CommandResult> {
    return this.overSsh(node, (sudo) => (sudo ? `sudo -n sh -c ${quoteWord(command)}` : command), options);
  }

  /** Run argv on the node, quoted for the remote shell (as root: `sudo -n <argv>`; it needs no shell). */
  onNodeArgv(node: string, argv: readonly string[], options?: RunOptions): Promise<CommandResult> {
    const line = commandLine(argv);
    return this.overSsh(node, (sudo) => (sudo ? `sudo -n ${line}` : line), options);
  }

  private async overSsh(
    node: string,
    remoteFor: (sudo: boolean) => string,
    options: RunOptions = {},
  ): Promise<CommandResult> {
    const s = this.ssh(node);
    const local = this.sshArgv(node);
    const remote = remoteFor(s.sudo !== false);
    // ssh joins its remote words with spaces for the remote shell: pass one word, show what a person types.
    const r = await this.runner.run([...local, remote], {
      ...options,
      allowFailure: true,
      text: `${commandLine(local)} ${quoteLine(remote)}`,
    });
    if (r.ran && r.exitCode !== 0) {
      const refusal = sshRefusal(r, `${s.user}@${this.host(node)}`, s.port);
      if (refusal) throw refusal;
      if (options.allowFailure !== true) {
        const detail = (r.stderr || r.stdout).trim().split('\n').slice(-5).join('\n');
        throw new CommandFailedError(
          `\`${r.text}\` exited with ${r.exitCode}${detail ? `:\n${detail}` : '.'}`,
          r.text,
          r.exitCode,
          r.stderr,
        );
      }
    }
    return r;
  }

  template(name: CommandName): { where: 'ssh' | 'local'; line: string } | undefined {
    const t = commandFor(this.profile, this.cluster, name);
    if (t === undefined || (typeof t === 'object' && 'unsupported' in t)) return undefined;
    return typeof t === 'string' ? { where: 'ssh', line: t } : { where: 'local', line: t.local };
  }

  /** Why the profile's `name` command cannot run here, or undefined when it can. */
  lacks(name: CommandName): string | undefined {
    return labLacks(this.profile, this.cluster, name);
  }

  /** Fill and run the profile's template for `name` on (or, for a local template, about) the node. */
  async runTemplate(
    name: CommandName,
    node: string,
    values: Record<string, string | undefined>,
    options: RunOptions = {},
  ): Promise<CommandResult & { where: 'ssh' | 'local' }> {
    const t = this.template(name);
    if (!t) throw new UnsupportedOperationError(this.lacks(name) ?? `no "${name}" command`);
    let line: string;
    try {
      line = fillTemplate(t.line, {
        node,
        host: this.host(node),
        bmc: this.bmc(node),
        cluster: this.cluster.name,
        ...values,
      });
    } catch (err) {
      if (!(err instanceof TemplatePlaceholderError)) throw err;
      throw new InvalidInputError(
        `The lab profile's "${name}" command (${t.line}) uses {${err.placeholder}}, which node ${node} of cluster ` +
          `"${this.cluster.name}" does not have${err.placeholder === 'bmc' ? ': set nodes.hosts["' + node + '"].bmc' : ''}.`,
      );
    }
    if (t.where === 'ssh') return { ...(await this.onNode(node, line, options)), where: 'ssh' };
    const argv = needsShell(line) ? ['sh', '-c', line] : splitCommandLine(line);
    return { ...(await this.runner.run(argv, { ...options, text: line })), where: 'local' };
  }
}
