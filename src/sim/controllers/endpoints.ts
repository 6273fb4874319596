import type { KubeObject } from '../../kube/objects.js';
import { StoreError, type StoreEvent } from '../store/store.js';
import { BaseController, splitKey } from './base-controller.js';
import {
  backendChanged,
  backendHostname,
  compareIp,
  inheritedLabels,
  portKey,
  selectsPod,
  serviceBackends,
  serviceSelector,
  sortPorts,
  targetRef,
  triggerTime,
  TRIGGER_TIME,
  type Backend,
} from './service-backends.js';
import { createAdmitted } from './write.js';

/** A Service's Endpoints subsets, as the endpoints controller repacks them: one subset per distinct port set. */
export function endpointSubsets(svc: KubeObject, backends: Backend[]): Record<string, unknown>[] {
  const groups = new Map<string, { ports: Backend['ports']; ready: Backend[]; notReady: Backend[] }>();
  for (const b of backends) {
    const key = portKey(b.ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports: b.ports, ready: [], notReady: [] }));
    (b.ready ? g.ready : g.notReady).push(b);
  }
  const address = (b: Backend): Record<string, unknown> => {
    const hostname = backendHostname(svc, b.pod);
    return {
      ip: b.ip,
      ...(hostname ? { hostname } : {}),
      ...(b.pod.spec?.nodeName ? { nodeName: b.pod.spec.nodeName as string } : {}),
      targetRef: targetRef(b.pod),
    };
  };
  const byIp = (a: Backend, b: Backend): number => compareIp(a.ip, b.ip);
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, g]) => ({
      ...(g.ready.length ? { addresses: g.ready.sort(byIp).map(address) } : {}),
      ...(g.notReady.length ? { notReadyAddresses: g.notReady.sort(byIp).map(address) } : {}),
      ...(g.ports.length ? { ports: sortPorts(g.ports) } : {}),
    }));
}

/**
 * The endpoints controller of kube-controller-manager: for every Service with a selector, an Endpoints
 * object of the same name listing the selected pods' addresses (ready ones under `addresses`, the others
 * under `notReadyAddresses`; terminating pods left out) and their resolved ports. Services without a
 * selector keep whatever Endpoints their owner writes.
 */
export class EndpointsController extends BaseController {
  readonly name = 'endpoints-controller';
  protected readonly component = 'kube-controller-manager' as const;

  protected resyncAll(): void {
    for (const s of this.ctx.store.list('services')) this.enqueue(key(s));
    // Endpoints left behind by a Service deleted while the controller was away.
    for (const e of this.ctx.store.list('endpoints')) this.enqueue(key(e));
  }

  protected onStoreEvent(e: StoreEvent): void {
    if (e.resource === 'services') {
      this.enqueue(key(e.object));
      return;
    }
    if (e.resource !== 'pods' || (e.type === 'MODIFIED' && !backendChanged(e.old, e.object))) return;
    for (const svc of this.ctx.store.list('services', { namespace: e.object.metadata.namespace })) {
      const sel = serviceSelector(svc);
      if (!sel) continue;
      if (selectsPod(sel, e.object) || (e.old && selectsPod(sel, e.old))) this.enqueue(key(svc));
    }
  }

  protected reconcile(k: string): void {
    const [ns, name] = splitKey(k);
    const store = this.ctx.store;
    const svc = store.get('services', ns, name);
    const current = store.get('endpoints', ns, name);
    if (!svc) {
      // Endpoints whose Service is gone are deleted, but only those this controller could have written.
      if (current && current.metadata.labels?.['endpointslice.kubernetes.io/skip-mirror'] !== 'true') {
        try {
          store.remove('endpoints', ns, name);
        } catch (err) {
          if (!(err instanceof StoreError && err.reason === 'NotFound')) throw err;
        }
      }
      return;
    }
    if (!serviceSelector(svc)) return;
    const backends = serviceBackends(store, svc, false);
    const subsets = endpointSubsets(svc, backends);
    const labels = inheritedLabels(svc);
    const trigger = triggerTime(svc, backends);
    if (
      current &&
      JSON.stringify(current.subsets ?? []) === JSON.stringify(subsets) &&
      JSON.stringify(current.metadata.labels ?? {}) === JSON.stringify(labels)
    )
      return;
    const annotations = trigger ? { [TRIGGER_TIME]: trigger } : undefined;
    if (!current) {
      createAdmitted(this.ctx, 'endpoints', {
        apiVersion: 'v1',
        kind: 'Endpoints',
        metadata: { name, namespace: ns, labels, ...(annotations ? { annotations } : {}) },
        ...(subsets.length ? { subsets } : {}),
      });
      return;
    }
    store.transform('endpoints', ns, name, (o) => {
      const out: KubeObject = {
        ...o,
        metadata: {
          ...o.metadata,
          labels,
          annotations: { ...o.metadata.annotations, ...annotations },
        },
      };
      if (subsets.length) out.subsets = subsets;
      else delete out.subsets;
      return out;
    });
  }
}

function key(o: KubeObject): string {
  return `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
}
