import type { Probe } from '../engine/plugin.js';

/** Every probe an experiment may name as `type`, keyed by that name (equal to the module's file name). */
export const probes = {} satisfies Record<string, Probe<any>>;
