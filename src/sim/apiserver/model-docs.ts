import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The descriptions and required fields of client-node's models, read from the declaration files it ships
 * (`dist/gen/models/<Model>.d.ts`): the generator copies each type's and field's OpenAPI description into a
 * doc comment and leaves `?` off required fields. Read once per model, on first use; a model whose file
 * cannot be read simply has no descriptions.
 */
export interface ModelDoc {
  description: string | undefined;
  fields: Map<string, { description: string | undefined; required: boolean }>;
}

let modelsDir: string | undefined | null;
const cache = new Map<string, ModelDoc>();

function dir(): string | undefined {
  if (modelsDir === undefined) {
    try {
      const entry = createRequire(import.meta.url).resolve('@kubernetes/client-node');
      modelsDir = join(dirname(entry), 'gen', 'models');
    } catch {
      modelsDir = null;
    }
  }
  return modelsDir ?? undefined;
}

/** A doc comment's text: the lines without their leading `*`, joined as one paragraph per blank line. */
function commentText(raw: string): string {
  return raw
    .split('\n')
    .map((l) => l.replace(/^\s*\*\s?/, '').trimEnd())
    .join('\n')
    .replace(/\\(['"])/g, '$1')
    .trim();
}

export function modelDoc(model: string): ModelDoc {
  const hit = cache.get(model);
  if (hit) return hit;
  const doc: ModelDoc = { description: undefined, fields: new Map() };
  const d = dir();
  let text = '';
  if (d) {
    try {
      text = readFileSync(join(d, `${model}.d.ts`), 'utf8');
    } catch {
      text = '';
    }
  }
  const cls = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\s*export declare class ${model}\\b`).exec(text);
  if (cls) doc.description = commentText(cls[1]!);
  const body = text.slice(text.indexOf(`export declare class ${model}`));
  const field = /(?:\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*)?'([^']+)'(\??):/g;
  for (let m = field.exec(body); m; m = field.exec(body)) {
    doc.fields.set(m[2]!, { description: m[1] ? commentText(m[1]) : undefined, required: m[3] !== '?' });
  }
  cache.set(model, doc);
  return doc;
}
