import { isShellImage } from '../kubelet/image-output.js';
import type { KubeObject } from '../../kube/objects.js';
import { resourceByKind } from '../../kube/resources.js';
import type { SimContext } from '../context.js';
import { createAdmitted } from '../controllers/write.js';
import { StoreError } from '../store/store.js';
import type { TopologyCluster, TopologyWorkload } from './types.js';

/** Annotations the simulated kubelet reads (src/sim/kubelet/container-behaviour.ts). */
export const SIM_ANNOTATIONS = {
  memoryUsage: 'sim.gameday.io/memory-usage',
  /** Where the container writes its logs (informational; the disk drills fill it). */
  logPath: 'sim.gameday.io/log-path',
} as const;

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** The objects a workload shorthand stands for, in creation order (ConfigMaps before the pods that mount them). */
export function expandWorkload(w: TopologyWorkload): { resource: string; object: KubeObject }[] {
  const out: { resource: string; object: KubeObject }[] = [];
  const ns = w.namespace;
  const labels = { app: w.name, ...w.labels };
  const selector = { matchLabels: { app: w.name } };
  for (const cm of w.configMaps ?? []) {
    out.push({
      resource: 'configmaps',
      object: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: cm, namespace: ns, labels: { app: w.name } },
        data: { 'config.yaml': `# ${cm}\n` },
      },
    });
  }
  const container: Record<string, unknown> = { name: w.name, image: w.image ?? 'busybox:1.36' };
  // A platform workload serves until stopped; a shell image without a command would exit at once.
  if (isShellImage(container.image as string)) container.command = ['sleep', 'infinity'];
  if (w.ports?.length) container.ports = w.ports.map((p) => ({ containerPort: p, protocol: 'TCP' }));
  const resources: Record<string, unknown> = {};
  if (w.requests) resources.requests = { ...w.requests };
  if (w.limits) resources.limits = { ...w.limits };
  container.resources = resources;
  const volumes: Record<string, unknown>[] = [];
  const mounts: Record<string, unknown>[] = [];
  if (w.logPath) {
    volumes.push({ name: 'logs', emptyDir: {} });
    mounts.push({ name: 'logs', mountPath: w.logPath });
  }
  for (const cm of w.configMaps ?? []) {
    volumes.push({ name: cm, configMap: { name: cm } });
    mounts.push({ name: cm, mountPath: `/etc/${cm}`, readOnly: true });
  }
  if (mounts.length) container.volumeMounts = mounts;
  if (w.probes) {
    const port = w.ports?.[0];
    const handler = port ? { tcpSocket: { port } } : { exec: { command: ['cat', '/tmp/healthy'] } };
    container.readinessProbe = { ...handler, initialDelaySeconds: 5, periodSeconds: 10 };
    container.livenessProbe = { ...handler, initialDelaySeconds: 30, periodSeconds: 10, failureThreshold: 3 };
  }
  const annotations: Record<string, string> = {};
  if (w.memoryUsage) annotations[SIM_ANNOTATIONS.memoryUsage] = w.memoryUsage;
  if (w.logPath) annotations[SIM_ANNOTATIONS.logPath] = w.logPath;
  const podSpec: Record<string, unknown> = { containers: [container] };
  if (volumes.length) podSpec.volumes = volumes;
  if (w.hostNetwork) podSpec.hostNetwork = true;
  if (w.nodeSelector) podSpec.nodeSelector = { ...w.nodeSelector };
  if (w.tolerations) podSpec.tolerations = structuredClone(w.tolerations);
  if (w.affinity) podSpec.affinity = structuredClone(w.affinity);
  const template = {
    metadata: Object.keys(annotations).length ? { labels, annotations } : { labels },
    spec: podSpec,
  };
  const apiVersion = 'apps/v1';
  const metadata = { name: w.name, namespace: ns, labels };
  if (w.kind === 'Deployment') {
    out.push({
      resource: 'deployments',
      object: { apiVersion, kind: 'Deployment', metadata, spec: { replicas: w.replicas ?? 1, selector, template } },
    });
  } else if (w.kind === 'StatefulSet') {
    out.push({
      resource: 'statefulsets',
      object: {
        apiVersion,
        kind: 'StatefulSet',
        metadata,
        spec: { replicas: w.replicas ?? 1, serviceName: w.name, selector, template },
      },
    });
  } else {
    out.push({
      resource: 'daemonsets',
      object: { apiVersion, kind: 'DaemonSet', metadata, spec: { selector, template } },
    });
  }
  if (w.service || w.kind === 'StatefulSet') {
    // A StatefulSet needs its governing Service; without a declared port it is headless.
    const ports = w.service
      ? [{ name: `tcp-${w.service.port}`, port: w.service.port, targetPort: w.service.targetPort ?? w.service.port }]
      : (w.ports ?? []).map((p) => ({ name: `tcp-${p}`, port: p, targetPort: p }));
    const spec: Record<string, unknown> = { selector: { app: w.name }, ports };
    if (!w.service) spec.clusterIP = 'None';
    out.push({
      resource: 'services',
      object: {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: w.name, namespace: ns, labels: { app: w.name } },
        spec,
      },
    });
  }
  if (w.pdb) {
    out.push({
      resource: 'poddisruptionbudgets',
      object: {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: w.name, namespace: ns, labels: { app: w.name } },
        spec: { ...w.pdb, selector },
      },
    });
  }
  return out;
}

/**
 * Creates a cluster's namespaces, workloads (expanded into Deployments, StatefulSets, DaemonSets, Services,
 * PodDisruptionBudgets and ConfigMaps, through admission as a client's objects would be) and extra manifests.
 * Objects that already exist are left alone, so seeding twice is harmless. Nodes are registered by the hosts.
 */
export function seedWorkloads(ctx: SimContext, cluster: TopologyCluster): void {
  const objects: { resource: string; object: KubeObject }[] = [];
  for (const w of cluster.workloads ?? []) objects.push(...expandWorkload(w));
  for (const m of cluster.manifests ?? []) {
    const obj = structuredClone(m) as unknown as KubeObject;
    const type = resourceByKind(String(obj.kind));
    if (!type)
      throw new StoreError(
        'Invalid',
        `no resource of kind "${String(obj.kind)}" in the simulator (manifest "${obj.metadata?.name}")`,
      );
    if (type.namespaced) obj.metadata.namespace ??= 'default';
    objects.push({ resource: type.plural, object: obj });
  }
  const namespaces = new Set(SYSTEM_NAMESPACES);
  for (const o of objects) if (o.object.metadata.namespace) namespaces.add(o.object.metadata.namespace);
  for (const ns of namespaces)
    create(ctx, 'namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  create(ctx, 'services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { ports: [{ name: 'https', port: 443, targetPort: 6443 }] },
  });
  for (const o of objects) create(ctx, o.resource, o.object);
}

function create(ctx: SimContext, resource: string, obj: KubeObject): void {
  if (ctx.store.get(resource, obj.metadata.namespace, obj.metadata.name)) return;
  try {
    createAdmitted(ctx, resource, obj);
  } catch (err) {
    if (err instanceof StoreError && err.reason === 'AlreadyExists') return;
    throw err;
  }
}
