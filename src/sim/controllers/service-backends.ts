import type { KubeObject } from '../../kube/objects.js';
import { conditionOf } from '../../kube/objects.js';
import type { Store } from '../store/store.js';
import { isReady, isTerminating } from './pods.js';

/**
 * Which pods back a Service and on which ports, as the endpoints and EndpointSlice controllers of
 * kube-controller-manager work it out (pkg/controller/endpoint, pkg/controller/endpointslice and
 * pkg/api/v1/pod.FindPort).
 */

export interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
  targetPort?: number | string;
  appProtocol?: string;
}

/** A resolved port of one backend: the Service port's name and protocol, the pod's port number. */
export interface BackendPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface Backend {
  pod: KubeObject;
  ip: string;
  ready: boolean;
  terminating: boolean;
  ports: BackendPort[];
}

interface ContainerPort {
  name?: string;
  containerPort?: number;
  protocol?: string;
}

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const SLICE_CONTROLLER = 'endpointslice-controller.k8s.io';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
export const TRIGGER_TIME = 'endpoints.kubernetes.io/last-change-trigger-time';

/** The selector the controllers act on; a Service without one has its endpoints managed by someone else. */
export function serviceSelector(svc: KubeObject): Record<string, string> | undefined {
  const sel = svc.spec?.selector as Record<string, string> | undefined;
  if (!sel || Object.keys(sel).length === 0) return undefined;
  if (svc.spec?.type === 'ExternalName') return undefined;
  return sel;
}

export function selectsPod(selector: Record<string, string>, pod: KubeObject): boolean {
  const labels = pod.metadata.labels ?? {};
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

export function isHeadless(svc: KubeObject): boolean {
  return svc.spec?.clusterIP === 'None';
}

/**
 * pod.FindPort: a numeric targetPort is taken as it is; a named one is the container port of that name
 * and the Service port's protocol, or no port at all for this pod.
 */
export function findPort(pod: KubeObject, sp: ServicePort): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = sp.protocol ?? 'TCP';
  const containers = [...((pod.spec?.containers ?? []) as { ports?: ContainerPort[] }[])];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === protocol && p.containerPort !== undefined)
        return p.containerPort;
    }
  }
  return undefined;
}

/** endpointutil.ShouldPodBeInEndpoints: an IP, not finished for good, and (unless asked) not terminating. */
export function shouldBeInEndpoints(pod: KubeObject, includeTerminating: boolean): boolean {
  if (!pod.status?.podIP) return false;
  if (!includeTerminating && isTerminating(pod)) return false;
  const phase = pod.status?.phase as string | undefined;
  const policy = (pod.spec?.restartPolicy as string | undefined) ?? 'Always';
  if (policy === 'Never') return phase !== 'Failed' && phase !== 'Succeeded';
  if (policy === 'OnFailure') return phase !== 'Succeeded';
  return true;
}

/**
 * Whether a pod change can change any Service's endpoints (the controllers' podEndpointsChanged): most pod
 * updates (restart counts, container states) cannot, and skipping them keeps big clusters cheap.
 */
export function backendChanged(old: KubeObject | undefined, cur: KubeObject): boolean {
  if (!old) return true;
  if (old.metadata.deletionTimestamp !== cur.metadata.deletionTimestamp) return true;
  if (old.status?.podIP !== cur.status?.podIP || old.status?.phase !== cur.status?.phase) return true;
  if (isReady(old) !== isReady(cur)) return true;
  if (old.spec?.nodeName !== cur.spec?.nodeName) return true;
  if (JSON.stringify(old.metadata.labels ?? {}) !== JSON.stringify(cur.metadata.labels ?? {})) return true;
  return old.spec !== cur.spec && JSON.stringify(old.spec?.containers) !== JSON.stringify(cur.spec?.containers);
}

/** The pods a Service selects, with their address, readiness and resolved ports. */
export function serviceBackends(store: Store, svc: KubeObject, includeTerminating: boolean): Backend[] {
  const selector = serviceSelector(svc);
  if (!selector) return [];
  const ports = (svc.spec?.ports ?? []) as ServicePort[];
  const tolerateUnready = svc.spec?.publishNotReadyAddresses === true;
  const out: Backend[] = [];
  for (const pod of store.list('pods', { namespace: svc.metadata.namespace })) {
    if (!selectsPod(selector, pod) || !shouldBeInEndpoints(pod, includeTerminating)) continue;
    const resolved: BackendPort[] = [];
    for (const sp of ports) {
      const port = findPort(pod, sp);
      if (port === undefined) continue;
      resolved.push({
        ...(sp.name ? { name: sp.name } : {}),
        port,
        protocol: sp.protocol ?? 'TCP',
        ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}),
      });
    }
    // A pod none of whose ports resolve backs nothing, unless the Service declares no ports (headless).
    if (ports.length > 0 && resolved.length === 0) continue;
    if (ports.length === 0 && !isHeadless(svc)) continue;
    out.push({
      pod,
      ip: pod.status.podIP as string,
      ready: tolerateUnready || isReady(pod),
      terminating: isTerminating(pod),
      ports: resolved,
    });
  }
  return out;
}

/** The pod's own hostname in the Service's DNS, when it asked for one under this (headless) Service. */
export function backendHostname(svc: KubeObject, pod: KubeObject): string | undefined {
  const hostname = pod.spec?.hostname as string | undefined;
  if (hostname && pod.spec?.subdomain === svc.metadata.name) return hostname;
  return undefined;
}

export function targetRef(pod: KubeObject): Record<string, string> {
  return {
    kind: 'Pod',
    namespace: pod.metadata.namespace ?? 'default',
    name: pod.metadata.name,
    uid: pod.metadata.uid ?? '',
  };
}

/** The latest change among the Service and its pods: endpoints.kubernetes.io/last-change-trigger-time. */
export function triggerTime(svc: KubeObject, backends: Backend[]): string | undefined {
  let latest = svc.metadata.creationTimestamp;
  for (const b of backends) {
    const t = conditionOf(b.pod, 'Ready')?.lastTransitionTime ?? b.pod.metadata.creationTimestamp;
    if (t && (!latest || t > latest)) latest = t;
  }
  return latest;
}

/** Labels the Service hands down to its Endpoints and EndpointSlices. */
export function inheritedLabels(svc: KubeObject): Record<string, string> {
  const labels: Record<string, string> = { ...svc.metadata.labels };
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = '';
  return labels;
}

export function portKey(ports: BackendPort[]): string {
  return ports
    .map((p) => `${p.name ?? ''}/${p.port}/${p.protocol}/${p.appProtocol ?? ''}`)
    .sort()
    .join(',');
}

/** Ports in a stable order: by name, then number. */
export function sortPorts(ports: BackendPort[]): BackendPort[] {
  return [...ports].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port);
}

/** IPv4 addresses compared as numbers, so that 10.0.0.9 comes before 10.0.0.10. */
export function compareIp(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.localeCompare(b);
}
