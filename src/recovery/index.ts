import type { RecoveryStep } from '../engine/plugin.js';

/** Every recovery step an experiment may name as `type`, keyed by that name (equal to the module's file name). */
export const recoverySteps = {} satisfies Record<string, RecoveryStep<any>>;
