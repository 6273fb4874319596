import { promises as fsp } from 'node:fs';
import path from 'node:path';

/** Whether a path argument is a pattern rather than a name. */
export function isGlob(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

function segmentRegExp(segment: string): RegExp {
  const body = segment
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

async function entries(dir: string): Promise<{ name: string; isDirectory: boolean }[]> {
  try {
    const list = await fsp.readdir(dir === '' ? '.' : dir, { withFileTypes: true });
    return list.map((e) => ({ name: e.name, isDirectory: e.isDirectory() }));
  } catch {
    return [];
  }
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await fsp.stat(p)).isFile();
  } catch {
    return false;
  }
}

/**
 * `*`, `?` within one path segment and `**` across any number of them: enough for `experiments/**\/*.json`
 * on Node 20, which has no fs.glob. Names starting with "." match only a pattern that starts with ".".
 * Returns files only, sorted.
 */
async function ownGlob(pattern: string): Promise<string[]> {
  const parts = pattern.split('/');
  const found = new Set<string>();
  const join = (dir: string, name: string): string => (dir === '' ? name : dir === '/' ? `/${name}` : `${dir}/${name}`);

  async function walk(dir: string, i: number): Promise<void> {
    if (i === parts.length) {
      if (await isFile(dir)) found.add(path.normalize(dir));
      return;
    }
    const segment = parts[i] as string;
    if (segment === '**') {
      await walk(dir, i + 1);
      for (const e of await entries(dir))
        if (e.isDirectory && !e.name.startsWith('.')) await walk(join(dir, e.name), i);
      return;
    }
    if (!isGlob(segment)) {
      await walk(i === 0 && segment === '' ? '/' : join(dir, segment), i + 1);
      return;
    }
    const re = segmentRegExp(segment);
    for (const e of await entries(dir)) {
      if (e.name.startsWith('.') && !segment.startsWith('.')) continue;
      if (re.test(e.name)) await walk(join(dir, e.name), i + 1);
    }
  }

  await walk('', 0);
  return [...found].sort();
}

type NodeGlob = (pattern: string) => AsyncIterable<string>;

/** Node's own fs.promises.glob where it exists (Node 22+), else a small one of ours. Files only, sorted. */
export async function glob(pattern: string): Promise<string[]> {
  const nodeGlob = (fsp as unknown as { glob?: NodeGlob }).glob;
  if (nodeGlob === undefined) return ownGlob(pattern);
  const files: string[] = [];
  for await (const p of nodeGlob(pattern)) if (await isFile(p)) files.push(p);
  return files.sort();
}
