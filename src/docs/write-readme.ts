import { writeFileSync } from 'node:fs';
import { loadExperiments } from '../experiment/load.js';
import { generatedSections, readReadme, updateReadme } from './readme.js';

// `npm run docs`: regenerate the README's tables from the registries and experiments/.
const experiments = await loadExperiments(['experiments']);
writeFileSync('README.md', updateReadme(readReadme(), generatedSections(experiments)));
console.log(`README.md: ${experiments.length} drills, tables regenerated`);
