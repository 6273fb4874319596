import type { RecoveryStep } from '../kit/plugin.js';
import { resolveWorkload, workloadKey, type WorkloadSelector } from '../kit/selectors.js';
import { InvalidInputError } from '../errors.js';
import type { KubeObject } from '../kube/objects.js';
import { kubectlWorkload, workloadInWords } from '../kit/describe.js';
import { paramsSchema, workloadParam } from '../kit/schema.js';
import { readWorkload } from '../kit/workloads.js';

export interface RolloutUndoParams {
  workload?: WorkloadSelector;
  toRevision?: number;
}

const REVISION = 'deployment.kubernetes.io/revision';
const HASH = 'pod-template-hash';

const revisionOf = (rs: KubeObject): number => Number(rs.metadata.annotations?.[REVISION] ?? 0);

/**
 * The template `kubectl rollout undo` puts back: that of the ReplicaSet of the wanted revision (default: the
 * newest one older than the Deployment's current revision), without the ReplicaSet's pod-template-hash label.
 * Exported for tests.
 */
export function undoTemplate(
  deployment: KubeObject,
  replicaSets: KubeObject[],
  toRevision?: number,
): { revision: number; template: Record<string, unknown> } {
  const uid = deployment.metadata.uid;
  const owned = replicaSets.filter((rs) =>
    rs.metadata.ownerReferences?.some(
      (o) => o.kind === 'Deployment' && (uid === undefined || o.uid === uid) && o.name === deployment.metadata.name,
    ),
  );
  const current = Number(deployment.metadata.annotations?.[REVISION] ?? Math.max(0, ...owned.map(revisionOf)));
  const candidates = owned
    .filter((rs) => (toRevision !== undefined ? revisionOf(rs) === toRevision : revisionOf(rs) < current))
    .sort((a, b) => revisionOf(b) - revisionOf(a));
  const rs = candidates[0];
  const name = `${deployment.metadata.namespace}/${deployment.metadata.name}`;
  if (!rs) {
    throw new InvalidInputError(
      toRevision !== undefined
        ? `Deployment ${name} has no revision ${toRevision} to roll back to.`
        : `Deployment ${name} has no previous revision to roll back to (current revision ${current}).`,
    );
  }
  const template = structuredClone(
    ((rs.spec as { template?: object } | undefined)?.template ?? {}) as {
      metadata?: { labels?: Record<string, string> };
    } & Record<string, unknown>,
  );
  if (template.metadata?.labels) delete template.metadata.labels[HASH];
  return { revision: revisionOf(rs), template };
}

/** D9 ImagePullBackOff / CrashLoopBackOff after a bad change: `kubectl rollout undo` to the previous revision. */
export const rolloutUndo: RecoveryStep<RolloutUndoParams> = {
  name: 'rollout-undo',
  summary:
    'Roll a Deployment back to its previous revision (kubectl rollout undo): its pod template is put back and the controller rolls the pods.',
  params: paramsSchema({
    workload: workloadParam('The Deployment. Default: the workload the faults hit.'),
    toRevision: {
      type: 'integer',
      minimum: 1,
      description: 'Roll back to this revision (kubectl rollout undo --to-revision). Default: the previous one.',
    },
  }),
  async run(ctx, p) {
    const ref = await resolveWorkload(ctx, p.workload ?? { from: 'faults' });
    if (ref.kind !== 'Deployment')
      throw new InvalidInputError(
        `${ctx.cluster}: rollout-undo handles Deployments; ${workloadKey(ref)} is a ${ref.kind}.`,
      );
    const deployment = await readWorkload(ctx, ref);
    const { items } = await ctx.kube.list('replicasets', { namespace: ref.namespace });
    const { revision, template } = undoTemplate(deployment, items, p.toRevision);
    // A merge patch would keep keys the bad revision added (an annotation, a command): replace the template whole.
    await ctx.kube.patch('deployments', ref.name, [{ op: 'replace', path: '/spec/template', value: template }], {
      namespace: ref.namespace,
      type: 'json',
    });
    ctx.note(`rolled ${workloadKey(ref)} back to revision ${revision}`);
  },
  describe: (p) => {
    const w = p.workload ?? { from: 'faults' as const };
    return `Roll ${workloadInWords(w)} back: \`kubectl rollout undo ${kubectlWorkload(w)}${p.toRevision !== undefined ? ` --to-revision=${p.toRevision}` : ''}\`.`;
  },
};
