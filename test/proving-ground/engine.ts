import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { imageTag, cacheDir } from '../../src/proving-ground/image.js';
import { which } from '../../src/proving-ground/tools.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** Set when groundUnavailable started the engine: stopEngineIfStarted stops it again. */
let startedEnginePidFile: string | undefined;

export function stopEngineIfStarted(): void {
  if (!startedEnginePidFile || !existsSync(startedEnginePidFile)) return;
  const pid = Number(readFileSync(startedEnginePidFile, 'utf8').trim());
  if (pid > 0) process.kill(pid, 'SIGTERM');
  startedEnginePidFile = undefined;
}

async function dockerAnswers(): Promise<boolean> {
  const r = await execa('docker', ['version', '--format', '{{.Server.Version}}'], { reject: false, timeout: 15_000 });
  return r.exitCode === 0;
}

/**
 * Why the proving ground cannot come up here, or undefined when it can: a Docker engine (the one
 * DOCKER_HOST names, else the private one .ci/start-docker.sh starts), the BMC and ssh tools, and either the
 * host image already built or what it takes to build it (root, debootstrap).
 */
export async function groundUnavailable(): Promise<string | undefined> {
  if (!which('docker')) return 'docker is not installed (run: bash .ci/start-docker.sh)';
  if (!(process.env['DOCKER_HOST'] && (await dockerAnswers()))) {
    if (!which('dockerd'))
      return 'no Docker engine is reachable and dockerd is not installed (run: bash .ci/start-docker.sh)';
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
    if (!(await dockerAnswers())) return `the Docker engine at ${host} does not answer`;
  }
  const missing = ['ipmi_sim', 'ipmitool', 'openssl', 'ssh', 'ssh-keygen'].filter((t) => !which(t));
  if (missing.length)
    return `missing ${missing.join(', ')} (apt-get install -y openipmi ipmitool openssl openssh-client)`;
  const image = await execa('docker', ['image', 'inspect', imageTag()], { reject: false });
  const tarball = join(cacheDir(), `rootfs-${imageTag().split(':')[1]!}.tar`);
  if (image.exitCode !== 0 && !existsSync(tarball)) {
    if (!which('debootstrap'))
      return 'the host image is not built and debootstrap is not installed (apt-get install -y debootstrap)';
    if (process.getuid?.() !== 0) return 'the host image is not built, and building it (debootstrap) needs root';
  }
  return undefined;
}
