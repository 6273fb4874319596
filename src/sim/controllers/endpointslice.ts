import type { KubeObject } from '../../kube/objects.js';
import type { StoreEvent } from '../store/store.js';
import { BaseController, splitKey } from './base-controller.js';
import { ownerRef } from './pods.js';
import {
  backendChanged,
  backendHostname,
  compareIp,
  inheritedLabels,
  MANAGED_BY_LABEL,
  portKey,
  selectsPod,
  serviceBackends,
  serviceSelector,
  SERVICE_NAME_LABEL,
  SLICE_CONTROLLER,
  sortPorts,
  targetRef,
  triggerTime,
  TRIGGER_TIME,
  type Backend,
} from './service-backends.js';
import { createAdmitted } from './write.js';

/** --max-endpoints-per-slice, kube-controller-manager's default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;

const ZONE_LABEL = 'topology.kubernetes.io/zone';

interface DesiredSlice {
  ports: Backend['ports'];
  endpoints: Record<string, unknown>[];
}

/**
 * The EndpointSlice controller of kube-controller-manager (discovery.k8s.io/v1): for every Service with a
 * selector, slices named `<service>-<random>` owned by the Service and labelled
 * `kubernetes.io/service-name`, one or more per distinct set of resolved ports (at most 100 endpoints each).
 * Unlike Endpoints, terminating pods stay listed with `ready: false, terminating: true` and `serving`
 * telling whether they still pass readiness. A Service that selects nothing gets one empty placeholder
 * slice. Existing slices are updated in place, so their names stay put as pods come and go.
 */
export class EndpointSliceController extends BaseController {
  readonly name = 'endpointslice-controller';
  protected readonly component = 'kube-controller-manager' as const;

  protected resyncAll(): void {
    for (const s of this.ctx.store.list('services')) this.enqueue(key(s));
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
    // A deleted Service's slices go with it through their owner reference (the garbage collector).
    if (!svc || !serviceSelector(svc)) return;
    const backends = serviceBackends(store, svc, true);
    const desired = this.desired(svc, backends);
    const labels = {
      ...inheritedLabels(svc),
      [SERVICE_NAME_LABEL]: name,
      [MANAGED_BY_LABEL]: SLICE_CONTROLLER,
    };
    const trigger = triggerTime(svc, backends);
    const existing = store
      .list('endpointslices', { namespace: ns, labelSelector: `${SERVICE_NAME_LABEL}=${name}` })
      .filter((s) => s.metadata.labels?.[MANAGED_BY_LABEL] === SLICE_CONTROLLER)
      .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    const unused = [...existing];
    for (const d of desired) {
      const body = sliceBody(d);
      const match = unused.find((s) => portKey((s.ports ?? []) as Backend['ports']) === portKey(d.ports)) ?? unused[0];
      if (match) {
        unused.splice(unused.indexOf(match), 1);
        if (
          JSON.stringify({ endpoints: match.endpoints, ports: match.ports ?? [] }) ===
            JSON.stringify({ endpoints: body.endpoints, ports: body.ports ?? [] }) &&
          JSON.stringify(match.metadata.labels ?? {}) === JSON.stringify(labels)
        )
          continue;
        store.transform('endpointslices', ns, match.metadata.name, (o) => {
          const out: KubeObject = {
            ...o,
            ...body,
            metadata: {
              ...o.metadata,
              labels,
              ...(trigger ? { annotations: { ...o.metadata.annotations, [TRIGGER_TIME]: trigger } } : {}),
            },
          };
          if (!body.ports) delete out.ports;
          return out;
        });
        continue;
      }
      createAdmitted(this.ctx, 'endpointslices', {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          name: '',
          generateName: `${name}-`,
          namespace: ns,
          labels,
          ...(trigger ? { annotations: { [TRIGGER_TIME]: trigger } } : {}),
          ownerReferences: [ownerRef(svc, 'Service', 'v1')],
        },
        ...body,
      });
    }
    for (const s of unused) store.remove('endpointslices', ns, s.metadata.name);
  }

  private desired(svc: KubeObject, backends: Backend[]): DesiredSlice[] {
    const groups = new Map<string, Backend[]>();
    for (const b of backends) {
      const k = portKey(b.ports);
      const g = groups.get(k);
      if (g) g.push(b);
      else groups.set(k, [b]);
    }
    const out: DesiredSlice[] = [];
    for (const k of [...groups.keys()].sort()) {
      const g = groups.get(k)!.sort((a, b) => compareIp(a.ip, b.ip));
      for (let i = 0; i < g.length; i += MAX_ENDPOINTS_PER_SLICE) {
        out.push({
          ports: sortPorts(g[0]!.ports),
          endpoints: g.slice(i, i + MAX_ENDPOINTS_PER_SLICE).map((b) => this.endpoint(svc, b)),
        });
      }
    }
    if (out.length === 0) out.push({ ports: [], endpoints: [] });
    return out;
  }

  private endpoint(svc: KubeObject, b: Backend): Record<string, unknown> {
    const hostname = backendHostname(svc, b.pod);
    const nodeName = b.pod.spec?.nodeName as string | undefined;
    const zone = nodeName ? this.ctx.store.get('nodes', undefined, nodeName)?.metadata.labels?.[ZONE_LABEL] : undefined;
    return {
      addresses: [b.ip],
      conditions: { ready: b.ready && !b.terminating, serving: b.ready, terminating: b.terminating },
      ...(hostname ? { hostname } : {}),
      targetRef: targetRef(b.pod),
      ...(nodeName ? { nodeName } : {}),
      ...(zone ? { zone } : {}),
    };
  }
}

function sliceBody(d: DesiredSlice): { addressType: string; endpoints: unknown[]; ports?: unknown[] } {
  return { addressType: 'IPv4', endpoints: d.endpoints, ...(d.ports.length ? { ports: d.ports } : {}) };
}

function key(o: KubeObject): string {
  return `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;
}
