import { readFileSync, rmSync } from 'node:fs';
import { InfrastructureError } from '../errors.js';
import { docker } from './exec.js';
import { GROUND_LABEL } from './layout.js';
import { loadState, pidAlive } from './state.js';
import { requireDocker } from './tools.js';

/** The label of a container or network, undefined when it does not exist; any other failure throws. */
async function labelOf(kind: 'container' | 'network', name: string, state: string): Promise<string | undefined> {
  const r = await docker(
    [kind, 'inspect', '-f', `{{index ${kind === 'container' ? '.Config.Labels' : '.Labels'} "${GROUND_LABEL}"}}`, name],
    {
      allowFailure: true,
    },
  );
  if (r.exitCode === 0) return r.stdout.trim();
  if (/no such/i.test(r.stderr)) return undefined;
  throw new InfrastructureError(`Cannot look at ${kind} ${name} of ${state}: ${r.stderr.trim()}`);
}

export interface DownResult {
  containers: string[];
  network: string | undefined;
  processes: number[];
  dir: string;
  /** Things recorded but not removed (not ours any more, or refusing to go), with why. */
  skipped: string[];
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

async function stopProcess(pid: number, expect: RegExp): Promise<'stopped' | 'gone' | 'not ours'> {
  if (!pidAlive(pid)) return 'gone';
  // A pid is only a number: after a reboot it may belong to someone else.
  if (!expect.test(cmdline(pid))) return 'not ours';
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 15_000;
  while (pidAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
  return 'stopped';
}

/**
 * Take a ground down: its processes (the simulator, the BMCs), its containers (only those labelled as
 * this ground's), its network and its state directory with the keys, certificates, kubeconfig and profile.
 */
export async function provingGroundDown(o: { dir: string; progress: (line: string) => void }): Promise<DownResult> {
  const state = loadState(o.dir);
  const out: DownResult = { containers: [], network: undefined, processes: [], dir: o.dir, skipped: [] };
  if (!state) {
    rmSync(o.dir, { recursive: true, force: true });
    return out;
  }
  for (const p of state.created.pids) {
    const r = await stopProcess(p.pid, p.what === 'simulator' ? /proving-ground serve/ : /ipmi_sim/);
    if (r === 'stopped') out.processes.push(p.pid);
    if (r === 'not ours') out.skipped.push(`pid ${p.pid} (${p.what}): now another program's`);
  }
  // Without the engine nothing below can be checked: fail rather than forget containers still running.
  if (state.created.containers.length > 0 || state.created.network) await requireDocker();
  for (const c of state.created.containers) {
    const label = await labelOf('container', c, state.dir);
    if (label === undefined) continue;
    if (label !== state.name) {
      out.skipped.push(`container ${c}: not labelled as this proving ground's`);
      continue;
    }
    await docker(['rm', '-f', '-v', c]);
    out.containers.push(c);
  }
  if (state.created.network) {
    const label = await labelOf('network', state.created.network, state.dir);
    if (label === state.name) {
      await docker(['network', 'rm', state.created.network]);
      out.network = state.created.network;
    }
  }
  rmSync(o.dir, { recursive: true, force: true });
  o.progress(
    `removed ${out.containers.length} containers, ${out.network ? `network ${out.network}, ` : ''}${out.processes.length} processes and ${o.dir}`,
  );
  return out;
}
