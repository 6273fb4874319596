import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { InfrastructureError, MissingDependencyError } from '../errors.js';
import { docker, PACKAGE_OF } from './exec.js';

/** The absolute path of a program on PATH, or undefined. */
export function which(cmd: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Every program the ground needs, or one error naming all that are missing and their Debian packages. */
export function requireTools(tools: readonly string[]): void {
  const missing = tools.filter((t) => !which(t));
  if (missing.length === 0) return;
  const pkgs = [...new Set(missing.map((t) => PACKAGE_OF[t] ?? t))];
  throw new MissingDependencyError(
    `The proving ground needs ${missing.map((t) => `\`${t}\``).join(', ')}, which ${missing.length === 1 ? 'is' : 'are'} not installed: ` +
      `apt-get install -y ${pkgs.join(' ')}.`,
  );
}

/** A Docker engine must answer; the message says which one was asked and how to start one. */
export async function requireDocker(): Promise<void> {
  requireTools(['docker']);
  const r = await docker(['version', '--format', '{{.Server.Version}}'], { allowFailure: true, timeoutMs: 15_000 });
  if (r.exitCode !== 0) {
    throw new InfrastructureError(
      `No Docker engine answers${process.env['DOCKER_HOST'] ? ` at DOCKER_HOST=${process.env['DOCKER_HOST']}` : ''}: ` +
        `${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''}. Start one (e.g. \`eval "$(bash .ci/start-docker.sh)"\`) and try again.`,
    );
  }
}
