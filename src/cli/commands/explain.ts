import type { Argv } from 'yargs';
import type { CommandModule } from '../command.js';
import { loadExperiments } from '../../experiment/load.js';
import { faults } from '../../faults/index.js';
import { recoverySteps } from '../../recovery/index.js';
import { probes } from '../../probes/index.js';
import { describeProbe, paramsOf } from '../../engine/probe-set.js';
import type { AnyProbe } from '../../engine/plugins.js';
import type { Experiment, ItemBase } from '../../experiment/types.js';
import { EXIT } from '../exit-codes.js';

type Describer = { describe(p: Record<string, unknown>): string };

function words(registry: Record<string, unknown>, item: ItemBase): string {
  const plugin = registry[item.type] as Describer | undefined;
  const where = item.cluster ? ` (cluster ${item.cluster})` : '';
  if (!plugin) return `${item.type}${where}`;
  const text = registry === probes ? describeProbe(plugin as AnyProbe, item) : plugin.describe(paramsOf(item));
  return `${text}${where}`;
}

/** The plan of an experiment in plain words, in the order the runner carries it out, numbered without gaps. */
export function explainText(e: Experiment): string {
  const out: string[] = [`${e.id}: ${e.title}`, `Runbook: ${e.runbook}`, '', e.description, ''];
  let n = 0;
  const step = (text: string): void => {
    out.push(`${++n}. ${text}`);
  };
  const list = (items: ItemBase[] | undefined, registry: Record<string, unknown>, indent = '  '): void => {
    (items ?? []).forEach((it, i) => out.push(`${indent}${i + 1}. ${words(registry, it)}`));
  };
  const section = (title: string, items: ItemBase[] | undefined, registry: Record<string, unknown>): void => {
    if (!items?.length) return;
    step(title);
    list(items, registry);
  };
  out.push(`Clusters: ${(e.clusters ?? ['(the target default)']).join(', ')}`);
  section(
    'Set up what the drill needs (journalled first; undone at the end, after the faults):',
    e.setup,
    recoverySteps,
  );
  section('Check the steady state:', e.steadyState, probes);
  step('Check the blast radius, then write the rollback journal.');
  if (e.monitors?.length || e.abortWhen?.length) {
    step('Start watching, until verification ends:');
    if (e.monitors?.length) {
      out.push('   for unavailability (how long each fails):');
      list(e.monitors, probes, '     ');
    }
    if (e.abortWhen?.length) {
      out.push('   to stop the drill and roll back if any of these fails:');
      list(e.abortWhen, probes, '     ');
    }
  }
  section(`Inject (${e.faultMode ?? 'parallel'}):`, e.faults, faults);
  section('Detect, timing from the first fault until:', e.detect, probes);
  const delay = e.recovery.delay ? `After waiting ${e.recovery.delay}, recover` : 'Recover';
  if (e.recovery.mode === 'automatic')
    section(`${delay} automatically, as the runbook says:`, e.recovery.steps, recoverySteps);
  else if (e.recovery.mode === 'manual')
    section(`${delay} by hand (gameday prints these steps and times you):`, e.recovery.steps, recoverySteps);
  else step('Recover: no action; Kubernetes heals itself.');
  section('Verify, timing time-to-Ready until:', e.verify, probes);
  step(
    `Roll back every injected fault${e.setup?.length ? ', then undo what the setup changed' : ''} (always: on success, failure, timeout, Ctrl-C) and check the steady state is back.`,
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
