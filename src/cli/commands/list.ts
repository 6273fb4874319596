import type { Argv } from 'yargs';
import type { CommandModule } from '../command.js';
import { faults } from '../../faults/index.js';
import { recoverySteps } from '../../recovery/index.js';
import { probes } from '../../probes/index.js';
import { EXIT } from '../exit-codes.js';
import type { JsonSchema } from '../../kit/plugin.js';

interface Plugin {
  name: string;
  summary: string;
  params: JsonSchema;
  undoable?: boolean;
}

/** "nodes (required): Which nodes: ..." lines from a plugin's parameter schema. */
export function paramLines(schema: JsonSchema): string[] {
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => {
    const desc = typeof s.description === 'string' ? s.description : '';
    const def = s.default !== undefined ? ` Default ${JSON.stringify(s.default)}.` : '';
    // What validation accepts, so the words of a description never promise more than the schema takes.
    const accepted = Array.isArray(s.enum) ? ` Accepted: ${s.enum.map((v) => JSON.stringify(v)).join(', ')}.` : '';
    return `${name}${required.has(name) ? ' (required)' : ''}: ${desc}${def}${accepted}`;
  });
}

export function listText(kind?: string): string {
  const sections: [string, Record<string, Plugin>][] = [
    ['Faults', faults],
    ['Recovery steps (those marked may also be used in "setup": the rollback undoes what they do)', recoverySteps],
    ['Probes', probes],
  ];
  const out: string[] = [];
  for (const [title, registry] of sections) {
    if (kind && !title.toLowerCase().startsWith(kind.toLowerCase().slice(0, 4))) continue;
    out.push(`${title}:`);
    for (const p of Object.values(registry)) {
      // Only a step whose every change the rollback undoes may prepare a drill.
      out.push(`  ${p.name}${p.undoable ? '  (also in "setup")' : ''}`);
      out.push(`      ${p.summary}`);
      for (const l of paramLines(p.params)) out.push(`      - ${l}`);
    }
    out.push('');
  }
  return out.join('\n');
}

export const list: CommandModule = {
  command: 'list [kind]',
  describe: 'List every fault, recovery step and probe with its parameters',
  builder: (y: Argv) =>
    y.positional('kind', { choices: ['faults', 'steps', 'probes'] as const, describe: 'Only this kind' }),
  handler: async (args) => {
    const kind = args.kind as string | undefined;
    process.stdout.write(listText(kind === 'steps' ? 'recovery' : kind));
    return EXIT.ok;
  },
};
