import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { loadExperiments } from '../../src/experiment/load.js';
import { generatedSections, updateReadme } from '../../src/docs/readme.js';

describe('README', () => {
  it('has the drill, fault, step and probe tables that the registries and experiments/ produce (npm run docs)', async () => {
    const text = readFileSync('README.md', 'utf8');
    const experiments = await loadExperiments(['experiments']);
    expect(text, 'README.md is out of date: run `npm run docs`').to.equal(
      updateReadme(text, generatedSections(experiments)),
    );
    for (const e of experiments) expect(text).to.contain(`\`${e.experiment.id}\``);
  });

  it('gives the two start commands, and .ci/run runs the same test command', () => {
    const text = readFileSync('README.md', 'utf8');
    expect(text).to.contain('npm ci && npm run catalogue');
    expect(text).to.match(/^npm test\b/m);
    expect(readFileSync('.ci/run', 'utf8')).to.match(/^npm test$/m);
  });
});

describe('README commands', () => {
  it('name only options that the command they are written with accepts', async () => {
    const { default: yargs } = await import('yargs');
    const { commands } = await import('../../src/cli/commands/index.js');
    const text = readFileSync('README.md', 'utf8');
    const block = /## Commands\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(text)?.[1] ?? '';
    expect(block, 'the README has a ```sh block under ## Commands').not.to.equal('');
    const options = new Map<string, Set<string>>();
    for (const c of commands) {
      const name = (Array.isArray(c.command) ? c.command[0] : c.command)?.split(' ')[0] ?? '';
      const keys = (c.builder(yargs([])) as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions()
        .key;
      options.set(name, new Set(Object.keys(keys)));
    }
    for (const line of block.split('\n')) {
      for (const invocation of line.replace(/#.*$/, '').split('|')) {
        const words = invocation.trim().split(/\s+/);
        if (words[0] !== 'gameday') continue;
        const known = options.get(words[1] ?? '');
        expect(known, `README: unknown command in "${invocation.trim()}"`).not.to.equal(undefined);
        for (const flag of invocation.match(/--[a-z][a-z-]*/g) ?? []) {
          expect(known?.has(flag.slice(2)), `README: "gameday ${words[1]}" has no ${flag}`).to.equal(true);
        }
      }
    }
  });
});
