import { faults } from '../faults/index.js';
import { probes } from '../probes/index.js';
import { recoverySteps } from '../recovery/index.js';
import type { Registries } from './schema.js';

/** The plugins gameday ships: what experiments may name as `type`. */
export const defaultRegistries: Registries = { faults, recoverySteps, probes };
