import { readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensurePrivateDirSync, writePrivateFileSync } from '../private-files.js';

/**
 * Where a running `gameday run --serve` says where its war room is, so that `gameday node shell` (another
 * process, in the same directory) can put what a person types on the page. It holds the token: written
 * 0600, removed when the war room closes.
 */
export const DEFAULT_WARROOM_FILE = '.gameday/warroom.json';

export interface Announcement {
  url: string;
  token: string;
  pid: number;
}

export function announce(file: string, a: Announcement): () => void {
  ensurePrivateDirSync(dirname(file));
  writePrivateFileSync(file, JSON.stringify(a) + '\n');
  return () => {
    try {
      if ((JSON.parse(readFileSync(file, 'utf8')) as Announcement).pid === a.pid) rmSync(file, { force: true });
    } catch {
      // Gone already, or another war room's since.
    }
  };
}

/** The war room running in this directory, if any (its process still alive). */
export function findAnnounced(file = DEFAULT_WARROOM_FILE): Announcement | undefined {
  let a: Announcement;
  try {
    a = JSON.parse(readFileSync(file, 'utf8')) as Announcement;
  } catch {
    return undefined;
  }
  if (typeof a.url !== 'string' || typeof a.token !== 'string' || typeof a.pid !== 'number') return undefined;
  try {
    process.kill(a.pid, 0);
  } catch {
    return undefined;
  }
  return a;
}

/**
 * One node-shell command to the war room's transcript. Best effort: the shell never waits long for the page
 * nor fails because of it. The token goes in a header no web page can set, since this request has no Origin.
 */
export async function postShellLine(
  a: Announcement,
  line: { node: string; command: string; exitCode: number },
): Promise<void> {
  const url = new URL(a.url);
  url.pathname = '/api/shell';
  url.search = '';
  try {
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-gameday-token': a.token },
      body: JSON.stringify(line),
      signal: AbortSignal.timeout(2_000),
    });
  } catch {
    // The page is a view: a command is never lost for want of it (it ran; the shell printed it).
  }
}
