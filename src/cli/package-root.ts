import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory holding gameday's package.json and schemas/, from wherever this module runs (src or dist). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'schemas'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** A `$schema` value for a file written in `fromDir`: the committed schema, relative so that editors find it. */
export function schemaRef(fromDir: string, schemaFile: string): string {
  return relative(fromDir, join(packageRoot(), 'schemas', schemaFile))
    .split('\\')
    .join('/');
}
