// `npm run schema` (second half): the simulator's parameters, for topology files. Run from the package root.
import { writeFile } from 'node:fs/promises';
import { SIM_PARAMS_SCHEMA_FILE, renderSimParamsSchema } from './param-docs.js';

await writeFile(SIM_PARAMS_SCHEMA_FILE, renderSimParamsSchema());
