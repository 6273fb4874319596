import { randomUUID } from 'node:crypto';
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { JournalError } from '../errors.js';
import { MAX_STATE_BYTES, readInputFile } from '../input-file.js';
import { ensurePrivateDirSync, writePrivateFileSync } from '../private-files.js';
import type { FaultPlan } from '../kit/plugin.js';
import type { KubeObject } from '../kube/objects.js';
import type { ResourceName } from '../kube/resources.js';
import { checkJournal } from './journal-schema.js';
import { stillRunning, thisProcess, type ProcessIdentity } from './process-identity.js';
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
  /** Its place among every change of the drill, given when its injection starts: undone newest first. */
  seq?: number;
}

/** A host-level change a recovery step made (kubelet stopped, a manifest moved out), and what undoes it. */
export interface JournalChange {
  seq: number;
  /** Who made it, e.g. "/recovery/steps/2 (stop-service)". */
  by: string;
  cluster: string;
  /** What was called, as NodeOps / EtcdOps see it. */
  call: HostCall;
  /** The call that undoes it; absent when it brought something up (a start, a power-on). */
  undo?: HostCall;
  /** Calls on the same thing (a node's kubelet, a member) share a key: only the newest one matters. */
  key: string;
  /** doing: may be half-applied; done; undone; undo-failed; superseded: a later call on the same key decides. */
  status: 'doing' | 'done' | 'undone' | 'undo-failed' | 'superseded';
  error?: string;
}

export interface HostCall {
  on: 'nodes' | 'etcd';
  op: string;
  args: unknown[];
}

/** A host call in words, as the journal's readers see it: "service 10.0.0.9 kubelet stop". */
export function callWords(call: HostCall): string {
  const arg = (a: unknown): string =>
    typeof a === 'string' || typeof a === 'number' || typeof a === 'boolean' ? String(a) : JSON.stringify(a);
  return `${call.op} ${call.args.map(arg).join(' ')}`;
}

/** An object as it was before the drill first changed it, and who changed it. */
export interface JournalObject {
  cluster: string;
  resource: ResourceName;
  namespace?: string;
  name: string;
  /** null: it did not exist (the drill created it). */
  before: KubeObject | null;
  /** Who wrote to it: faults and recovery steps, in order. Empty: recorded, not (yet) written. */
  by: string[];
}

/** How `gameday rollback` knows it reaches the cluster the drill ran on, and not another one. */
export interface JournalClusterIdentity {
  server?: string;
  kubeSystemUid?: string;
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

/** A coordination Lease the drill holds on a cluster while it runs. */
export interface JournalLease {
  cluster: string;
  namespace: string;
  name: string;
}

export interface JournalData {
  version: 1;
  runId: string;
  experimentId: string;
  experimentFile: string;
  target: JournalTarget;
  pid: number;
  /** The writing process, to tell whether it still runs (pid alone is reused). */
  process?: ProcessIdentity;
  startedAt: string;
  state: 'running' | 'rolled-back' | 'rollback-incomplete';
  faults: JournalFault[];
  /** The cluster(s) the drill ran on: a journal is never applied to another cluster. */
  clusters?: Record<string, JournalClusterIdentity>;
  /** Host-level changes recovery steps made, in order. */
  changes?: JournalChange[];
  /** The objects the drill touched, as they were before its first change to each. */
  objects?: JournalObject[];
  /** etcd members per cluster before the drill changed membership. */
  etcd?: Record<string, { name: string; node?: string }[]>;
  leases?: JournalLease[];
  /** The last sequence number given to a change. */
  seq?: number;
  /**
   * When people began a manual drill's recovery (ISO time). What they change on an object the journal
   * recorded (a cordon, a scale) they change for the drill: the rollback puts it back as gameday's own.
   */
  manualRecovery?: string;
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

export function objectKey(o: Pick<JournalObject, 'cluster' | 'resource' | 'namespace' | 'name'>): string {
  return `${o.cluster}/${o.resource}/${o.namespace ?? ''}/${o.name}`;
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
    data: Omit<JournalData, 'version' | 'pid' | 'state' | 'startedAt' | 'process'>,
    options: { dryRun?: boolean } = {},
  ): Journal {
    const persist = options.dryRun !== true;
    // It holds what the faults change, such as a deleted ConfigMap's data: the user's alone.
    if (persist) ensurePrivateDirSync(dir);
    const j = new Journal(
      join(dir, `${data.runId}.json`),
      {
        version: 1,
        pid: process.pid,
        process: thisProcess(),
        state: 'running',
        startedAt: new Date().toISOString(),
        ...data,
      },
      persist,
    );
    j.flush();
    return j;
  }

  /**
   * A journal as `gameday rollback` needs it, or a JournalError naming the file and what is wrong with it:
   * unreadable, cut short, or not shaped as gameday writes journals (never a TypeError later on).
   */
  static read(path: string): Journal {
    // Not readFileSync: a FIFO or a device named like a journal must not block `gameday rollback`.
    const read = readInputFile(path, { maxBytes: MAX_STATE_BYTES, what: 'a journal' });
    if (!read.ok) throw new JournalError(`${path}: cannot read the journal: the file ${read.reason}.`);
    const text = read.text;
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new JournalError(
        `${path}: the journal is not valid JSON (${text.trim() === '' ? 'it is empty' : 'it is cut short or damaged'}); what the drill changed cannot be read from it. Check the cluster by hand, then delete the file.`,
      );
    }
    const problems = checkJournal(data);
    if (problems.length > 0) {
      throw new JournalError(
        `${path}: not a gameday journal as this version writes them: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}. Nothing was changed.`,
      );
    }
    return new Journal(path, data as JournalData);
  }

  /**
   * Journals that still call for `gameday rollback`, newest first: a drill that did not finish its rollback
   * and whose process is gone, or whose rollback failed, and every file that cannot be read as a journal
   * (cut short, damaged): those must be looked at, never taken for "nothing to do". Drills still running
   * (another gameday process) are left out.
   */
  static pending(dir: string): string[] {
    return Journal.scan(dir)
      .filter((s) => s.problem !== undefined || (s.unfinished && !s.running))
      .map((s) => s.path);
  }

  /** Every journal in `dir`, newest first, read or with the reason it cannot be. */
  static scan(dir: string): JournalScan[] {
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
    return names
      .map((n) => join(dir, n))
      .filter(isRegularFile)
      .sort()
      .reverse()
      .map((path): JournalScan => {
        try {
          const journal = Journal.read(path);
          const d = journal.data;
          // Processes and directories a target left (a real etcd's) call for rollback too.
          const unfinished = d.state !== 'rolled-back' || (d.resources?.length ?? 0) > 0;
          return { path, journal, unfinished, running: d.state === 'running' && journal.writerRunning() };
        } catch (err) {
          return { path, problem: (err as Error).message, unfinished: true, running: false };
        }
      });
  }

  /** The process that wrote this journal still runs (same PID, start time, boot and script). */
  writerRunning(): boolean {
    if (this.data.process) return stillRunning(this.data.process);
    return stillRunning({ pid: this.data.pid });
  }

  /** The next number in the order every change of the drill happens in. */
  nextSeq(): number {
    this.data.seq = (this.data.seq ?? 0) + 1;
    return this.data.seq;
  }

  addFault(f: Omit<JournalFault, 'status'>): void {
    this.data.faults.push({ ...f, status: 'planned' });
    this.flush();
  }

  mark(index: number, status: JournalFault['status'], error?: string): void {
    const f = this.data.faults.find((x) => x.index === index);
    if (!f) return;
    if (status === 'injecting' && f.seq === undefined) f.seq = this.nextSeq();
    f.status = status;
    if (error) f.error = error;
    else delete f.error;
    this.flush();
  }

  addChange(c: Omit<JournalChange, 'seq' | 'status'>): JournalChange {
    const change: JournalChange = { ...c, seq: this.nextSeq(), status: 'doing' };
    (this.data.changes ??= []).push(change);
    this.flush();
    return change;
  }

  markChange(change: JournalChange, status: JournalChange['status'], error?: string): void {
    change.status = status;
    if (error) change.error = error;
    else delete change.error;
    this.flush();
  }

  findObject(ref: Pick<JournalObject, 'cluster' | 'resource' | 'namespace' | 'name'>): JournalObject | undefined {
    const key = objectKey(ref);
    return this.data.objects?.find((o) => objectKey(o) === key);
  }

  /** Keep an object's state before the drill's first change to it (a second record of it changes nothing). */
  recordObject(o: JournalObject): JournalObject {
    const had = this.findObject(o);
    if (had) return had;
    (this.data.objects ??= []).push(o);
    this.flush();
    return o;
  }

  /** Someone of the drill is about to write to a recorded object. */
  touchObject(o: JournalObject, by: string): void {
    if (o.by.includes(by)) return;
    o.by.push(by);
    this.flush();
  }

  recordMembership(cluster: string, members: { name: string; node?: string }[]): void {
    if (this.data.etcd?.[cluster]) return;
    (this.data.etcd ??= {})[cluster] = members.map((m) => ({ name: m.name, ...(m.node ? { node: m.node } : {}) }));
    this.flush();
  }

  /** People carry out the recovery now (a manual drill): their changes are the drill's to undo. */
  markManualRecovery(at: Date): void {
    if (this.data.manualRecovery) return;
    this.data.manualRecovery = at.toISOString();
    this.flush();
  }

  setIdentity(cluster: string, id: JournalClusterIdentity): void {
    (this.data.clusters ??= {})[cluster] = id;
    this.flush();
  }

  addLease(l: JournalLease): void {
    (this.data.leases ??= []).push(l);
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

/** gameday writes journals as regular files: a FIFO or a device named like one is none (and never read). */
function isRegularFile(path: string): boolean {
  try {
    return lstatSync(path).isFile();
  } catch {
    return false;
  }
}

/** A journal file as found in the journal directory. */
export interface JournalScan {
  path: string;
  journal?: Journal;
  /** Why it cannot be read as a journal. */
  problem?: string;
  /** Not finished: its rollback has not completed (or it cannot be read). */
  unfinished: boolean;
  /** Its drill's process still runs. */
  running: boolean;
}
