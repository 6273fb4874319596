import { execa } from 'execa';
import { InfrastructureError, MissingDependencyError } from '../errors.js';

/** The Debian package each program the proving ground runs comes from, for "not installed" messages. */
export const PACKAGE_OF: Record<string, string> = {
  docker: 'docker.io',
  debootstrap: 'debootstrap',
  ipmi_sim: 'openipmi',
  ipmitool: 'ipmitool',
  openssl: 'openssl',
  'ssh-keygen': 'openssh-client',
  ssh: 'openssh-client',
  tar: 'tar',
};

export interface ExecOptions {
  input?: string | Buffer;
  timeoutMs?: number;
  env?: Record<string, string>;
  cwd?: string;
  /** A non-zero exit is an answer, not a failure. */
  allowFailure?: boolean;
}

export interface ExecAnswer {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Run a program (no shell); a failure is an InfrastructureError with its last lines, a missing one names its package. */
export async function sh(file: string, args: readonly string[], o: ExecOptions = {}): Promise<ExecAnswer> {
  const r = await execa(file, [...args], {
    reject: false,
    timeout: o.timeoutMs ?? 120_000,
    ...(o.input !== undefined ? { input: o.input } : { stdin: 'ignore' as const }),
    ...(o.env ? { env: o.env } : {}),
    ...(o.cwd ? { cwd: o.cwd } : {}),
  });
  const code = (r as { code?: string }).code;
  if (code === 'ENOENT') {
    throw new MissingDependencyError(
      `The proving ground needs \`${file}\`, which is not installed${PACKAGE_OF[file] ? ` (Debian package ${PACKAGE_OF[file]})` : ''}.`,
    );
  }
  const out: ExecAnswer = {
    exitCode: r.timedOut ? 124 : (r.exitCode ?? 1),
    stdout: typeof r.stdout === 'string' ? r.stdout : '',
    stderr: typeof r.stderr === 'string' ? r.stderr : '',
  };
  if (out.exitCode !== 0 && !o.allowFailure) {
    const why = r.timedOut
      ? `did not finish within ${Math.round((o.timeoutMs ?? 120_000) / 1000)} s`
      : `exited with ${out.exitCode}`;
    const detail = (out.stderr || out.stdout).trim().split('\n').slice(-6).join('\n');
    throw new InfrastructureError(`\`${[file, ...args].join(' ')}\` ${why}${detail ? `:\n${detail}` : '.'}`);
  }
  return out;
}

export function docker(args: readonly string[], o: ExecOptions = {}): Promise<ExecAnswer> {
  return sh('docker', args, o);
}
