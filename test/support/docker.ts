import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');

async function dockerAnswers(): Promise<boolean> {
  const r = await execa('docker', ['version', '--format', '{{.Server.Version}}'], { reject: false, timeout: 15_000 });
  return r.exitCode === 0;
}

/** Set when a test started the engine: `releaseEngine` then stops it. */
let startedEnginePidFile: string | undefined;

/**
 * Use the engine DOCKER_HOST points at, else start the private one .ci/start-docker.sh manages. Returns why
 * there is none (for the skip message), or undefined when one answers.
 */
export async function findEngine(): Promise<string | undefined> {
  if (process.env['DOCKER_HOST'] && (await dockerAnswers())) return undefined;
  if (!existsSync('/usr/sbin/dockerd') && !existsSync('/usr/bin/dockerd')) {
    return 'no Docker engine is reachable and dockerd is not installed (run: bash .ci/start-docker.sh)';
  }
  const r = await execa('bash', [join(REPO, '.ci/start-docker.sh')], {
    reject: false,
    timeout: 120_000,
    env: { GAMEDAY_DOCKER_INSTALL_TIMEOUT: '1' },
  });
  const host = /export DOCKER_HOST=(\S+)/.exec(r.stdout)?.[1];
  if (!host) return `could not start a Docker engine: ${r.stderr.trim().split('\n').pop() ?? ''}`;
  if (r.stderr.includes('answers on'))
    startedEnginePidFile = join(dirname(host.replace(/^unix:\/\//, '')), 'docker.pid');
  process.env['DOCKER_HOST'] = host;
  return (await dockerAnswers()) ? undefined : `the Docker engine at ${host} does not answer`;
}

/** Stop the engine if a test started it. */
export function releaseEngine(): void {
  if (startedEnginePidFile && existsSync(startedEnginePidFile)) {
    process.kill(Number(readFileSync(startedEnginePidFile, 'utf8').trim()), 'SIGTERM');
    startedEnginePidFile = undefined;
  }
}

/** `docker <args>`, its output trimmed; throws with docker's message when it fails. */
export async function docker(...args: string[]): Promise<string> {
  const r = await execa('docker', args, { reject: false, timeout: 120_000 });
  if (r.exitCode !== 0) throw new Error(`docker ${args.join(' ')}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout.trim();
}

/** A user-defined bridge network of our own with a /24 subnet, so that containers can be given addresses. */
export async function privateNetwork(name: string): Promise<{ name: string; prefix: string }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const prefix = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 250)}`;
    const r = await execa('docker', ['network', 'create', '--subnet', `${prefix}.0/24`, name], { reject: false });
    if (r.exitCode === 0) return { name, prefix };
    if (!/overlap/i.test(r.stderr)) throw new Error(`docker network create ${name}: ${r.stderr.trim()}`);
  }
  throw new Error('no free /24 subnet for a private test network');
}
