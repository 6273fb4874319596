import { randomUUID } from 'node:crypto';
import { defaultCronJob, defaultJob } from './batch-defaults.js';
import type { KubeObject } from '../../kube/objects.js';
import { RESOURCES, type ResourceType } from '../../kube/resources.js';
import { DEFAULT_PARAMS } from '../params.js';
import { copyJson, StoreError, type Store } from '../store/store.js';
import {
  admitNewPod,
  defaultDaemonSet,
  defaultDeployment,
  defaultPodSpec,
  defaultReplicaSet,
  defaultService,
  defaultStatefulSet,
} from './defaults.js';
import {
  validate1035,
  validateLabel,
  validateMetadata,
  validatePdb,
  validatePodSpec,
  validateSubdomain,
  validateWorkload,
  type FieldError,
} from './validation.js';
import { validateServiceSpec } from './service-rules.js';
import { validateUpdate } from './update-rules.js';

export { qosClass } from './defaults.js';
export type { FieldError } from './validation.js';

export interface AdmitOptions {
  /** Lets admission look at other objects (Service cluster IPs already taken). */
  store?: Store | undefined;
  /** DefaultTolerationSeconds; Kubernetes' 300 unless a topology overrides it. */
  defaultTolerationSeconds?: number | undefined;
}

/**
 * What kube-apiserver does to an object between decoding and storage: defaulting, the mutating admission
 * plugins of a default cluster, and validation. Returns the object to store (a copy); throws
 * StoreError('Invalid') with Kubernetes' wording and causes when validation fails (HTTP 422).
 * `old` is the stored object on update (undefined on create).
 */
export function admit(resource: string, obj: KubeObject, old?: KubeObject, options: AdmitOptions = {}): KubeObject {
  const out = copyJson(obj) as KubeObject & Record<string, any>;
  const type = (RESOURCES as Record<string, ResourceType>)[resource];
  if (type) {
    out.apiVersion ??= type.group ? `${type.group}/${type.version}` : type.version;
    out.kind ??= type.kind;
  }
  out.metadata ??= { name: '' };
  const spec = (out.spec ??= resource === 'pods' || isWorkload(resource) || resource === 'services' ? {} : out.spec);
  switch (resource) {
    case 'pods':
      defaultPodSpec(spec);
      if (!old) admitNewPod(out, options.defaultTolerationSeconds ?? DEFAULT_PARAMS.defaultTolerationSeconds);
      break;
    case 'deployments':
      defaultDeployment(spec);
      break;
    case 'replicasets':
      defaultReplicaSet(spec);
      break;
    case 'statefulsets':
      defaultStatefulSet(spec);
      break;
    case 'daemonsets':
      defaultDaemonSet(spec);
      break;
    case 'services':
      defaultService(spec);
      if (old?.spec?.clusterIP && spec.clusterIP === undefined) spec.clusterIP = old.spec.clusterIP;
      if (old?.spec?.clusterIPs && spec.clusterIPs === undefined && spec.clusterIP === old.spec.clusterIP)
        spec.clusterIPs = old.spec.clusterIPs;
      // A changed clusterIP with the old clusterIPs: the registry takes clusterIP as the primary (and then
      // refuses the change).
      if (
        old?.spec?.clusterIPs &&
        spec.clusterIP !== old.spec.clusterIP &&
        JSON.stringify(spec.clusterIPs) === JSON.stringify(old.spec.clusterIPs)
      )
        spec.clusterIPs = [spec.clusterIP, ...(old.spec.clusterIPs as string[]).slice(1)];
      if (spec.type !== 'ExternalName' && spec.clusterIP === undefined)
        spec.clusterIP = allocateClusterIP(out, options.store);
      if (spec.clusterIP && spec.clusterIP !== 'None') spec.clusterIPs ??= [spec.clusterIP];
      if (spec.clusterIP === 'None') spec.clusterIPs ??= ['None'];
      spec.ipFamilies ??= ['IPv4'];
      spec.ipFamilyPolicy ??= 'SingleStack';
      break;
    case 'namespaces':
      out.spec ??= {};
      out.spec.finalizers ??= ['kubernetes'];
      out.status ??= { phase: 'Active' };
      out.metadata.labels = { ...out.metadata.labels, 'kubernetes.io/metadata.name': out.metadata.name };
      break;
    case 'jobs':
      defaultJob(out, !old, () => options.store?.newUid() ?? randomUUID());
      break;
    case 'cronjobs':
      defaultCronJob(out);
      break;
    case 'secrets':
      out.type ??= 'Opaque';
      break;
    default:
      break;
  }
  if (out.spec === undefined) delete out.spec;
  const errors = [...validateObject(resource, out), ...(old ? validateUpdate(resource, out, old) : [])];
  if (errors.length > 0) throw invalidError(out, type, errors);
  return out;
}

function isWorkload(resource: string): boolean {
  return (
    resource === 'deployments' || resource === 'replicasets' || resource === 'statefulsets' || resource === 'daemonsets'
  );
}

function validateObject(resource: string, obj: KubeObject): FieldError[] {
  const type = (RESOURCES as Record<string, ResourceType>)[resource];
  const namespaced = type?.namespaced ?? true;
  switch (resource) {
    case 'pods':
      return [...validateMetadata(obj, validateSubdomain, namespaced), ...validatePodSpec(obj.spec, 'spec')];
    case 'deployments':
    case 'replicasets':
    case 'statefulsets':
    case 'daemonsets':
      return [...validateMetadata(obj, validateSubdomain, namespaced), ...validateWorkload(obj)];
    case 'services':
      return [...validateMetadata(obj, validate1035, namespaced), ...validateServiceSpec(obj)];
    case 'namespaces':
      return validateMetadata(obj, validateLabel, false);
    case 'poddisruptionbudgets':
      return [...validateMetadata(obj, validateSubdomain, namespaced), ...validatePdb(obj)];
    case 'events':
      return [];
    default:
      return validateMetadata(obj, validateSubdomain, namespaced);
  }
}

/** `Deployment.apps "x" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0` */
export function invalidError(obj: KubeObject, type: ResourceType | undefined, errors: FieldError[]): StoreError {
  const kind = type ? (type.group ? `${type.kind}.${type.group}` : type.kind) : (obj.kind ?? 'Object');
  const parts = [...new Set(errors.map((e) => `${e.field}: ${e.message}`))];
  const detail = parts.length === 1 ? parts[0]! : `[${parts.join(', ')}]`;
  const name = obj.metadata.name || obj.metadata.generateName || '';
  return new StoreError(
    'Invalid',
    `${kind} "${name}" is invalid: ${detail}`,
    errors.map((e) => ({ field: e.field, message: e.message, reason: e.reason })),
  );
}

/** A free address of the default service CIDR 10.96.0.0/12, stable for a given name (first tries). */
function allocateClusterIP(svc: KubeObject, store: Store | undefined): string {
  if (svc.metadata.namespace === 'default' && svc.metadata.name === 'kubernetes') return '10.96.0.1';
  const taken = new Set<string>();
  for (const s of store?.list('services') ?? []) if (s.spec?.clusterIP) taken.add(String(s.spec.clusterIP));
  let h = 2166136261;
  for (const ch of `${svc.metadata.namespace ?? ''}/${svc.metadata.name}`)
    h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  const size = 1 << 20;
  for (let i = 0; i < 4096; i++) {
    const n = ((h + i) % (size - 12)) + 10;
    const ip = `10.${96 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
    if (!taken.has(ip)) return ip;
  }
  throw new StoreError('Invalid', 'failed to allocate a serviceIP: range is full');
}
