import type { Toleration } from '../../kube/objects.js';
import { tryParseQuantity } from '../controllers/quantity.js';

/**
 * The defaults kube-apiserver applies to decoded objects (pkg/apis/<group>/v1/defaults.go) and to pods on
 * creation (registry PrepareForCreate, the DefaultTolerationSeconds and Priority admission plugins).
 * Everything here mutates its argument.
 */

function setIfAbsent(o: Record<string, any>, key: string, value: unknown): void {
  if (o[key] === undefined) o[key] = value;
}

function defaultProbe(p: Record<string, any> | undefined): void {
  if (!p) return;
  setIfAbsent(p, 'timeoutSeconds', 1);
  setIfAbsent(p, 'periodSeconds', 10);
  setIfAbsent(p, 'successThreshold', 1);
  setIfAbsent(p, 'failureThreshold', 3);
  if (p.httpGet) setIfAbsent(p.httpGet, 'scheme', 'HTTP');
  if (p.httpGet) setIfAbsent(p.httpGet, 'path', '/');
}

function defaultContainer(c: Record<string, any>): void {
  setIfAbsent(c, 'terminationMessagePath', '/dev/termination-log');
  setIfAbsent(c, 'terminationMessagePolicy', 'File');
  if (c.imagePullPolicy === undefined && typeof c.image === 'string') {
    const lastPart = c.image.split('/').pop() ?? '';
    const tagged = lastPart.includes(':') && !lastPart.endsWith(':latest');
    c.imagePullPolicy = tagged || c.image.includes('@') ? 'IfNotPresent' : 'Always';
  }
  c.resources ??= {};
  // A container with limits and no requests gets requests equal to its limits (SetDefaults_Pod).
  if (c.resources.limits) {
    c.resources.requests ??= {};
    for (const [k, v] of Object.entries(c.resources.limits)) setIfAbsent(c.resources.requests, k, v);
  }
  for (const p of c.ports ?? []) setIfAbsent(p, 'protocol', 'TCP');
  defaultProbe(c.livenessProbe);
  defaultProbe(c.readinessProbe);
  defaultProbe(c.startupProbe);
}

export function defaultPodSpec(spec: Record<string, any>): void {
  setIfAbsent(spec, 'restartPolicy', 'Always');
  setIfAbsent(spec, 'terminationGracePeriodSeconds', 30);
  setIfAbsent(spec, 'dnsPolicy', 'ClusterFirst');
  setIfAbsent(spec, 'securityContext', {});
  setIfAbsent(spec, 'schedulerName', 'default-scheduler');
  setIfAbsent(spec, 'enableServiceLinks', true);
  if (spec.serviceAccountName === undefined && spec.serviceAccount !== undefined)
    spec.serviceAccountName = spec.serviceAccount;
  for (const c of spec.containers ?? []) defaultContainer(c);
  for (const c of spec.initContainers ?? []) defaultContainer(c);
  for (const v of spec.volumes ?? []) {
    if (v.configMap) setIfAbsent(v.configMap, 'defaultMode', 420);
    if (v.secret) setIfAbsent(v.secret, 'defaultMode', 420);
  }
}

/** What happens only when a pod is created: admission plugins and the pod registry. */
export function admitNewPod(pod: Record<string, any>, defaultTolerationSeconds: number): void {
  const spec = pod.spec as Record<string, any>;
  setIfAbsent(spec, 'serviceAccountName', 'default');
  setIfAbsent(spec, 'serviceAccount', spec.serviceAccountName);
  // Priority admission
  setIfAbsent(spec, 'priority', 0);
  setIfAbsent(spec, 'preemptionPolicy', 'PreemptLowerPriority');
  // DefaultTolerationSeconds admission: only when the pod has no toleration for the taint (any effect).
  const tolerations = (spec.tolerations ?? []) as Toleration[];
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    const has = tolerations.some(
      (t) =>
        (t.effect === 'NoExecute' || t.effect === undefined) &&
        (t.key === key || (t.key === undefined && t.operator === 'Exists')),
    );
    if (!has)
      tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: defaultTolerationSeconds });
  }
  spec.tolerations = tolerations;
  pod.status = { phase: 'Pending', qosClass: qosClass(spec) };
}

/** Guaranteed, Burstable or BestEffort (pkg/apis/core/v1/helper/qos). */
export function qosClass(spec: Record<string, any>): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...(spec.containers ?? []), ...(spec.initContainers ?? [])] as Record<string, any>[];
  let anySet = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = (c.resources?.requests ?? {}) as Record<string, string | number | undefined>;
    const lim = (c.resources?.limits ?? {}) as Record<string, string | number | undefined>;
    for (const r of ['cpu', 'memory']) {
      if (req[r] !== undefined || lim[r] !== undefined) anySet = true;
      // Quantities compare by value: 1Gi requests and 1024Mi limits are Guaranteed.
      if (lim[r] === undefined || (req[r] !== undefined && tryParseQuantity(req[r]) !== tryParseQuantity(lim[r])))
        guaranteed = false;
    }
  }
  if (!anySet) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

function defaultTemplate(spec: Record<string, any>): void {
  spec.template ??= {};
  spec.template.metadata ??= {};
  spec.template.spec ??= {};
  defaultPodSpec(spec.template.spec);
}

export function defaultDeployment(spec: Record<string, any>): void {
  setIfAbsent(spec, 'replicas', 1);
  spec.strategy ??= { type: 'RollingUpdate' };
  spec.strategy.type ??= 'RollingUpdate';
  if (spec.strategy.type === 'RollingUpdate') {
    spec.strategy.rollingUpdate ??= {};
    setIfAbsent(spec.strategy.rollingUpdate, 'maxUnavailable', '25%');
    setIfAbsent(spec.strategy.rollingUpdate, 'maxSurge', '25%');
  }
  setIfAbsent(spec, 'revisionHistoryLimit', 10);
  setIfAbsent(spec, 'progressDeadlineSeconds', 600);
  defaultTemplate(spec);
}

export function defaultReplicaSet(spec: Record<string, any>): void {
  setIfAbsent(spec, 'replicas', 1);
  defaultTemplate(spec);
}

export function defaultStatefulSet(spec: Record<string, any>): void {
  setIfAbsent(spec, 'replicas', 1);
  setIfAbsent(spec, 'podManagementPolicy', 'OrderedReady');
  spec.updateStrategy ??= { type: 'RollingUpdate' };
  spec.updateStrategy.type ??= 'RollingUpdate';
  if (spec.updateStrategy.type === 'RollingUpdate') {
    spec.updateStrategy.rollingUpdate ??= {};
    setIfAbsent(spec.updateStrategy.rollingUpdate, 'partition', 0);
  }
  setIfAbsent(spec, 'revisionHistoryLimit', 10);
  setIfAbsent(spec, 'persistentVolumeClaimRetentionPolicy', { whenDeleted: 'Retain', whenScaled: 'Retain' });
  defaultTemplate(spec);
}

export function defaultDaemonSet(spec: Record<string, any>): void {
  spec.updateStrategy ??= { type: 'RollingUpdate' };
  spec.updateStrategy.type ??= 'RollingUpdate';
  if (spec.updateStrategy.type === 'RollingUpdate') {
    spec.updateStrategy.rollingUpdate ??= {};
    setIfAbsent(spec.updateStrategy.rollingUpdate, 'maxUnavailable', 1);
    setIfAbsent(spec.updateStrategy.rollingUpdate, 'maxSurge', 0);
  }
  setIfAbsent(spec, 'revisionHistoryLimit', 10);
  defaultTemplate(spec);
}

export function defaultService(spec: Record<string, any>): void {
  setIfAbsent(spec, 'type', 'ClusterIP');
  setIfAbsent(spec, 'sessionAffinity', 'None');
  setIfAbsent(spec, 'internalTrafficPolicy', 'Cluster');
  for (const p of spec.ports ?? []) {
    setIfAbsent(p, 'protocol', 'TCP');
    setIfAbsent(p, 'targetPort', p.port);
  }
}
