import type { KubeObject } from '../../../src/kube/objects.js';
import { Hosts } from '../../../src/sim/kubelet/hosts.js';
import { makeSimContext, type SimContextOptions, type TestSimContext } from '../../../src/sim/testing/sim-context.js';
import type { TopologyNode } from '../../../src/sim/topology/types.js';

export const NODES: TopologyNode[] = [
  { name: '10.128.38.1', role: 'master' },
  { name: '10.128.38.6', role: 'worker' },
  { name: '10.128.38.7', role: 'worker' },
];

const open: { ctx: TestSimContext; hosts: Hosts }[] = [];

/** Hosts on an always-active control plane, without etcd or controllers. Close with `closeClusters`. */
export function cluster(opts: SimContextOptions = {}, nodes = NODES): { ctx: TestSimContext; hosts: Hosts } {
  const ctx = makeSimContext(opts);
  const hosts = new Hosts(ctx);
  for (const n of nodes) hosts.addNode(n);
  open.push({ ctx, hosts });
  return { ctx, hosts };
}

/** Stop every cluster `cluster()` made, so that their clocks stop ticking in the background. */
export function closeClusters(): void {
  for (const c of open.splice(0)) {
    c.hosts.close();
    c.ctx.clock.close();
  }
}

export function pod(
  name: string,
  node: string,
  extra: {
    annotations?: Record<string, string>;
    container?: Record<string, unknown>;
    spec?: Record<string, unknown>;
  } = {},
): KubeObject {
  const meta: KubeObject['metadata'] = { name, namespace: 'default' };
  if (extra.annotations) meta.annotations = extra.annotations;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: meta,
    spec: {
      nodeName: node,
      containers: [{ name: 'app', image: 'tomcat:8.5', ...extra.container }],
      ...extra.spec,
    },
  };
}

export function podOf(ctx: TestSimContext, name: string, ns = 'default'): KubeObject | undefined {
  return ctx.store.get('pods', ns, name);
}

export function containerStatus(p: KubeObject | undefined, i = 0): Record<string, any> | undefined {
  return (p?.status?.containerStatuses as Record<string, any>[] | undefined)?.[i];
}

export function eventsFor(ctx: TestSimContext, name: string): { reason: string; message: string; count: number }[] {
  return ctx.store
    .list('events')
    .filter((e) => (e.involvedObject as { name: string }).name === name)
    .map((e) => ({ reason: e.reason as string, message: e.message as string, count: e.count as number }));
}

/** Calls `fn` at every change of the pod, recording virtual times. */
export function watchPod(ctx: TestSimContext, name: string, fn: (p: KubeObject, at: number) => void): () => void {
  return ctx.store.onChange((e) => {
    if (e.resource === 'pods' && e.object.metadata.name === name && e.type !== 'DELETED') fn(e.object, ctx.clock.now());
  });
}
