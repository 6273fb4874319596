import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { loadExperiments } from '../../src/experiment/load.js';
import { generatedSections, updateReadme } from '../../src/docs/readme.js';

describe('README', () => {
  it('has the drill, fault, step and probe tables that the registries and experiments/ produce (npm run docs)', async () => {
    const text = readFileSync('README.md', 'utf8');
    const experiments = await loadExperiments(['experiments']);
    expect(text, 'README.md is out of date: run `npm run docs`').to.equal(updateReadme(text, generatedSections(experiments)));
    for (const e of experiments) expect(text).to.contain(`\`${e.experiment.id}\``);
  });

  it('gives the two start commands, and .ci/run runs the same test command', () => {
    const text = readFileSync('README.md', 'utf8');
    expect(text).to.contain('npm ci && npm run catalogue');
    expect(text).to.match(/^npm test\b/m);
    expect(readFileSync('.ci/run', 'utf8')).to.match(/^npm test$/m);
  });
});
