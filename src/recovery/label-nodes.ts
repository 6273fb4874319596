import { InvalidInputError } from '../errors.js';
import { nodeArg, nodesInWords } from '../kit/describe.js';
import { LIMITS } from '../kit/limits.js';
import { FROM_FAULTS, nodeStep, type NodeStepParams } from '../kit/node-step.js';
import type { JsonSchema } from '../kit/plugin.js';

export interface LabelNodesParams extends NodeStepParams {
  labels?: Record<string, string | null>;
  annotations?: Record<string, string | null>;
}

const changes = (what: string): JsonSchema => ({
  type: 'object',
  propertyNames: { maxLength: LIMITS.maxLabelKeyLength },
  additionalProperties: { type: ['string', 'null'], maxLength: what === 'labels' ? LIMITS.maxLabelLength : 1024 },
  maxProperties: LIMITS.maxLabels,
  description: `${what === 'labels' ? 'Labels' : 'Annotations'} to set, as key: value; a null value removes the key.`,
});

/** kubectl's words: `k=v` sets, `k-` removes. */
function kubectlArgs(map: Record<string, string | null> | undefined): string {
  return Object.entries(map ?? {})
    .map(([k, v]) => (v === null ? `${k}-` : `${k}=${v}`))
    .join(' ');
}

/**
 * Setup for a drill that needs a node marked (a label a nodeSelector or affinity picks, an annotation an
 * operator reads), or a recovery that relabels a node; the rollback puts the node's labels back.
 */
export const labelNodes = nodeStep<LabelNodesParams>({
  name: 'label-nodes',
  undoable: true,
  summary: 'Label or annotate nodes (kubectl label node / kubectl annotate node); a null value removes the key.',
  params: { labels: changes('labels'), annotations: changes('annotations') },
  each: async (ctx, node, p) => {
    if (!p.labels && !p.annotations)
      throw new InvalidInputError(`${ctx.cluster}: label-nodes needs "labels" or "annotations".`);
    const metadata = {
      ...(p.labels ? { labels: p.labels } : {}),
      ...(p.annotations ? { annotations: p.annotations } : {}),
    };
    await ctx.kube.patch('nodes', node, { metadata }, { type: 'merge' });
  },
  describe: (p) => {
    const nodes = nodeArg(p.nodes, FROM_FAULTS);
    const cmds = [
      ...(p.labels ? [`\`kubectl label node ${nodes} ${kubectlArgs(p.labels)} --overwrite\``] : []),
      ...(p.annotations ? [`\`kubectl annotate node ${nodes} ${kubectlArgs(p.annotations)} --overwrite\``] : []),
    ];
    return `Label ${nodesInWords(p.nodes, FROM_FAULTS)}: ${cmds.join(', ') || '(nothing to change)'}.`;
  },
});
