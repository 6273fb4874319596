import { readdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { InvalidInputError } from '../errors.js';
import type { FaultPlan } from '../kit/plugin.js';
import { MAX_STATE_BYTES, readInputFile } from '../input-file.js';
import { ensurePrivateDirSync, writePrivateFileSync } from '../private-files.js';
import type { TrackedResource } from './resources.js';

/**
 * What a drill is about to change, written (and fsynced) before each change, so that `gameday rollback`
 * can undo a drill whose process died. Synchronous on purpose: the write must be on disk before the fault
 * is injected, and the virtual clock must not see untracked I/O.
 */
export interface JournalFault {
  index: number;
  type: string;
  cluster: string;
  params: Record<string, unknown>;
  plan: FaultPlan;
  /** planned: not yet touched; injecting: may be half-applied; injected; reverted; revert-failed. */
  status: 'planned' | 'injecting' | 'injected' | 'reverted' | 'revert-failed';
  error?: string;
}

/** How to reach the target again from another process. */
export interface JournalTarget {
  kind: 'sim' | 'kind' | 'lab';
  /** sim: embedded (died with the process) or attached to `gameday sim up` through a kubeconfig. */
  embedded?: boolean;
  kubeconfig?: string;
  context?: string;
  kindCluster?: string;
  labProfile?: string;
}

export interface JournalData {
  version: 1;
  runId: string;
  experimentId: string;
  experimentFile: string;
  target: JournalTarget;
  pid: number;
  startedAt: string;
  state: 'running' | 'rolled-back' | 'rollback-incomplete';
  faults: JournalFault[];
  /**
   * Processes and directories the target created outside this process (a real etcd's members and data),
   * each written before it exists or right as it starts; emptied once they are gone.
   */
  resources?: TrackedResource[];
}

export const DEFAULT_JOURNAL_DIR = '.gameday/journal';

/** A journal's name: sortable by time, then the experiment. */
export function newRunId(experimentId: string): string {
  return `${new Date().toISOString().replace(/[:.]/g, '-')}-${experimentId}-${randomUUID().slice(0, 8)}`;
}

export class Journal {
  private constructor(
    readonly path: string,
    readonly data: JournalData,
    /** False for a dry run: the journal is kept in memory only, since nothing changes that needs undoing. */
    private readonly persist = true,
  ) {}

  static create(
    dir: string,
    data: Omit<JournalData, 'version' | 'pid' | 'state' | 'startedAt'>,
    options: { dryRun?: boolean } = {},
  ): Journal {
    const persist = options.dryRun !== true;
    // It holds what the faults change, such as a deleted ConfigMap's data: the user's alone.
    if (persist) ensurePrivateDirSync(dir);
    const j = new Journal(
      join(dir, `${data.runId}.json`),
      { version: 1, pid: process.pid, state: 'running', startedAt: new Date().toISOString(), ...data },
      persist,
    );
    j.flush();
    return j;
  }

  static read(path: string): Journal {
    // Not readFileSync: a FIFO or a device named like a journal must not block `gameday rollback`.
    const read = readInputFile(path, { maxBytes: MAX_STATE_BYTES, what: 'a journal' });
    if (!read.ok) throw new InvalidInputError(`${path}: cannot read the journal: the file ${read.reason}.`);
    const text = read.text;
    let data: JournalData;
    try {
      data = JSON.parse(text) as JournalData;
    } catch {
      throw new InvalidInputError(`${path}: the journal is not valid JSON; it may have been cut short by a crash.`);
    }
    if (data.version !== 1 || !Array.isArray(data.faults)) {
      throw new InvalidInputError(`${path}: expected a gameday journal (version 1 with "faults"), got something else.`);
    }
    return new Journal(path, data);
  }

  /** Journals of drills that did not finish their rollback or left resources behind, newest first. */
  static pending(dir: string): string[] {
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
    return names
      .map((n) => join(dir, n))
      .filter((p) => {
        try {
          const d = Journal.read(p).data;
          return d.state !== 'rolled-back' || (d.resources?.length ?? 0) > 0;
        } catch {
          return false;
        }
      })
      .sort()
      .reverse();
  }

  addFault(f: Omit<JournalFault, 'status'>): void {
    this.data.faults.push({ ...f, status: 'planned' });
    this.flush();
  }

  mark(index: number, status: JournalFault['status'], error?: string): void {
    const f = this.data.faults.find((x) => x.index === index);
    if (!f) return;
    f.status = status;
    if (error) f.error = error;
    else delete f.error;
    this.flush();
  }

  /** How `gameday rollback` reaches the target, once it exists (the journal is written before it is made). */
  setTarget(target: JournalTarget): void {
    this.data.target = target;
    this.flush();
  }

  addResource(r: TrackedResource): void {
    (this.data.resources ??= []).push(r);
    this.flush();
  }

  /** Everything recorded is gone (stopped, removed). */
  clearResources(): void {
    if (!this.data.resources?.length) return;
    this.data.resources = [];
    this.flush();
  }

  finish(state: JournalData['state']): void {
    this.data.state = state;
    this.flush();
  }

  /** Write to a private temporary file, fsync, rename: the journal on disk is always whole, and 0600. */
  private flush(): void {
    if (!this.persist) return;
    writePrivateFileSync(this.path, JSON.stringify(this.data, null, 2) + '\n', { fsync: true });
  }
}
