import { readFileSync } from 'node:fs';

/**
 * Which process wrote a journal, well enough to tell later whether it is still running: a PID alone is
 * reused, so its start time (in clock ticks since boot, /proc/<pid>/stat field 22) and the boot it belongs
 * to are kept with it, and the script it ran, so that a live process of another program is not taken for it.
 */
export interface ProcessIdentity {
  pid: number;
  startTime?: string;
  bootId?: string;
  /** The script the process ran (process.argv[1]): bin/gameday.js for the CLI. */
  script?: string;
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses. */
function startTimeOf(pid: number): string | undefined {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return rest[19];
}

function bootId(): string | undefined {
  return readText('/proc/sys/kernel/random/boot_id')?.trim();
}

export function thisProcess(): ProcessIdentity {
  const startTime = startTimeOf(process.pid);
  const boot = bootId();
  const script = process.argv[1];
  return {
    pid: process.pid,
    ...(startTime !== undefined ? { startTime } : {}),
    ...(boot !== undefined ? { bootId: boot } : {}),
    ...(script !== undefined ? { script } : {}),
  };
}

/**
 * Whether the process that wrote a journal still runs: the same PID, started at the same time in the same
 * boot, running the same script. Without /proc (not Linux) only the PID can be asked.
 */
export function stillRunning(p: ProcessIdentity): boolean {
  if (!Number.isInteger(p.pid) || p.pid <= 0) return false;
  if (p.bootId !== undefined && bootId() !== undefined && p.bootId !== bootId()) return false;
  const stat = readText(`/proc/${p.pid}/stat`);
  if (stat === undefined) {
    if (readText('/proc/self/stat') !== undefined) return false;
    try {
      process.kill(p.pid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  if (p.startTime !== undefined && startTimeOf(p.pid) !== p.startTime) return false;
  if (p.script !== undefined) {
    const argv = (readText(`/proc/${p.pid}/cmdline`) ?? '').split('\0');
    if (!argv.includes(p.script)) return false;
  }
  return true;
}
