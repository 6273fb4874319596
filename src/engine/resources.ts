import { existsSync, readFileSync, rmSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { errorMessage } from '../errors.js';

/**
 * Something a target created outside the drill's own process (an etcd member, a data directory), recorded in
 * the journal so that `gameday rollback` can remove it when the process died before it could.
 */
export type TrackedResource =
  | {
      kind: 'process';
      pid: number;
      /** /proc/<pid>/stat start time (clock ticks since boot): a recycled pid has another. */
      startTime: number;
      /** The boot the start time counts from. */
      bootId: string;
      what: string;
    }
  | {
      kind: 'dir';
      path: string;
      /** Written to MARKER_FILE in the directory: only a directory holding it is ever removed. */
      marker: string;
      what: string;
    };

export type TrackedProcess = Extract<TrackedResource, { kind: 'process' }>;

/** The file naming a tracked directory as gameday's own. */
export const MARKER_FILE = '.gameday-owned';

export function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

interface ProcStat {
  state: string;
  startTime: number;
}

function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const startTime = Number(fields[19]);
  return Number.isFinite(startTime) ? { state: fields[0] ?? '', startTime } : undefined;
}

/** The process's start time, or undefined when no such process exists (or the system has no /proc). */
export function processStartTime(pid: number): number | undefined {
  return procStat(pid)?.startTime;
}

/** A record of a process just started, for the journal. */
export function trackProcess(pid: number, what: string): TrackedProcess | undefined {
  const startTime = processStartTime(pid);
  return startTime === undefined ? undefined : { kind: 'process', pid, startTime, bootId: bootId(), what };
}

/** Is the recorded process still the one running under its pid (not exited, not a zombie, not recycled)? */
export function stillRunning(r: TrackedProcess): boolean {
  if (r.bootId !== bootId()) return false;
  const s = procStat(r.pid);
  return s !== undefined && s.startTime === r.startTime && s.state !== 'Z' && s.state !== 'X';
}

export interface ReleaseReport {
  /** What was stopped or removed, in words. */
  released: string[];
  /** What was already gone. */
  gone: string[];
  /** What could not be released, and why. */
  errors: string[];
}

/**
 * Stop every recorded process that is still the one recorded (SIGKILL: its data is thrown away next), then
 * remove every recorded directory that carries its marker. Safe to repeat: what is gone is skipped.
 */
export async function releaseResources(resources: readonly TrackedResource[]): Promise<ReleaseReport> {
  const report: ReleaseReport = { released: [], gone: [], errors: [] };
  const killed: TrackedProcess[] = [];
  for (const r of resources) {
    if (r.kind !== 'process') continue;
    if (!stillRunning(r)) {
      report.gone.push(`${r.what} (pid ${r.pid}) had already exited`);
      continue;
    }
    try {
      process.kill(r.pid, 'SIGKILL');
      killed.push(r);
    } catch (err) {
      report.errors.push(`${r.what} (pid ${r.pid}): ${errorMessage(err)}`);
    }
  }
  // A process outlives its SIGKILL by a few milliseconds; its files must not be removed under it.
  const deadline = Date.now() + 5000;
  for (const r of killed) {
    while (stillRunning(r) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 10));
    if (stillRunning(r)) report.errors.push(`${r.what} (pid ${r.pid}) still runs 5 s after SIGKILL`);
    else report.released.push(`stopped ${r.what} (pid ${r.pid})`);
  }
  for (const r of resources) {
    if (r.kind !== 'dir') continue;
    const where = `${r.what} ${r.path}`;
    if (!isAbsolute(r.path) || !existsSync(r.path)) {
      report.gone.push(`${where} was already removed`);
      continue;
    }
    let marker: string;
    try {
      marker = readFileSync(join(r.path, MARKER_FILE), 'utf8').trim();
    } catch {
      marker = '';
    }
    if (marker !== r.marker) {
      report.errors.push(`${where} left in place: it does not carry this drill's ${MARKER_FILE} marker`);
      continue;
    }
    try {
      rmSync(r.path, { recursive: true, force: true });
      report.released.push(`removed ${where}`);
    } catch (err) {
      report.errors.push(`${where}: ${errorMessage(err)}`);
    }
  }
  return report;
}
