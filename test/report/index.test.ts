import { expect } from 'chai';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { reporters } from '../../src/report/index.js';

const REPORT_DIR = fileURLToPath(new URL('../../src/report/', import.meta.url));

function isReporter(value: unknown): boolean {
  return typeof value === 'object' && value !== null && 'render' in value && 'extension' in value && 'name' in value;
}

describe('reporters registry', () => {
  it('registers every reporter under its own name', () => {
    for (const [key, reporter] of Object.entries(reporters)) expect(reporter.name).to.equal(key);
  });

  it('registers every reporter defined in src/report', async () => {
    const files = (await readdir(REPORT_DIR)).filter((f) => f.endsWith('.ts'));
    let found = 0;
    for (const file of files) {
      const mod = (await import(pathToFileURL(join(REPORT_DIR, file)).href)) as Record<string, unknown>;
      for (const [name, value] of Object.entries(mod)) {
        if (!isReporter(value)) continue;
        found++;
        // By name, not identity: a dynamic import may load a second instance of the module under tsx.
        const { name: reporterName, extension } = value as { name: string; extension: string };
        const entry = (reporters as Record<string, { extension: string } | undefined>)[reporterName];
        expect(entry?.extension, `${file} exports reporter ${name} that is not registered`).to.equal(extension);
      }
    }
    expect(found).to.equal(Object.keys(reporters).length);
  });

  it('gives each reporter the extension its file is written with', () => {
    expect(Object.fromEntries(Object.entries(reporters).map(([k, r]) => [k, r.extension]))).to.deep.equal({
      json: 'json',
      junit: 'xml',
      markdown: 'md',
      html: 'html',
    });
  });
});
