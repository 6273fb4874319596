import type { ServerResponse } from 'node:http';
import type { KubeObject } from '../../kube/objects.js';
import { writeChunk } from './http.js';
import { tableHead, tableRow, type TableOptions } from './table.js';

/** An object's key within its resource, as etcd orders them: namespace/name, or name. */
export function objectKey(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

/** etcd returns keys in order, so real lists come sorted by namespace, then name. */
export function sortByKey(items: KubeObject[]): KubeObject[] {
  const keyed = items.map((o) => [objectKey(o), o] as const);
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return keyed.map((k) => k[1]);
}

const BATCH = 500;

export type ListShape =
  { kind: 'list'; listKind: string; apiVersion: string } | { kind: 'table'; table: TableOptions } | { kind: 'partial' };

/**
 * Write a list response item by item, a few hundred per chunk, waiting for the socket to drain: a list of
 * 150,000 pods never becomes one giant string.
 */
/** A list's metadata besides its resourceVersion: where the next page starts and how many items remain. */
export interface ListMore {
  continue?: string | undefined;
  remainingItemCount?: number | undefined;
}

/** The list metadata object as JSON: {"resourceVersion":...,"continue":...,"remainingItemCount":...}. */
export function listMetaJson(resourceVersion: string, more: ListMore = {}): string {
  return JSON.stringify({
    resourceVersion,
    ...(more.continue !== undefined ? { continue: more.continue } : {}),
    ...(more.remainingItemCount !== undefined ? { remainingItemCount: more.remainingItemCount } : {}),
  });
}

export async function streamList(
  res: ServerResponse,
  items: KubeObject[],
  resourceVersion: string,
  shape: ListShape,
  more: ListMore = {},
): Promise<void> {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  let head: string;
  let item: (o: KubeObject) => string;
  let tail = ']}';
  switch (shape.kind) {
    case 'table':
      head = tableHead(shape.table, resourceVersion, more);
      item = (o) => JSON.stringify(tableRow(o, shape.table));
      break;
    case 'partial':
      head = `{"kind":"PartialObjectMetadataList","apiVersion":"meta.k8s.io/v1","metadata":${listMetaJson(resourceVersion, more)},"items":[`;
      item = (o) =>
        JSON.stringify({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata });
      break;
    case 'list':
      head = `{"kind":${JSON.stringify(shape.listKind)},"apiVersion":${JSON.stringify(shape.apiVersion)},"metadata":${listMetaJson(resourceVersion, more)},"items":[`;
      item = (o) => JSON.stringify(o);
      tail = ']}';
      break;
  }
  if (items.length <= BATCH) {
    res.end(head + items.map(item).join(',') + tail);
    return;
  }
  await writeChunk(res, head);
  for (let i = 0; i < items.length; i += BATCH) {
    const part = items
      .slice(i, i + BATCH)
      .map(item)
      .join(',');
    await writeChunk(res, (i > 0 ? ',' : '') + part);
  }
  res.end(tail);
}
