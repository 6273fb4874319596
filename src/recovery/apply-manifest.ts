import type { RecoveryStep } from '../kit/plugin.js';
import { InvalidInputError } from '../errors.js';
import { KubeApiError } from '../kube/errors.js';
import type { KubeObject } from '../kube/objects.js';
import { RESOURCES, type ResourceName } from '../kube/resources.js';
import { paramsSchema } from '../kit/schema.js';

export interface ApplyManifestParams {
  manifest: KubeObject;
}

/** The resource a manifest's apiVersion and kind name, among those gameday knows. Exported for tests. */
export function resourceOf(manifest: KubeObject): ResourceName {
  const apiVersion = manifest.apiVersion ?? '';
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const hit = (Object.entries(RESOURCES) as [ResourceName, (typeof RESOURCES)[ResourceName]][]).find(
    ([, r]) => r.kind === manifest.kind && r.group === group && r.version === version,
  );
  if (!hit) throw new InvalidInputError(`apply-manifest does not know ${apiVersion} ${manifest.kind}.`);
  return hit[0];
}

/** D9 Error (missing ConfigMap, Secret): put the object back, as `kubectl apply -f` does: create, or replace if it exists. */
export const applyManifest: RecoveryStep<ApplyManifestParams> = {
  name: 'apply-manifest',
  undoable: true,
  summary:
    'Create or update an object from a manifest given in the experiment (kubectl apply -f), e.g. a missing ConfigMap.',
  params: paramsSchema(
    {
      manifest: {
        type: 'object',
        minProperties: 3,
        description: 'The object: apiVersion, kind, metadata (name, namespace) and its content (data, spec...).',
      },
    },
    ['manifest'],
  ),
  async run(ctx, p) {
    // The schema leaves the manifest open (any kind's fields); what addresses it is checked here.
    if (!p.manifest.apiVersion || !p.manifest.kind || !p.manifest.metadata?.name) {
      throw new InvalidInputError(
        `${ctx.cluster}: apply-manifest needs a manifest with apiVersion, kind and metadata.name.`,
      );
    }
    const resource = resourceOf(p.manifest);
    const obj = structuredClone(p.manifest);
    try {
      await ctx.kube.create(resource, obj);
    } catch (err) {
      if (!(err instanceof KubeApiError) || err.status !== 409) throw err;
      const current = await ctx.kube.get(resource, obj.metadata.name, obj.metadata.namespace);
      await ctx.kube.replace(resource, {
        ...obj,
        metadata: { ...obj.metadata, resourceVersion: current?.metadata.resourceVersion },
      } as KubeObject);
    }
  },
  describe: (p) => {
    const m = p.manifest as Partial<KubeObject> | undefined;
    const what =
      m?.kind && m.metadata?.name
        ? `${m.kind} ${m.metadata.namespace ? `${m.metadata.namespace}/` : ''}${m.metadata.name}`
        : 'the object of the manifest';
    return `Apply ${what}: \`kubectl apply -f <manifest>\`.`;
  },
};
