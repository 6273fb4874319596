import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Argv } from 'yargs';
import type { CommandModule } from '../command.js';
import { defaultTopology } from '../../sim/topology/default-topology.js';
import { simParamsSchema } from '../../sim/param-docs.js';
import { parseTopology } from '../../sim/topology/load-topology.js';
import { EXIT } from '../exit-codes.js';
import { schemaRef } from '../package-root.js';

/**
 * The default platform as a topology file to start from: three clusters, their nodes, etcd members and
 * workloads. With `params`, every simulator parameter at its default too, to be changed in place.
 */
export function exportedTopology(fromDir: string, withParams: boolean): string {
  const props = simParamsSchema()['properties'] as Record<string, { default: unknown }>;
  const params = Object.fromEntries(Object.entries(props).map(([k, p]) => [k, p.default]));
  const doc = {
    $schema: schemaRef(fromDir, 'topology.schema.json'),
    ...(withParams ? { params } : {}),
    ...defaultTopology(),
  };
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  // What is written must load: a starting point that does not validate would be no start at all.
  parseTopology(text, 'the exported topology');
  return text;
}

export const topology: CommandModule = {
  command: 'topology <action>',
  describe: 'Simulator topologies: `topology export` writes the default platform as a file to start from',
  builder: (y: Argv) =>
    y
      .positional('action', { choices: ['export'] as const, describe: 'export: write the default topology' })
      .option('out', { alias: 'o', type: 'string', describe: 'Write to this file (default: standard output)' })
      .option('params', {
        type: 'boolean',
        default: false,
        describe: "Include every simulator parameter at its default (Kubernetes' own), to change in place",
      }),
  handler: (args) => {
    const out = args.out as string | undefined;
    const text = exportedTopology(out ? dirname(resolve(out)) : process.cwd(), Boolean(args.params));
    if (out) {
      writeFileSync(out, text);
      process.stderr.write(
        `gameday: wrote the default topology to ${out}; edit it, check it with \`gameday validate ${out}\`, and use it with \`--topology ${out}\` or an experiment's "topology".\n`,
      );
    } else process.stdout.write(text);
    return Promise.resolve(EXIT.ok);
  },
};
