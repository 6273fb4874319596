import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../kube/objects.js';
import type { ResourceName } from '../kube/resources.js';
import { KubeApiError } from '../kube/errors.js';
import type { PluginContext } from './plugin.js';

/** Metadata fields worth recording and restoring: what a person set, nothing the server fills in. */
const KEPT_METADATA = ['name', 'namespace', 'labels', 'annotations'] as const;
/** Top-level fields the server owns; everything else of a recorded object is its content. */
const SERVER_FIELDS = new Set(['metadata', 'status']);

/** What is needed to create an object again exactly as it was: its content and the metadata a person set. */
export function restorable(obj: KubeObject): KubeObject {
  const metadata: KubeObject['metadata'] = { name: obj.metadata.name };
  for (const k of KEPT_METADATA) {
    const v = obj.metadata[k];
    if (v !== undefined) (metadata as unknown as Record<string, unknown>)[k] = v;
  }
  const out: KubeObject = { metadata };
  for (const [k, v] of Object.entries(obj)) if (!SERVER_FIELDS.has(k)) out[k] = v;
  return out;
}

/** True when `current` holds what `recorded` (a `restorable`) holds: same content, labels and annotations. */
export function sameAsRecorded(current: KubeObject, recorded: KubeObject): boolean {
  const now = restorable(current);
  const keys = new Set([...Object.keys(now), ...Object.keys(recorded)]);
  for (const k of ['metadata', 'apiVersion', 'kind']) keys.delete(k);
  for (const k of keys) if (!isDeepStrictEqual(now[k], recorded[k])) return false;
  return (
    isDeepStrictEqual(now.metadata.labels ?? {}, recorded.metadata.labels ?? {}) &&
    isDeepStrictEqual(now.metadata.annotations ?? {}, recorded.metadata.annotations ?? {})
  );
}

export type RestoreOutcome = 'unchanged' | 'created' | 'replaced' | 'recreated';

/**
 * Put back an object exactly as it was recorded before a fault: created when it is gone, replaced when
 * something (a recovery step, a person) put other content under its name, left alone when it already holds
 * the recorded content. An immutable object (a ConfigMap or Secret with `immutable: true`) cannot be
 * updated, so it is deleted and created again. The replace carries the current resourceVersion: a write
 * that races with ours fails with 409 instead of being silently overwritten.
 */
export async function restoreObject(
  ctx: PluginContext,
  resource: ResourceName,
  recorded: KubeObject,
): Promise<RestoreOutcome> {
  const { name, namespace } = recorded.metadata;
  const current = await ctx.kube.get(resource, name, namespace);
  if (!current) {
    try {
      await ctx.kube.create(resource, recorded);
      return 'created';
    } catch (err) {
      // Created by someone else between our read and our create: compare what is there now.
      if (!(err instanceof KubeApiError && err.status === 409)) throw err;
      return restoreObject(ctx, resource, recorded);
    }
  }
  if (sameAsRecorded(current, recorded)) return 'unchanged';
  if (current['immutable'] === true) {
    await ctx.kube.delete(resource, name, namespace === undefined ? {} : { namespace });
    await ctx.kube.create(resource, recorded);
    return 'recreated';
  }
  const replacement: KubeObject = {
    ...recorded,
    metadata: {
      ...recorded.metadata,
      ...(current.metadata.resourceVersion ? { resourceVersion: current.metadata.resourceVersion } : {}),
    },
  };
  if (current.apiVersion && !replacement.apiVersion) replacement.apiVersion = current.apiVersion;
  if (current.kind && !replacement.kind) replacement.kind = current.kind;
  await ctx.kube.replace(resource, replacement);
  return 'replaced';
}
