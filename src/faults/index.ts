import type { Fault } from '../engine/plugin.js';

/** Every fault an experiment may name as `type`, keyed by that name (equal to the module's file name). */
export const faults = {} satisfies Record<string, Fault<any>>;
