import { KubeConfig } from '@kubernetes/client-node';
import type { Kube } from '../../../src/kube/kube.js';
import type { KubeObject } from '../../../src/kube/objects.js';

/** A Kube that answers from a few objects and remembers what was created and deleted. */
export function stubKube(objects: { nodes?: KubeObject[]; pods?: KubeObject[] } = {}) {
  const created: KubeObject[] = [];
  const deleted: string[] = [];
  const kube = {
    cluster: 'gameday',
    config: new KubeConfig(),
    dryRun: true,
    list: (resource: string) =>
      Promise.resolve({
        items: resource === 'pods' ? (objects.pods ?? []) : (objects.nodes ?? []),
        resourceVersion: '1',
      }),
    get: (resource: string, name: string) =>
      Promise.resolve((resource === 'nodes' ? objects.nodes : objects.pods)?.find((o) => o.metadata.name === name)),
    create: (_resource: string, obj: KubeObject) => {
      created.push(obj);
      return Promise.resolve(obj);
    },
    delete: (resource: string, name: string, o?: { namespace?: string }) => {
      deleted.push(`${resource} ${o?.namespace ?? ''}/${name}`);
      return Promise.resolve();
    },
    close: () => undefined,
  } as unknown as Kube;
  return { kube, created, deleted };
}
