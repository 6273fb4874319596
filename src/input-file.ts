import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, type Stats } from 'node:fs';
import type { Position } from './experiment/json-source.js';

/** Largest experiment file read: the catalogue's largest is a few kilobytes. */
export const MAX_EXPERIMENT_BYTES = 1024 * 1024;
/** Largest topology file: thousands of nodes fit in a few megabytes. */
export const MAX_TOPOLOGY_BYTES = 16 * 1024 * 1024;
/** Largest lab profile. */
export const MAX_PROFILE_BYTES = 1024 * 1024;
/** Largest journal, stored result or practice session gameday reads back: its own files, of a few kilobytes. */
export const MAX_STATE_BYTES = 16 * 1024 * 1024;

export type InputFile = { ok: true; text: string } | { ok: false; reason: string; position?: Position };

function mib(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  return bytes % 1024 === 0 ? `${bytes / 1024} KiB` : `${bytes} bytes`;
}

/** What a failed open says, in words: errno codes mean little to the person who named the file. */
function openFailure(path: string, err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ENOENT':
      try {
        if (lstatSync(path).isSymbolicLink()) return 'is a symbolic link to something that does not exist';
      } catch {
        // Not there at all.
      }
      return 'does not exist';
    case 'ELOOP':
      return 'is a symbolic link in a loop (following it leads back to where it started): it names no file';
    case 'EACCES':
    case 'EPERM':
      return 'cannot be read: permission denied';
    case 'ENOTDIR':
      return 'does not exist: a part of its path is a file, not a directory';
    case 'ENAMETOOLONG':
      return 'cannot be opened: its path is longer than the file system allows';
    case 'EISDIR':
      return 'is a directory, not a file';
    default:
      return `cannot be read (${err.code ?? 'error'}: ${err.message})`;
  }
}

function notRegular(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'is a directory, not a file';
  if (st.isFIFO()) return 'is a named pipe (FIFO), not a regular file: gameday reads only regular files';
  if (st.isSocket()) return 'is a socket, not a regular file: gameday reads only regular files';
  if (st.isCharacterDevice()) return 'is a character device, not a regular file: gameday reads only regular files';
  if (st.isBlockDevice()) return 'is a block device, not a regular file: gameday reads only regular files';
  return 'is not a regular file: gameday reads only regular files';
}

/** Where the first byte that is not UTF-8 sits, or undefined when the bytes are UTF-8. */
function firstInvalidUtf8(bytes: Buffer): number | undefined {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    const need =
      b < 0x80 ? 0 : b >= 0xc2 && b <= 0xdf ? 1 : b >= 0xe0 && b <= 0xef ? 2 : b >= 0xf0 && b <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
    }
    // Overlong forms and surrogates, as the UTF-8 decoder refuses them.
    const c1 = bytes[i + 1] ?? 0;
    if (
      (b === 0xe0 && c1 < 0xa0) ||
      (b === 0xed && c1 > 0x9f) ||
      (b === 0xf0 && c1 < 0x90) ||
      (b === 0xf4 && c1 > 0x8f)
    )
      return i;
    i += need + 1;
  }
  return undefined;
}

/** Whether the bytes from `at` to the end are the start of one UTF-8 character that the end cut off. */
function endsMidCharacter(bytes: Buffer, at: number): boolean {
  const lead = bytes[at] as number;
  const length =
    lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
  const rest = bytes.subarray(at + 1);
  return length > 0 && rest.length < length - 1 && rest.every((b) => (b & 0xc0) === 0x80);
}

function positionIn(bytes: Buffer, offset: number): Position {
  const before = bytes.subarray(0, offset).toString('utf8');
  const line = before.split('\n').length;
  return { line, column: before.length - before.lastIndexOf('\n') };
}

/**
 * Reads a file a person named (an experiment, a topology, a lab profile), refusing before reading anything
 * what cannot be one: a path that names nothing (or a loop of symbolic links), a directory, a named pipe
 * (reading one blocks until someone writes), a device, a file larger than `maxBytes`, and bytes that are
 * not UTF-8. The open does not block on a FIFO (O_NONBLOCK) and the checks are on what was opened, so a
 * file swapped in between cannot slip past them.
 */
export function readInputFile(path: string, o: { maxBytes: number; what: string }): InputFile {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return { ok: false, reason: openFailure(path, err as NodeJS.ErrnoException) };
  }
  try {
    const st = fstatSync(fd);
    const wrong = notRegular(st);
    if (wrong) return { ok: false, reason: wrong };
    if (st.size > o.maxBytes)
      return {
        ok: false,
        reason: `is ${st.size} bytes; ${o.what} may be at most ${mib(o.maxBytes)} (${o.maxBytes} bytes)`,
      };
    // Read at most one byte past the limit, whatever the size said: a file that grows while read (or a
    // /proc file, whose size is 0) is still caught.
    const chunks: Buffer[] = [];
    let length = 0;
    while (length <= o.maxBytes) {
      const chunk = Buffer.alloc(Math.min(o.maxBytes + 1 - length, Math.max(st.size - length, 64 * 1024)));
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      chunks.push(chunk.subarray(0, n));
      length += n;
    }
    if (length > o.maxBytes)
      return { ok: false, reason: `is larger than ${mib(o.maxBytes)}; ${o.what} may be at most ${o.maxBytes} bytes` };
    const bytes = Buffer.concat(chunks, length);
    if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
      return {
        ok: false,
        reason: 'is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8',
        position: { line: 1, column: 1 },
      };
    const bad = firstInvalidUtf8(bytes);
    if (bad !== undefined && endsMidCharacter(bytes, bad))
      return {
        ok: false,
        reason: 'ends in the middle of a UTF-8 character (was it cut short?)',
        position: positionIn(bytes, bad),
      };
    if (bad !== undefined)
      return {
        ok: false,
        reason: `is not UTF-8 text: byte 0x${(bytes[bad] as number).toString(16).padStart(2, '0')} cannot be read as a character; save the file as UTF-8`,
        position: positionIn(bytes, bad),
      };
    return { ok: true, text: bytes.toString('utf8') };
  } catch (err) {
    return { ok: false, reason: openFailure(path, err as NodeJS.ErrnoException) };
  } finally {
    closeSync(fd);
  }
}
