import type { KubeObject } from '../../kube/objects.js';
import { BaseController } from '../controllers/base-controller.js';
import { createAdmitted } from '../controllers/write.js';
import type { StoreEvent } from '../store/store.js';

/** kube-apiserver's secure port, the target of the `kubernetes` Service. */
export const APISERVER_PORT = 6443;

const SKIP_MIRROR = 'endpointslice.kubernetes.io/skip-mirror';

export interface ApiserverAddresses {
  /** The IPs of the masters whose kube-apiserver serves now. */
  addresses(): string[];
  /** Called when a master may have started or stopped serving. */
  onChange(listener: () => void): () => void;
}

/**
 * kube-apiserver's master endpoints reconciler (the `lease` reconciler of a default cluster): the
 * `kubernetes` Service in `default` has no selector, and the apiservers themselves keep its Endpoints and
 * its EndpointSlice, both named `kubernetes`, listing every serving apiserver's address on port 6443.
 * (The real reconciler notices a dead apiserver when its 15 s lease lapses; here the change is seen at
 * once.)
 */
export class KubernetesEndpointsReconciler extends BaseController {
  readonly name = 'master-endpoints-reconciler';
  protected readonly component = 'kube-apiserver' as const;
  private unsubscribeHosts: (() => void) | undefined;

  constructor(private readonly apiservers: ApiserverAddresses) {
    super();
  }

  protected onStart(): void {
    this.unsubscribeHosts = this.apiservers.onChange(() => this.enqueue('kubernetes'));
  }

  protected onStop(): void {
    this.unsubscribeHosts?.();
  }

  protected resyncAll(): void {
    this.enqueue('kubernetes');
  }

  protected onStoreEvent(e: StoreEvent): void {
    if (
      (e.resource === 'services' || e.resource === 'endpoints' || e.resource === 'endpointslices') &&
      e.object.metadata.namespace === 'default' &&
      e.object.metadata.name === 'kubernetes'
    )
      this.enqueue('kubernetes');
  }

  protected reconcile(): void {
    const store = this.ctx.store;
    if (!store.get('services', 'default', 'kubernetes')) return;
    const ips = [...new Set(this.apiservers.addresses())].sort();
    const port = { name: 'https', port: APISERVER_PORT, protocol: 'TCP' };
    const subsets = ips.length ? [{ addresses: ips.map((ip) => ({ ip })), ports: [port] }] : [];
    this.put('endpoints', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { [SKIP_MIRROR]: 'true' } },
      ...(subsets.length ? { subsets } : {}),
    });
    this.put('endpointslices', {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
      addressType: 'IPv4',
      endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
      ports: [port],
    });
  }

  private put(resource: string, want: KubeObject): void {
    const store = this.ctx.store;
    const cur = store.get(resource, 'default', 'kubernetes');
    if (!cur) {
      createAdmitted(this.ctx, resource, want);
      return;
    }
    const { apiVersion: _a, kind: _k, metadata, ...body } = want;
    const { apiVersion: _ca, kind: _ck, metadata: curMeta, ...curBody } = cur;
    if (
      JSON.stringify(curBody) === JSON.stringify(body) &&
      JSON.stringify(curMeta.labels ?? {}) === JSON.stringify(metadata.labels)
    )
      return;
    store.transform(resource, 'default', 'kubernetes', (o) => ({
      apiVersion: want.apiVersion ?? '',
      kind: want.kind ?? '',
      metadata: { ...o.metadata, labels: { ...o.metadata.labels, ...metadata.labels } },
      ...body,
    }));
  }
}
