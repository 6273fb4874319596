import { readFileSync } from 'node:fs';
import { faults } from '../faults/index.js';
import { recoverySteps } from '../recovery/index.js';
import { probes } from '../probes/index.js';
import type { Experiment } from '../experiment/types.js';
import type { JsonSchema } from '../kit/plugin.js';
import { KUBERNETES_VERSION } from '../sim/kubernetes-version.js';

/**
 * The README's tables are generated from the registries and the experiment files, so they cannot drift:
 * `npm run docs` rewrites the marked sections and a test fails when the committed README differs.
 */
interface Plugin {
  name: string;
  summary: string;
  params: JsonSchema;
  undoable?: boolean;
}

const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function paramNames(schema: JsonSchema): string {
  const props = Object.keys(schema.properties ?? {});
  const required = new Set((schema.required ?? []) as string[]);
  return props.map((p) => (required.has(p) ? `**${p}**` : p)).join(', ') || '-';
}

export function pluginTable(registry: Record<string, Plugin>): string {
  // A recovery step the rollback can undo may also prepare a drill in `setup`.
  const rows = Object.values(registry).map(
    (p) => `| \`${p.name}\` | ${cell(p.summary)}${p.undoable ? ' Also in `setup`.' : ''} | ${paramNames(p.params)} |`,
  );
  return ['| type | what it does | parameters (**required**) |', '|---|---|---|', ...rows].join('\n');
}

export function drillTable(experiments: { file: string; experiment: Experiment }[]): string {
  const rows = experiments.map(({ file, experiment: e }) => {
    const t = e.targets ?? {};
    const targets = [
      t.timeToDetect && `detect <= ${t.timeToDetect}`,
      t.timeToReady && `Ready <= ${t.timeToReady}`,
      t.timeToRecover && `recovered <= ${t.timeToRecover}`,
      t.maxUnavailability && `unavailable <= ${t.maxUnavailability}`,
      t.noDataLoss && 'no data loss',
    ].filter(Boolean);
    return `| [\`${e.id}\`](${file}) | ${cell(e.runbook)} | ${cell(e.title)} | ${e.recovery.mode} | ${targets.join(', ') || '-'} |`;
  });
  return ['| experiment | runbook section | drill | recovery | targets |', '|---|---|---|---|---|', ...rows].join('\n');
}

export function generatedSections(experiments: { file: string; experiment: Experiment }[]): Record<string, string> {
  return {
    drills: drillTable(experiments),
    faults: pluginTable(faults),
    steps: pluginTable(recoverySteps),
    probes: pluginTable(probes),
    // The release the simulator behaves as, from the one constant /version and node status use too.
    'kubernetes-version': `The simulator behaves as Kubernetes ${KUBERNETES_VERSION} (\`src/sim/kubernetes-version.ts\`): \`/version\` and every node's kubelet and kube-proxy version say so, and its defaults are that release's (node-monitor grace 40 s; 50 s from v1.32 on).`,
  };
}

/** Replace the text between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` markers. */
export function updateReadme(text: string, sections: Record<string, string>): string {
  let out = text;
  for (const [name, body] of Object.entries(sections)) {
    const re = new RegExp(`(<!-- generated:${name} -->)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!re.test(out)) throw new Error(`README.md has no <!-- generated:${name} --> section`);
    out = out.replace(re, (_m, open: string, close: string) => `${open}\n${body}\n${close}`);
  }
  return out;
}

export function readReadme(path = 'README.md'): string {
  return readFileSync(path, 'utf8');
}
