// `npm run schema`: regenerates the committed schema from the plugin registries. Run from the package root.
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { EXPERIMENT_SCHEMA_FILE, renderExperimentSchema } from './schema-file.js';

const target = path.resolve(process.argv[2] ?? EXPERIMENT_SCHEMA_FILE);
await mkdir(path.dirname(target), { recursive: true });
await writeFile(target, renderExperimentSchema());
