import type { Kube, ListOptions } from '../../src/kube/kube.js';
import type { KubeObject } from '../../src/kube/objects.js';
import type { ResourceName } from '../../src/kube/resources.js';

/** A read-only Kube over fixed objects: enough for the node shell, which only reads the API. */
export function fakeKube(objects: Partial<Record<ResourceName, KubeObject[]>>): Kube {
  const list = async (
    resource: ResourceName,
    options?: ListOptions,
  ): Promise<{ items: KubeObject[]; resourceVersion: string }> => {
    let items = objects[resource] ?? [];
    const m = /^spec\.nodeName=(.+)$/.exec(options?.fieldSelector ?? '');
    if (m) items = items.filter((o) => o.spec?.nodeName === m[1]);
    if (options?.namespace) items = items.filter((o) => o.metadata.namespace === options.namespace);
    return { items: structuredClone(items), resourceVersion: '1' };
  };
  const kube: Partial<Kube> = {
    cluster: 'business',
    dryRun: false,
    list,
    get: async (resource, name, namespace) =>
      (objects[resource] ?? []).find(
        (o) => o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace),
      ),
  };
  return kube as Kube;
}

export const T0 = Date.UTC(2026, 0, 1, 0, 0, 0);
const iso = (ms: number): string => new Date(ms).toISOString();

export function nodeObject(
  name: string,
  o: {
    ready?: 'True' | 'False' | 'Unknown';
    memoryPressure?: boolean;
    diskPressure?: boolean;
    master?: boolean;
    readySince?: number;
  } = {},
): KubeObject {
  return {
    kind: 'Node',
    metadata: {
      name,
      creationTimestamp: iso(T0 - 86_400_000),
      labels: o.master ? { 'node-role.kubernetes.io/master': '' } : {},
    },
    status: {
      capacity: { cpu: '8', memory: '32Gi', 'ephemeral-storage': '100Gi', pods: '110' },
      addresses: [{ type: 'InternalIP', address: name }],
      conditions: [
        { type: 'MemoryPressure', status: o.memoryPressure ? 'True' : 'False' },
        { type: 'DiskPressure', status: o.diskPressure ? 'True' : 'False' },
        { type: 'Ready', status: o.ready ?? 'True', lastTransitionTime: iso(o.readySince ?? T0 - 86_400_000) },
      ],
    },
  };
}

export function podObject(
  ns: string,
  name: string,
  node: string,
  o: { memory?: string; restarts?: number; running?: boolean; mirror?: string } = {},
): KubeObject {
  return {
    kind: 'Pod',
    metadata: {
      name,
      namespace: ns,
      uid: `uid-${name}`,
      creationTimestamp: iso(T0 - 3_600_000),
      ...(o.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'hash' }, labels: { component: o.mirror } } : {}),
    },
    spec: {
      nodeName: node,
      containers: [
        { name: 'app', image: `registry.local/${name}:1.0`, resources: { requests: { memory: o.memory ?? '1Gi' } } },
      ],
    },
    status: {
      phase: o.running === false ? 'Pending' : 'Running',
      containerStatuses: [
        {
          name: 'app',
          image: `registry.local/${name}:1.0`,
          containerID: `docker://${'0123456789abcdef'.repeat(4)}`,
          restartCount: o.restarts ?? 0,
          state:
            o.running === false
              ? { waiting: { reason: 'ContainerCreating' } }
              : { running: { startedAt: iso(T0 - 600_000) } },
        },
      ],
    },
  };
}
