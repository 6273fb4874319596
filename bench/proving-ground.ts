/**
 * The proving ground's figures, on this machine:
 *  - `gameday proving-ground up` wall time (target: under 3 minutes on 2 cores), with the host image as it is
 *    found (built with debootstrap, imported from the cached tarball, or present in the engine) and per phase;
 *  - `systemctl stop kubelet` over ssh on a worker until its node is NotReady, real time, 3 times (target:
 *    35-50 s: the node-lifecycle controller's 40 s grace after the last Lease renewal by the stopped agent);
 *  - `down` wall time, and what it left behind (target: nothing).
 *
 *   npx tsx bench/proving-ground.ts [--record]     (needs Docker, ipmi_sim, ipmitool; --record writes bench/results/)
 */
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiGet, groundApi } from '../src/proving-ground/api-client.js';
import { provingGroundDown } from '../src/proving-ground/down.js';
import { GROUND_LABEL } from '../src/proving-ground/layout.js';
import { outputPaths } from '../src/proving-ground/outputs.js';
import { pidAlive } from '../src/proving-ground/state.js';
import { provingGroundUp } from '../src/proving-ground/up.js';

const name = `bench${randomBytes(2).toString('hex')}`;
const dir = join(tmpdir(), `gameday-proving-ground-${name}`);
const out: string[] = [];
const say = (line: string): void => {
  out.push(line);
  console.log(line);
};

const t0 = Date.now();
const up = await provingGroundUp({ name, dir, progress: (l) => console.error(l) });
say(
  `up: ${((Date.now() - t0) / 1000).toFixed(1)} s (host image ${up.image.how} in ${(up.image.ms / 1000).toFixed(1)} s)`,
);
for (const [phase, ms] of Object.entries(up.timings)) say(`  ${phase}: ${(ms / 1000).toFixed(1)} s`);

const p = outputPaths(dir);
const ssh = (host: string, command: string) => {
  const h = up.state.hosts.find((x) => x.name === host)!;
  return execa(
    'ssh',
    [
      '-i',
      p.sshKey,
      '-p',
      String(h.sshPort),
      '-o',
      'BatchMode=yes',
      '-o',
      `UserKnownHostsFile=${p.knownHosts}`,
      '-o',
      'LogLevel=ERROR',
      'gameday@127.0.0.1',
      command,
    ],
    { reject: false },
  );
};
const ready = async (node: string): Promise<string | undefined> => {
  const n = await apiGet<{ status?: { conditions?: { type: string; status: string }[] } }>(
    groundApi(dir, up.apiUrl, up.state.token),
    `/api/v1/nodes/${node}`,
  );
  return n.status?.conditions?.find((c) => c.type === 'Ready')?.status;
};
const waitFor = async (fn: () => Promise<boolean>): Promise<void> => {
  while (!(await fn())) await new Promise((r) => setTimeout(r, 250));
};

const workers = up.state.hosts.filter((h) => h.role === 'worker').map((h) => h.name);
for (const w of workers) {
  const pid = (await ssh(w, 'pgrep -x kubelet')).stdout.trim();
  const stopAt = Date.now();
  await ssh(w, 'sudo -n systemctl stop kubelet');
  const gone = (await ssh(w, `kill -0 ${pid} 2>/dev/null && echo alive || echo gone`)).stdout.trim();
  await waitFor(async () => (await ready(w)) !== 'True');
  say(
    `systemctl stop kubelet on ${w}: NotReady after ${((Date.now() - stopAt) / 1000).toFixed(1)} s (agent pid ${pid} ${gone})`,
  );
  await ssh(w, 'sudo -n systemctl start kubelet');
  await waitFor(async () => (await ready(w)) === 'True');
}

const pids = up.state.created.pids.map((x) => x.pid);
const d0 = Date.now();
await provingGroundDown({ dir, progress: () => undefined });
const containers = (
  await execa('docker', ['ps', '-a', '-q', '--filter', `label=${GROUND_LABEL}=${name}`])
).stdout.trim();
const networks = (await execa('docker', ['network', 'ls', '-q', '--filter', `name=gameday-pg-${name}`])).stdout.trim();
say(
  `down: ${((Date.now() - d0) / 1000).toFixed(1)} s; left behind: ${containers ? 'containers' : 'no container'}, ${networks ? 'a network' : 'no network'}, ` +
    `${pids.filter(pidAlive).length} processes, ${existsSync(dir) ? 'the state directory' : 'no directory'}`,
);

if (process.argv.includes('--record')) {
  const file = join(dirname(fileURLToPath(import.meta.url)), 'results', 'proving-ground.txt');
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${new Date().toISOString()}\n${out.join('\n')}\n`);
}
