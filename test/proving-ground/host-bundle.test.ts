import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import ts from 'typescript';
import { prepareHostBundle } from '../../src/proving-ground/bundle.js';

const HOST = resolve(import.meta.dirname, '../../src/proving-ground/host');

/**
 * The programs mounted into the hosts run on Debian's Node.js 18 with nothing but their own directory and
 * `yaml`: an import of the rest of gameday would only fail inside a container.
 */
describe('proving-ground host programs', () => {
  it('import only each other, node built-ins and yaml', () => {
    const bad: string[] = [];
    for (const f of readdirSync(HOST).filter((x) => x.endsWith('.ts'))) {
      for (const { fileName } of ts.preProcessFile(readFileSync(join(HOST, f), 'utf8'), true, true).importedFiles) {
        const ok = fileName.startsWith('node:') || fileName === 'yaml' || /^\.\/[a-z-]+\.js$/.test(fileName);
        if (!ok) bad.push(`${f} imports ${fileName}`);
      }
    }
    expect(bad).to.deep.equal([]);
  });

  it('bundle into a directory where node runs systemctl with nothing else installed', async function () {
    this.timeout(60_000);
    const dir = mkdtempSync(join(tmpdir(), 'gameday-bundle-'));
    try {
      await prepareHostBundle(dir);
      expect(readdirSync(dir)).to.include.members([
        'init.js',
        'agent.js',
        'systemctl.js',
        'crictl.js',
        'ctr.js',
        'package.json',
        'node_modules',
      ]);
      // No init listens here: systemctl must say so as systemd does, which proves the bundle loads and runs.
      const r = await execa(process.execPath, [join(dir, 'systemctl.js'), 'is-active', 'kubelet'], {
        reject: false,
        cwd: dir,
      });
      expect(r.exitCode).to.equal(1);
      expect(r.stderr).to.equal('Failed to connect to bus: No such file or directory');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
