import {
  chmodSync,
  closeSync,
  fchmodSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';

/**
 * Files that hold what gameday read from a cluster (journals carry the ConfigMaps a drill deletes, results
 * and practice sessions carry object names, API answers and commands) are the user's alone: 0600 in 0700
 * directories, whatever the umask. Reports are meant to be shared and keep the usual modes.
 */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Whether an existing directory should be narrowed: wider than 0700, the user's, and not a shared place
 * (sticky or world-writable, such as /tmp, which a root user must not take over).
 */
function ownedAndWider(mode: number, uid: number): boolean {
  if ((mode & 0o077) === 0 || (mode & 0o1002) !== 0) return false;
  return process.getuid === undefined || uid === process.getuid();
}

/**
 * mkdir -p: what it creates is 0700, and the directory itself is narrowed to 0700 when it already exists
 * wider and is the user's own (a directory an older gameday made 0755). Parents that exist are left as
 * they are: they are not gameday's.
 */
export function ensurePrivateDirSync(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const st = statSync(dir);
  if (!ownedAndWider(st.mode, st.uid)) return;
  try {
    chmodSync(dir, PRIVATE_DIR_MODE);
  } catch {
    // Not ours to change after all (a shared mount): the files inside are still 0600.
  }
}

export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const st = await stat(dir);
  // As above: a directory that is not ours to narrow keeps its mode; the files inside are 0600.
  if (ownedAndWider(st.mode, st.uid)) await chmod(dir, PRIVATE_DIR_MODE).catch(() => undefined);
}

/**
 * Write `text` to `path` as a whole: a private temporary file in the same directory (fsynced when asked),
 * renamed over `path`. A reader never sees half a file, and the file is 0600 even if a leftover temporary
 * file or an older `path` was wider.
 */
export function writePrivateFileSync(path: string, text: string, options: { fsync?: boolean } = {}): void {
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', PRIVATE_FILE_MODE);
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
    writeSync(fd, text);
    if (options.fsync) fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, path);
}
