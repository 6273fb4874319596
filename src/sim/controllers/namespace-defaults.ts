import type { KubeObject } from '../../kube/objects.js';
import { StoreError, type StoreEvent } from '../store/store.js';
import { BaseController } from './base-controller.js';

/**
 * The cluster's root CA certificate, as the root-ca-cert-publisher shares it. A self-signed CA made for the
 * simulator (CN=kubernetes, valid 2025-2035): it signs nothing, since the simulated apiserver serves plain
 * HTTP, but pods and tools find the ConfigMap they expect, with a certificate that parses.
 */
export const ROOT_CA_CRT = [
  '-----BEGIN CERTIFICATE-----',
  'MIIC5zCCAc+gAwIBAgIBATANBgkqhkiG9w0BAQsFADAVMRMwEQYDVQQDDAprdWJl',
  'cm5ldGVzMB4XDTI1MDEwMTAwMDAwMFoXDTM1MDEwMTAwMDAwMFowFTETMBEGA1UE',
  'AwwKa3ViZXJuZXRlczCCASIwDQYJKoZIhvcNAQEBBQADggEPADCCAQoCggEBAN/N',
  'Z0oCrq4b7BWUCi0IPUWkBpEaVU70lMOBWpQU09/UW3vjjzR5WrEi/QYwO+PHo/7w',
  'zqk2+wKiXmIhPbUVUCr4tP2HrNtvvJtp/apIl3lZyWVIvO6bRlthuvSoqOOGlToz',
  '8NJOIyghNJtU7aR987g9/oGUruRC2hX/SH/7RO938B8L5uWQ5U0dX3N0oLGtAHN/',
  'PC9AHOQyLcYCHpLJg27N8pWIxgGU0GTKjV1LdAmlfaX1PZTTwt+kn5I2XUuZlKRy',
  'k3hPHYeObV46YiOKFEiq03aeLYB9TzoPUQP5xNG4DoiVrZb1xmp5HBACT6XZpnU+',
  'Z0hxRtItIHTXAUxsBFkCAwEAAaNCMEAwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8B',
  'Af8EBAMCAqQwHQYDVR0OBBYEFGwpmSwPYvdg3LPLSSGyFyXzcXdhMA0GCSqGSIb3',
  'DQEBCwUAA4IBAQCe1h0kW942R/pdWy0BfimUURLBSqs1U7aWVbXWIWKRvrApXl9K',
  'aXHnV541n+qu1er7L1h/Qi8b0sFpFlOO+zMxwaR8PybT7CSUKSlbmCEXAbhmCT/J',
  'MrCaWKHauobyrIOLgK4wDTV+NU95JD21BauksTdmFI52Y107DxOLjZy5lJ71Z6gd',
  '6c4yEFx+caNb3M0AvuwERWoryVQMgjeT2aQFCu87YIL0WYPOCkAHxo02d/Vo2BqV',
  'LM6fJzgUC7QqdO0AMqmg5iaOuUwRW07AJdtwIy+4CQpufZ0WFh6DXWxTOPfai2IP',
  'DCOACEH1Trg+3GCRgTPSG26rGKcMuqhFJP37',
  '-----END CERTIFICATE-----',
  '',
].join('\n');

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

/**
 * What kube-controller-manager gives every namespace: the `default` ServiceAccount (serviceaccount
 * controller) and the `kube-root-ca.crt` ConfigMap (root-ca-cert-publisher), each put back if deleted or,
 * for the ConfigMap, changed.
 */
export class NamespaceDefaultsController extends BaseController {
  readonly name = 'serviceaccount-controller';
  protected readonly component = 'kube-controller-manager' as const;

  protected resyncAll(): void {
    for (const ns of this.ctx.store.list('namespaces')) this.enqueue(ns.metadata.name);
  }

  protected onStoreEvent(e: StoreEvent): void {
    if (e.resource === 'namespaces') {
      if (e.type !== 'DELETED') this.enqueue(e.object.metadata.name);
      return;
    }
    const ns = e.object.metadata.namespace;
    if (!ns) return;
    if (e.resource === 'serviceaccounts' && e.object.metadata.name === 'default' && e.type === 'DELETED')
      this.enqueue(ns);
    if (e.resource === 'configmaps' && e.object.metadata.name === ROOT_CA_CONFIGMAP && e.type !== 'ADDED')
      this.enqueue(ns);
  }

  protected reconcile(ns: string): void {
    const namespace = this.ctx.store.get('namespaces', undefined, ns);
    // Nothing new in a namespace that is going away.
    if (!namespace || namespace.metadata.deletionTimestamp) return;
    const store = this.ctx.store;
    if (!store.get('serviceaccounts', ns, 'default')) {
      this.createIfAbsent('serviceaccounts', {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'default', namespace: ns },
      });
    }
    const cm = store.get('configmaps', ns, ROOT_CA_CONFIGMAP);
    const want: KubeObject = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: ROOT_CA_CONFIGMAP, namespace: ns, annotations: { 'kubernetes.io/description': DESCRIPTION } },
      data: { 'ca.crt': ROOT_CA_CRT },
    };
    if (!cm) this.createIfAbsent('configmaps', want);
    else if (
      (cm.data as Record<string, string> | undefined)?.['ca.crt'] !== ROOT_CA_CRT ||
      cm.metadata.annotations?.['kubernetes.io/description'] !== DESCRIPTION
    ) {
      store.mutate('configmaps', ns, ROOT_CA_CONFIGMAP, (o) => {
        o.data = { 'ca.crt': ROOT_CA_CRT };
        o.metadata.annotations = { ...o.metadata.annotations, 'kubernetes.io/description': DESCRIPTION };
      });
    }
  }

  private createIfAbsent(resource: string, obj: KubeObject): void {
    try {
      this.ctx.store.create(resource, obj, true);
    } catch (err) {
      if (!(err instanceof StoreError) || err.reason !== 'AlreadyExists') throw err;
    }
  }
}
