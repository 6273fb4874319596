import { expect } from 'chai';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXPERIMENT_SCHEMA_FILE, renderExperimentSchema } from '../../src/experiment/schema-file.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('schemas/experiment.schema.json', () => {
  it('is what the plugin registries produce (run "npm run schema" after changing a plugin)', async () => {
    const committed = await readFile(path.join(root, EXPERIMENT_SCHEMA_FILE), 'utf8');
    // Compared as JSON, so a formatter reflowing the file does not count as a difference.
    expect(JSON.parse(committed), 'schemas/experiment.schema.json is stale: run "npm run schema"').to.deep.equal(
      JSON.parse(renderExperimentSchema()),
    );
  });
});
