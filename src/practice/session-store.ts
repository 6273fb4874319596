import { closeSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { InfrastructureError, InvalidInputError } from '../errors.js';
import { MAX_STATE_BYTES, readInputFile } from '../input-file.js';
import { ensurePrivateDirSync, writePrivateFileSync } from '../private-files.js';
import { isActive, type PracticeState } from './session-state.js';

export const DEFAULT_PRACTICE_DIR = '.gameday/practice';

/** A lock older than this belongs to a process that died holding it. */
const STALE_LOCK_MS = 10_000;
const LOCK_WAIT_MS = 5_000;

/**
 * One practice session's file, `<dir>/<id>.json`, shared by the processes of a session. Every change is a
 * read-modify-write under an exclusive lock file (`<id>.json.lock`, created with O_EXCL), and every write
 * goes to a temporary file renamed over the old one, so a reader never sees half a file.
 */
export class SessionStore {
  readonly path: string;

  constructor(
    readonly dir: string,
    readonly id: string,
  ) {
    this.path = join(dir, `${id}.json`);
  }

  create(state: PracticeState): void {
    // The session keeps the trainee's commands and what the API answered, next to the simulator's kubeconfig.
    ensurePrivateDirSync(this.dir);
    this.withLock(() => this.write(state));
  }

  read(): PracticeState {
    const read = readInputFile(this.path, { maxBytes: MAX_STATE_BYTES, what: 'a practice session' });
    if (!read.ok)
      throw new InvalidInputError(`No practice session "${this.id}" in ${this.dir}: the file ${read.reason}.`);
    const text = read.text;
    try {
      return JSON.parse(text) as PracticeState;
    } catch {
      throw new InfrastructureError(`${this.path} is not a practice session file (not JSON).`);
    }
  }

  /** Apply `change` to the current state under the lock; returns what `change` returned. */
  update<T>(change: (s: PracticeState) => T): T {
    return this.withLock(() => {
      const s = this.read();
      const out = change(s);
      this.write(s);
      return out;
    });
  }

  private write(state: PracticeState): void {
    writePrivateFileSync(this.path, JSON.stringify(state, null, 2) + '\n');
  }

  private withLock<T>(fn: () => T): T {
    const lock = `${this.path}.lock`;
    const start = Date.now();
    for (;;) {
      try {
        closeSync(openSync(lock, 'wx'));
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        try {
          if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) rmSync(lock, { force: true });
        } catch {
          // Gone between the attempt and the stat: try again.
        }
        if (Date.now() - start > LOCK_WAIT_MS)
          throw new InfrastructureError(
            `${lock} has been held for ${LOCK_WAIT_MS / 1000}s; is another gameday stuck? Remove the file if not.`,
          );
        sleepSync(15);
      }
    }
    try {
      return fn();
    } finally {
      rmSync(lock, { force: true });
    }
  }
}

/** Short synchronous waits for the lock: the holders keep it for a read and a write. */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * The session a command acts on: the one named, else the most recently started active one in `dir`.
 */
export function findSession(dir: string, id?: string): SessionStore {
  if (id) return new SessionStore(dir, id);
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    files = [];
  }
  const sessions = files
    .map((f) => new SessionStore(dir, f.slice(0, -'.json'.length)))
    .map((store) => {
      try {
        return { store, state: store.read() };
      } catch {
        return undefined;
      }
    })
    .filter((x): x is { store: SessionStore; state: PracticeState } => x !== undefined && x.state.version === 1)
    .sort((a, b) => b.state.createdAt - a.state.createdAt);
  const active = sessions.find((x) => isActive(x.state));
  if (active) return active.store;
  if (sessions[0]) {
    throw new InvalidInputError(
      `No practice session is running in ${dir} (the latest, ${sessions[0].store.id}, has ended: ${sessions[0].state.status}). Start one with \`gameday practice <experiment>\`.`,
    );
  }
  throw new InvalidInputError(
    `No practice session in ${dir}. Start one with \`gameday practice <experiment>\` in this directory.`,
  );
}
