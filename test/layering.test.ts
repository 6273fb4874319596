import { expect } from 'chai';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * The layers of the house, checked on every import (static and dynamic) of every file under src/:
 * plugins see only their kit, the target interface and the Kubernetes client; nothing the engine runs
 * depends on the simulator; the simulator does not depend on practice mode.
 */
const root = resolve(import.meta.dirname, '..');
const src = join(root, 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Every relative import of a file, as a path under src/ ("kit/plugin.ts"). */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles
    .map((f) => f.fileName)
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(src, resolve(dirname(file), s)).replace(/\.js$/, '.ts'));
}

const all = files(src).map((f) => ({ file: relative(src, f), imports: importsOf(f) }));

function violations(from: RegExp, allowed: (imported: string, file: string) => boolean): string[] {
  return all
    .filter((f) => from.test(f.file))
    .flatMap((f) => f.imports.filter((i) => !allowed(i, f.file)).map((i) => `${f.file} imports ${i}`));
}

describe('layering', () => {
  it('finds the imports it checks (a scan that sees nothing would pass everything)', () => {
    const drill = all.find((f) => f.file === 'engine/drill-run.ts');
    expect(drill?.imports).to.include('kit/plugin.ts');
    expect(all.length).to.be.greaterThan(200);
  });

  it('faults, recovery steps and probes import only the plugin kit, the target interface, the Kubernetes client and errors', () => {
    const plugin = /^(faults|recovery|probes)\//;
    const ok = (i: string, file: string): boolean =>
      i.startsWith('kit/') ||
      i.startsWith('kube/') ||
      i === 'targets/target.ts' ||
      i === 'errors.ts' ||
      dirname(i) === dirname(file);
    expect(violations(plugin, ok)).to.deep.equal([]);
  });

  it('the engine, the kit and the plugins do not import the simulator', () => {
    const layer = /^(engine|kit|faults|recovery|probes)\//;
    expect(violations(layer, (i) => !i.startsWith('sim/'))).to.deep.equal([]);
  });

  it('the war room does not import the simulator: it follows any target through its Kube clients', () => {
    expect(violations(/^warroom\//, (i) => !i.startsWith('sim/'))).to.deep.equal([]);
  });

  it('the simulator does not import practice mode', () => {
    expect(violations(/^sim\//, (i) => !i.startsWith('practice/'))).to.deep.equal([]);
  });

  it('reports a plugin that reaches into the engine (the check itself works)', () => {
    const fake = { file: 'faults/x.ts', imports: ['engine/runner.ts'] };
    all.push(fake);
    try {
      expect(violations(/^faults\//, (i) => i.startsWith('kit/'))).to.include('faults/x.ts imports engine/runner.ts');
    } finally {
      all.pop();
    }
  });
});
