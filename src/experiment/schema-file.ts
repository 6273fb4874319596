import { defaultRegistries } from './registries.js';
import { buildExperimentSchema, type Registries } from './schema.js';

/** Where the committed schema lives, relative to the package root; editors point `$schema` at it. */
export const EXPERIMENT_SCHEMA_FILE = 'schemas/experiment.schema.json';

/** The schema file's exact text, so the committed copy can be compared with what the registries produce. */
export function renderExperimentSchema(registries: Registries = defaultRegistries): string {
  return `${JSON.stringify(buildExperimentSchema(registries), null, 2)}\n`;
}
