import { groundHealth, type GroundHealth } from './api-check.js';
import { groundApi } from './api-client.js';
import { docker } from './exec.js';
import { outputPaths } from './outputs.js';
import { loadState, pidAlive, readServe, type GroundState, type ServeStatus } from './state.js';

export interface GroundStatus {
  state: GroundState;
  serve: ServeStatus | undefined;
  simulatorRunning: boolean;
  hosts: { name: string; role: string; ip: string; container: string; sshPort?: number; bmc?: string }[];
  health?: GroundHealth;
  healthError?: string;
  kubeconfig: string;
  profile: string;
}

/** What a ground is doing: its processes, its containers' states and what its API says. Undefined: no ground. */
export async function provingGroundStatus(dir: string): Promise<GroundStatus | undefined> {
  const state = loadState(dir);
  if (!state) return undefined;
  const serve = readServe(dir);
  const sim = state.created.pids.find((p) => p.what === 'simulator');
  const hosts: GroundStatus['hosts'] = [];
  const engine = await docker(['version', '--format', '{{.Server.Version}}'], {
    allowFailure: true,
    timeoutMs: 15_000,
  });
  for (const h of state.hosts) {
    if (engine.exitCode !== 0) {
      hosts.push({ ...h, container: 'unknown: no Docker engine answers (is DOCKER_HOST set?)' });
      continue;
    }
    const r = await docker(['inspect', '-f', '{{.State.Status}}', h.name], { allowFailure: true });
    hosts.push({ ...h, container: r.exitCode === 0 ? r.stdout.trim() : 'absent' });
  }
  const out: GroundStatus = {
    state,
    serve,
    simulatorRunning: sim !== undefined && pidAlive(sim.pid),
    hosts,
    kubeconfig: outputPaths(dir).kubeconfig,
    profile: outputPaths(dir).profile,
  };
  if (out.simulatorRunning && serve?.apiUrl) {
    try {
      out.health = await groundHealth(groundApi(dir, serve.apiUrl, state.token), 0);
    } catch (err) {
      out.healthError = (err as Error).message;
    }
  }
  return out;
}
