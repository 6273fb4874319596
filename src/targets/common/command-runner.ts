import { execa } from 'execa';
import type { Clock } from '../../engine/clock.js';
import { MissingDependencyError } from '../../errors.js';
import type { ActionLog } from '../target.js';
import { CommandFailedError } from './errors.js';
import { commandLine } from './shell.js';

export interface ExecResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the program could not be started at all (ENOENT: not installed). */
  spawnError?: string | undefined;
}

/** How a command is actually executed; tests substitute their own. */
export type Exec = (
  file: string,
  args: readonly string[],
  options: { timeoutMs: number; input?: string | undefined },
) => Promise<ExecResult>;

/** Runs through execa v9 without a shell: the argv is exactly what the action log shows. */
export const execaExec: Exec = async (file, args, options) => {
  const r = await execa(file, [...args], {
    reject: false,
    timeout: options.timeoutMs,
    stripFinalNewline: true,
    ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' as const }),
  });
  const code = (r as { code?: string }).code;
  return {
    exitCode: r.exitCode,
    stdout: typeof r.stdout === 'string' ? r.stdout : '',
    stderr: typeof r.stderr === 'string' ? r.stderr : '',
    timedOut: r.timedOut,
    spawnError: code === 'ENOENT' || code === 'EACCES' ? code : undefined,
  };
};

export interface CommandResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** False in dry-run mode for a command that changes something: it was recorded, not run. */
  ran: boolean;
  /** The command line as recorded. */
  text: string;
}

export interface RunOptions {
  /** Only reads: it runs even in dry-run mode, to plan. */
  readOnly?: boolean;
  /** A non-zero exit is an answer (`systemctl is-active`, `test -e`), not a failure. */
  allowFailure?: boolean;
  timeoutMs?: number;
  input?: string;
  /**
   * The line to record when the argv is not what a person would type (ssh joins its remote words into one
   * argument; the person types them unquoted).
   */
  text?: string;
}

export interface CommandRunnerOptions {
  cluster: string;
  clock: Clock;
  actions: ActionLog;
  dryRun: boolean;
  exec?: Exec | undefined;
  /** Per-command time limit; default 60 s (a `docker stop` waits up to 10 s, etcdctl up to its own 5 s). */
  timeoutMs?: number | undefined;
}

/**
 * Every docker, ssh, kubectl and etcdctl command of the kind and lab targets goes through here: it is
 * recorded in the action log BEFORE it runs, and in dry-run mode only read-only commands run.
 */
export class CommandRunner {
  readonly cluster: string;
  readonly clock: Clock;
  readonly dryRun: boolean;
  private readonly exec: Exec;
  private readonly timeoutMs: number;

  constructor(private readonly o: CommandRunnerOptions) {
    this.cluster = o.cluster;
    this.clock = o.clock;
    this.dryRun = o.dryRun;
    this.exec = o.exec ?? execaExec;
    this.timeoutMs = o.timeoutMs ?? 60_000;
  }

  /** A runner for another cluster sharing the same log, clock and mode. */
  forCluster(cluster: string): CommandRunner {
    return new CommandRunner({ ...this.o, cluster, exec: this.exec });
  }

  async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const [file, ...args] = argv;
    if (file === undefined) throw new Error('empty command');
    const text = options.text ?? commandLine(argv);
    const readOnly = options.readOnly === true;
    const skip = this.dryRun && !readOnly;
    this.o.actions.record({
      at: this.clock.now(),
      cluster: this.cluster,
      kind: 'command',
      text,
      dryRun: skip,
      ...(readOnly ? { readOnly: true } : {}),
    });
    if (skip) return { exitCode: 0, stdout: '', stderr: '', ran: false, text };
    const r = await this.clock.track(
      this.exec(file, args, { timeoutMs: options.timeoutMs ?? this.timeoutMs, input: options.input }),
      `command: ${text}`,
    );
    if (r.spawnError) {
      throw new MissingDependencyError(
        `Cannot run \`${text}\`: ${file} is not installed or not on PATH (${r.spawnError}).`,
      );
    }
    const exitCode = r.timedOut ? 124 : (r.exitCode ?? 1);
    if (exitCode !== 0 && options.allowFailure !== true) {
      const why = r.timedOut
        ? `did not finish within ${Math.round((options.timeoutMs ?? this.timeoutMs) / 1000)} s`
        : `exited with ${exitCode}`;
      const detail = lastLines(r.stderr || r.stdout, 5);
      throw new CommandFailedError(`\`${text}\` ${why}${detail ? `:\n${detail}` : '.'}`, text, exitCode, r.stderr);
    }
    return { exitCode, stdout: r.stdout, stderr: r.stderr, ran: true, text };
  }
}

function lastLines(s: string, n: number): string {
  return s.trim().split('\n').slice(-n).join('\n');
}
