import { faults } from '../faults/index.js';
import { probes } from '../probes/index.js';
import { recoverySteps } from '../recovery/index.js';
import { InvalidInputError } from '../errors.js';
import type { Fault, Probe, RecoveryStep } from '../kit/plugin.js';

export type AnyFault = Fault<Record<string, unknown>>;
export type AnyStep = RecoveryStep<Record<string, unknown>>;
export type AnyProbe = Probe<Record<string, unknown>>;

/** Where the engine looks up an item's `type`: the built-in registries, or a test's own plugins. */
export interface Plugins {
  faults: Readonly<Record<string, AnyFault>>;
  steps: Readonly<Record<string, AnyStep>>;
  probes: Readonly<Record<string, AnyProbe>>;
}

export const builtinPlugins: Plugins = {
  faults: faults as unknown as Plugins['faults'],
  steps: recoverySteps as unknown as Plugins['steps'],
  probes: probes as unknown as Plugins['probes'],
};

export function lookup<T>(table: Readonly<Record<string, T>>, type: string, what: string): T {
  const p = Object.hasOwn(table, type) ? table[type] : undefined;
  if (!p) throw new InvalidInputError(`Unknown ${what} type "${type}". Known: ${Object.keys(table).join(', ')}.`);
  return p;
}
