import type { Probe } from '../kit/plugin.js';
import { few, watchHandle } from '../kit/probe.js';
import { paramsSchema } from '../kit/schema.js';
import { resolveWorkload } from '../kit/selectors.js';
import { cache } from '../kit/wait.js';
import type { KubeObject } from '../kube/objects.js';

export interface ServiceEndpointsParams {
  service?: string;
  namespace?: string;
  minReady?: number;
  ready?: boolean;
}

interface SliceEndpoint {
  addresses?: string[];
  conditions?: { ready?: boolean | null; terminating?: boolean | null };
}

/** The Service's backends by address, from its EndpointSlices (what kube-proxy routes to). */
function backends(slices: KubeObject[]): { ready: string[]; notReady: string[] } {
  const ready = new Set<string>();
  const notReady = new Set<string>();
  for (const s of slices) {
    for (const e of (s.endpoints ?? []) as SliceEndpoint[]) {
      // An unset ready condition means ready (discovery.k8s.io/v1 EndpointConditions).
      const isReady = e.conditions?.ready !== false;
      for (const a of e.addresses ?? []) (isReady ? ready : notReady).add(a);
    }
  }
  for (const a of ready) notReady.delete(a);
  return { ready: [...ready].sort(), notReady: [...notReady].sort() };
}

/**
 * D11, D12, S1-S3: what clients of a Service actually get, the ready addresses of its EndpointSlices
 * (`kubectl get endpointslices -l kubernetes.io/service-name=<svc>`, `kubectl describe svc` Endpoints:).
 * A Deployment can report its replicas available while its Service routes nowhere (a selector that no
 * longer matches, a named targetPort the pods lost); this probe catches that.
 */
export const serviceEndpoints: Probe<ServiceEndpointsParams> = {
  name: 'service-endpoints',
  summary:
    'A Service has at least N ready backends in its EndpointSlices (or, with "ready": false, fewer: for detection).',
  mode: 'watch',
  params: paramsSchema({
    service: {
      type: 'string',
      minLength: 1,
      description: 'The Service. Default: the Service named after the workload the faults hit.',
    },
    namespace: {
      type: 'string',
      minLength: 1,
      description: "The Service's namespace. Default: the namespace of the workload the faults hit.",
    },
    minReady: { type: 'integer', minimum: 0, description: 'How many ready backends it needs. Default 1.' },
    ready: {
      type: 'boolean',
      description: 'true (default): at least minReady ready backends; false: fewer than minReady (for detection).',
    },
  }),
  async start(ctx, p) {
    let name = p.service;
    let namespace = p.namespace;
    if (name === undefined || namespace === undefined) {
      const w = await resolveWorkload(ctx, { from: 'faults' });
      name ??= w.name;
      namespace ??= w.namespace;
    }
    const slices = await cache(ctx, 'endpointslices', {
      namespace,
      labelSelector: `kubernetes.io/service-name=${name}`,
    });
    const want = p.minReady ?? 1;
    const key = `service ${namespace}/${name}`;
    return watchHandle(() => {
      const { ready, notReady } = backends(slices.items());
      const observed = `${key}: ${ready.length} ready${ready.length ? ` (${few(ready)})` : ''}, ${notReady.length} not ready${notReady.length ? ` (${few(notReady)})` : ''}`;
      const enough = ready.length >= want;
      return { ok: p.ready === false ? !enough : enough, observed };
    });
  },
  describe: (p) => {
    const svc =
      p.service !== undefined
        ? `service ${p.namespace ?? '<namespace of the faulted workload>'}/${p.service}`
        : 'the Service of the faulted workload';
    const n = p.minReady ?? 1;
    const what =
      p.ready === false ? `fewer than ${n} ready backends` : `at least ${n} ready backend${n === 1 ? '' : 's'}`;
    return `${svc} has ${what} (\`kubectl get endpointslices -l kubernetes.io/service-name=${p.service ?? '<svc>'}\`)`;
  },
};
