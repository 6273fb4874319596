import { stringify } from 'yaml';
import { InvalidInputError } from '../errors.js';
import type { LoadedExperiment } from '../experiment/types.js';
import type { TargetKind } from '../targets/target.js';
import { validateCron } from './cron.js';
import { derivePolicy, type DerivedPolicy, type PolicyRule, type UnknownType } from './rbac.js';

/**
 * The manifests that run drills in-cluster on a schedule: Kubernetes is the scheduler, the retry policy
 * and the fleet-wide rollout; gameday is one container in a CronJob.
 */

export type ResultsStore = 'pvc' | 'configmap';

export interface ScheduleOptions {
  /** Five-field cron schedule or a macro (@daily). */
  cron: string;
  /** IANA time zone for the schedule (CronJob spec.timeZone); the controller's zone when absent. */
  timeZone?: string;
  namespace: string;
  image: string;
  target: TargetKind;
  results: ResultsStore;
  /** Name of the CronJob and prefix of everything else. Default "gameday". */
  name?: string;
  /** Size of the results PersistentVolumeClaim. Default 1Gi. */
  storage?: string;
  storageClass?: string;
  /** Passed to `gameday run --pushgateway`. */
  pushgateway?: string;
  /** This cluster's name among the fleet: the Pushgateway `instance` (`gameday run --instance`). */
  cluster?: string;
  /** A lab profile (its text), shipped in the ConfigMap for --target lab. */
  labProfile?: { file: string; text: string };
  /** A Secret with ssh keys and etcd certificates the lab profile refers to, mounted read-only. */
  secret?: string;
  /** Fail the Job when a drill's recovery got slower than its history (`gameday run --baseline`). Default true with pvc. */
  gate?: boolean;
  /** How long one scheduled run may take before Kubernetes stops it. Default 2h. */
  activeDeadlineSeconds?: number;
  /** Run experiments at this seed. Default: the run command's default. */
  seed?: number;
  /** Extra labels on every object. */
  labels?: Record<string, string>;
}

export interface ScheduleManifests {
  docs: Record<string, unknown>[];
  /** Types without an RBAC row (given read-only access); say so to the user. */
  unknownTypes: UnknownType[];
  notes: string[];
}

export const EXPERIMENTS_MOUNT = '/experiments';
export const RESULTS_MOUNT = '/results';
export const SECRETS_MOUNT = '/etc/gameday/secrets';
/** On the results volume but hidden from the history listing, so a killed run can still be rolled back by the next. */
export const JOURNAL_DIR = `${RESULTS_MOUNT}/.journal`;
/** The ConfigMap's data may total 1 MiB; the apiserver refuses more. */
const CONFIGMAP_LIMIT = 1024 * 1024;
/** Matches the Dockerfile: the image's "node" user. Numeric, so that runAsNonRoot can be verified. */
export const RUN_AS_USER = 1000;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function configMapKey(text: string): string {
  return text.replace(/[^-._a-zA-Z0-9]/g, '_');
}

export function buildManifests(experiments: readonly LoadedExperiment[], o: ScheduleOptions): ScheduleManifests {
  const schedule = validateCron(o.cron);
  const name = o.name ?? 'gameday';
  if (!DNS_LABEL.test(o.namespace) || o.namespace.length > 63) {
    throw new InvalidInputError(
      `--namespace ${JSON.stringify(o.namespace)}: a namespace is lower-case letters, digits and "-", at most 63 characters.`,
    );
  }
  if (!DNS_LABEL.test(name) || name.length > 52) {
    throw new InvalidInputError(
      `--name ${JSON.stringify(name)}: lower-case letters, digits and "-", at most 52 characters (Kubernetes appends 11 to each Job's name).`,
    );
  }
  if (o.image.trim() === '' || /\s/.test(o.image))
    throw new InvalidInputError(`--image ${JSON.stringify(o.image)} is not an image reference.`);
  if (experiments.length === 0) throw new InvalidInputError('No experiments to schedule.');
  if (o.timeZone !== undefined && !/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$|^UTC$/.test(o.timeZone)) {
    throw new InvalidInputError(
      `--time-zone ${JSON.stringify(o.timeZone)}: expected an IANA zone such as "Europe/Berlin" or "UTC".`,
    );
  }
  const gate = o.gate ?? o.results === 'pvc';
  if (gate && o.results !== 'pvc') {
    throw new InvalidInputError(
      '--gate compares each run with the earlier ones, which live only on the results volume: use --results pvc.',
    );
  }

  const labels = {
    'app.kubernetes.io/name': 'gameday',
    'app.kubernetes.io/instance': name,
    'app.kubernetes.io/managed-by': 'gameday-schedule',
    ...o.labels,
  };
  const meta = (objName: string, namespaced = true): Record<string, unknown> => ({
    name: objName,
    ...(namespaced ? { namespace: o.namespace } : {}),
    labels,
  });
  // Cluster-scoped names must be unique across namespaces: one schedule per namespace.
  const clusterName = `${name}-${o.namespace}`;

  // The experiments, keyed by id (unique: the loader refuses duplicates), with their topology files.
  const data: Record<string, string> = {};
  const files: string[] = [];
  for (const l of experiments) {
    const exp = { ...l.experiment };
    if (exp.topology && o.target === 'sim') {
      throw new InvalidInputError(
        `${l.file}: names a topology file (${exp.topology}), which the ConfigMap does not carry; schedule it without "topology" (the default platform) or with --target lab.`,
      );
    }
    const key = configMapKey(`${exp.id}.json`);
    if (data[key] !== undefined)
      throw new InvalidInputError(`Two experiments map to the ConfigMap key ${key}; give them distinct ids.`);
    data[key] = `${JSON.stringify(exp, null, 2)}\n`;
    files.push(`${EXPERIMENTS_MOUNT}/${key}`);
  }
  const profileKey = '_lab-profile.json';
  if (o.labProfile) data[profileKey] = o.labProfile.text;
  const size = Object.entries(data).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (size > CONFIGMAP_LIMIT) {
    throw new InvalidInputError(
      `The experiments take ${size} bytes; a ConfigMap holds at most ${CONFIGMAP_LIMIT}. Schedule them in several groups (--name).`,
    );
  }

  const notes: string[] = [];
  // Only the lab target acts on the cluster the Job runs in; sim runs in the pod, kind drives Docker.
  const inCluster = o.target === 'lab';
  const policy: DerivedPolicy = inCluster
    ? derivePolicy(experiments.map((l) => l.experiment))
    : { rules: [], namespaced: {}, ownNamespaces: [], unknown: [] };
  if (!inCluster) {
    notes.push(
      o.target === 'sim'
        ? 'target sim: the drills run on the simulator inside the pod; the ServiceAccount gets no API access and no token.'
        : 'target kind: the pod needs a Docker engine (DOCKER_HOST) and kind; these manifests provide neither, and give no API access to this cluster.',
    );
  }
  if (o.target === 'lab' && !o.labProfile)
    notes.push(
      'target lab without --profile: `gameday run --target lab` will need a lab profile to reach the nodes over ssh.',
    );

  const runArgs = [
    'run',
    ...files,
    '--target',
    o.target,
    '--journal-dir',
    o.results === 'pvc' ? JOURNAL_DIR : '/work/journal',
  ];
  runArgs.push('--results-dir', RESULTS_MOUNT);
  if (o.results === 'configmap') runArgs.push('--results-configmap', `${o.namespace}/${name}-results`);
  if (gate) runArgs.push('--baseline', RESULTS_MOUNT);
  runArgs.push('--metrics', `${RESULTS_MOUNT}/metrics.prom`);
  if (o.pushgateway) runArgs.push('--pushgateway', o.pushgateway, '--instance', o.cluster ?? o.namespace);
  if (o.labProfile) runArgs.push('--profile', `${EXPERIMENTS_MOUNT}/${profileKey}`);
  // Scheduled runs answer no questions: nobody is at the terminal.
  if (o.target === 'lab') runArgs.push('--yes');
  if (o.seed !== undefined) runArgs.push('--seed', String(o.seed));

  const volumes: Record<string, unknown>[] = [
    { name: 'experiments', configMap: { name: `${name}-experiments` } },
    o.results === 'pvc'
      ? { name: 'results', persistentVolumeClaim: { claimName: `${name}-results` } }
      : { name: 'results', emptyDir: { sizeLimit: '256Mi' } },
    { name: 'work', emptyDir: { sizeLimit: '256Mi' } },
  ];
  const mounts: Record<string, unknown>[] = [
    { name: 'experiments', mountPath: EXPERIMENTS_MOUNT, readOnly: true },
    { name: 'results', mountPath: RESULTS_MOUNT },
    // The root filesystem is read-only; node and the simulator write temporary files here.
    { name: 'work', mountPath: '/work' },
  ];
  if (o.secret) {
    volumes.push({ name: 'secrets', secret: { secretName: o.secret, defaultMode: 0o400 } });
    mounts.push({ name: 'secrets', mountPath: SECRETS_MOUNT, readOnly: true });
  }

  const docs: Record<string, unknown>[] = [];
  docs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: o.namespace, labels } });
  docs.push({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: meta(name),
    automountServiceAccountToken: inCluster || o.results === 'configmap',
  });
  if (inCluster && policy.rules.length > 0) {
    docs.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: meta(clusterName, false),
      rules: policy.rules,
    });
    docs.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta(clusterName, false),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterName },
      subjects: [{ kind: 'ServiceAccount', name, namespace: o.namespace }],
    });
  }
  // Namespaces plugins create for their own objects (ballast pods, probe ConfigMaps): created here so that
  // their Roles apply; the plugins find them and leave them be.
  for (const ns of policy.ownNamespaces) {
    if (ns !== o.namespace) docs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels } });
  }
  for (const [ns, rules] of Object.entries(policy.namespaced)) {
    const roleMeta = { name: clusterName, namespace: ns, labels };
    docs.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: roleMeta, rules });
    docs.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: roleMeta,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: clusterName },
      subjects: [{ kind: 'ServiceAccount', name, namespace: o.namespace }],
    });
  }
  // kube-system (the drill's Lease) exists in every cluster.
  const foreign = Object.keys(policy.namespaced).filter(
    (ns) => ns !== o.namespace && ns !== 'kube-system' && !policy.ownNamespaces.includes(ns),
  );
  if (foreign.length > 0)
    notes.push(
      `the Roles for ${foreign.join(', ')} need ${foreign.length === 1 ? 'that namespace' : 'those namespaces'} to exist before kubectl apply (the drills act on them).`,
    );
  if (o.results === 'configmap') {
    // The results ConfigMap exists beforehand, so the Job needs only get and update on that one object.
    const rules: PolicyRule[] = [
      { apiGroups: [''], resources: ['configmaps'], resourceNames: [`${name}-results`], verbs: ['get', 'update'] },
    ];
    docs.push({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(`${name}-results`), rules });
    docs.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(`${name}-results`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${name}-results` },
      subjects: [{ kind: 'ServiceAccount', name, namespace: o.namespace }],
    });
  }
  docs.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`${name}-experiments`), data });
  if (o.results === 'pvc') {
    docs.push({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: meta(`${name}-results`),
      spec: {
        accessModes: ['ReadWriteOnce'],
        resources: { requests: { storage: o.storage ?? '1Gi' } },
        ...(o.storageClass ? { storageClassName: o.storageClass } : {}),
      },
    });
  } else {
    docs.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`${name}-results`), data: {} });
  }
  docs.push({
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: meta(name),
    spec: {
      schedule,
      ...(o.timeZone ? { timeZone: o.timeZone } : {}),
      // Two drills at once on one cluster would measure each other's faults.
      concurrencyPolicy: 'Forbid',
      // A run missed by more than 10 minutes (controller down, cluster busy) is skipped, not run late.
      startingDeadlineSeconds: 600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 5,
      jobTemplate: {
        metadata: { labels },
        spec: {
          // A drill is not retried: a second run would start from the first one's leftovers.
          backoffLimit: 0,
          activeDeadlineSeconds: o.activeDeadlineSeconds ?? 7200,
          ttlSecondsAfterFinished: 7 * 24 * 3600,
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: name,
              automountServiceAccountToken: inCluster || o.results === 'configmap',
              restartPolicy: 'Never',
              securityContext: {
                runAsNonRoot: true,
                runAsUser: RUN_AS_USER,
                runAsGroup: RUN_AS_USER,
                fsGroup: RUN_AS_USER,
                seccompProfile: { type: 'RuntimeDefault' },
              },
              containers: [
                {
                  name: 'gameday',
                  image: o.image,
                  imagePullPolicy: 'IfNotPresent',
                  args: runArgs,
                  workingDir: '/work',
                  env: [
                    { name: 'TMPDIR', value: '/work' },
                    { name: 'HOME', value: '/work' },
                  ],
                  resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
                  securityContext: {
                    runAsNonRoot: true,
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ['ALL'] },
                  },
                  volumeMounts: mounts,
                },
              ],
              volumes,
            },
          },
        },
      },
    },
  });
  return { docs, unknownTypes: policy.unknown, notes };
}

/** Multi-document YAML, one object per document, in apply order (Namespace first). */
export function renderManifests(docs: readonly Record<string, unknown>[]): string {
  return docs.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}
