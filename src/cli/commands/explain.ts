import type { Argv } from 'yargs';
import type { CommandModule } from '../command.js';
import { loadExperiments } from '../../experiment/load.js';
import { faults } from '../../faults/index.js';
import { recoverySteps } from '../../recovery/index.js';
import { probes } from '../../probes/index.js';
import { paramsOf } from '../../engine/probe-set.js';
import type { Experiment, ItemBase } from '../../experiment/types.js';
import { EXIT } from '../exit-codes.js';

type Describer = { describe(p: Record<string, unknown>): string };

function words(registry: Record<string, unknown>, item: ItemBase): string {
  const plugin = registry[item.type] as Describer | undefined;
  const where = item.cluster ? ` (cluster ${item.cluster})` : '';
  return plugin ? `${plugin.describe(paramsOf(item))}${where}` : `${item.type}${where}`;
}

/** The plan of an experiment in plain words, in the order the runner carries it out. */
export function explainText(e: Experiment): string {
  const out: string[] = [`${e.id}: ${e.title}`, `Runbook: ${e.runbook}`, '', e.description, ''];
  const section = (title: string, items: ItemBase[] | undefined, registry: Record<string, unknown>): void => {
    if (!items?.length) return;
    out.push(title);
    items.forEach((it, i) => out.push(`  ${i + 1}. ${words(registry, it)}`));
  };
  out.push(`Clusters: ${(e.clusters ?? ['(the target default)']).join(', ')}`);
  section('1. Check the steady state:', e.steadyState, probes);
  out.push('2. Write the rollback journal, then check the blast radius.');
  section(`3. Inject (${e.faultMode ?? 'parallel'}):`, e.faults, faults);
  section('4. Detect, timing from the first fault until:', e.detect, probes);
  if (e.recovery.mode === 'automatic')
    section('5. Recover automatically, as the runbook says:', e.recovery.steps, recoverySteps);
  else if (e.recovery.mode === 'manual')
    section('5. Recover by hand (gameday prints these steps and times you):', e.recovery.steps, recoverySteps);
  else out.push('5. Recover: no action; Kubernetes heals itself.');
  section('6. Verify, timing time-to-Ready until:', e.verify, probes);
  section('   Watching throughout for unavailability:', e.monitors, probes);
  section('   Stopping and rolling back if any of these fails:', e.abortWhen, probes);
  out.push(
    '7. Roll back every injected fault (always: on success, failure, timeout, Ctrl-C) and check the steady state is back.',
  );
  const t = e.targets ?? {};
  const targets = Object.entries(t).map(([k, v]) => `${k} ${String(v)}`);
  if (targets.length) out.push(`Targets: ${targets.join(', ')}`);
  return out.join('\n') + '\n';
}

export const explain: CommandModule = {
  command: 'explain <paths..>',
  describe: 'Print what an experiment will do, in plain words',
  builder: (y: Argv) => y.positional('paths', { type: 'string', array: true }),
  handler: async (args) => {
    const loaded = await loadExperiments(args.paths as string[]);
    process.stdout.write(loaded.map((l) => explainText(l.experiment)).join('\n'));
    return EXIT.ok;
  },
};
