import { stringify } from 'yaml';
import { InvalidInputError, errorMessage } from '../errors.js';
import { defaultRegistries } from '../experiment/registries.js';
import type { Registries } from '../experiment/schema.js';
import type { LoadedExperiment } from '../experiment/types.js';
import { splitCommandLine } from '../targets/common/shell.js';
import { checkLabProfile, type LabProfile } from '../targets/lab/profile.js';
import type { TargetKind } from '../targets/target.js';
import { validateCron } from './cron.js';
import { derivePolicy, type DerivedPolicy, type PolicyRule, type UnknownType } from './rbac.js';
import { IMAGE_TOOLS } from './image-tools.js';
import { unsupportedReason } from './support.js';

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
  /** The experiments the job runs: the ones given, less those its target cannot run. */
  scheduled: LoadedExperiment[];
  /** Types without an RBAC row (given read-only access); say so to the user. */
  unknownTypes: UnknownType[];
  notes: string[];
}

export const EXPERIMENTS_MOUNT = '/experiments';
export const RESULTS_MOUNT = '/results';
export const SECRETS_MOUNT = '/etc/gameday/secrets';
/** On the results volume but hidden from the history listing, so a killed run can still be rolled back by the next. */
export const JOURNAL_DIR = `${RESULTS_MOUNT}/.journal`;
/** The lab clusters' identities recorded at first use, kept across runs like the journal. */
export const KNOWN_CLUSTERS = `${RESULTS_MOUNT}/.known-clusters.json`;
/** The ConfigMap's data may total 1 MiB; the apiserver refuses more. */
const CONFIGMAP_LIMIT = 1024 * 1024;
/** Matches the Dockerfile: the image's "node" user. Numeric, so that runAsNonRoot can be verified. */
export const RUN_AS_USER = 1000;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function configMapKey(text: string): string {
  return text.replace(/[^-._a-zA-Z0-9]/g, '_');
}

/** A zone the CronJob controller can load: Kubernetes refuses an unknown one only when it is applied. */
function checkTimeZone(zone: string): void {
  if (zone === 'Local' || !/^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/.test(zone))
    throw new InvalidInputError(
      `--time-zone ${JSON.stringify(zone)}: expected an IANA zone such as "Europe/Berlin" or "UTC".`,
    );
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new InvalidInputError(
      `--time-zone ${JSON.stringify(zone)} is not a time zone of the IANA database (e.g. "Europe/Berlin", "Asia/Shanghai", "UTC").`,
    );
  }
}

/** The lab profile the job will use, checked now: a broken one would fail every scheduled run. */
function labProfileOf(o: ScheduleOptions, notes: string[]): LabProfile {
  if (!o.labProfile) {
    throw new InvalidInputError(
      '--target lab needs --profile <lab-profile.json>: the job reaches the nodes over ssh as the profile says, and the profile names the cluster it runs in ("inCluster": true).',
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(o.labProfile.text);
  } catch (err) {
    throw new InvalidInputError(`--profile ${o.labProfile.file}: not valid JSON: ${errorMessage(err)}`);
  }
  const profile = checkLabProfile(data, o.labProfile.file);
  const reachable = profile.clusters.filter(
    (c) => c.inCluster === true || (c.kubeconfig !== undefined && c.kubeconfig.startsWith(`${SECRETS_MOUNT}/`)),
  );
  if (reachable.length === 0) {
    throw new InvalidInputError(
      `--profile ${o.labProfile.file}: the job's pod has no kubeconfig for any of its clusters: mark the cluster the job runs in with "inCluster": true (it then uses the pod's service account), or ship a kubeconfig in --secret and name it as "kubeconfig": "${SECRETS_MOUNT}/<file>".`,
    );
  }
  // A template run on the machine running gameday runs in the pod: the image must have its program.
  const local = [profile.commands, ...profile.clusters.map((c) => c.commands)].flatMap((commands) =>
    Object.entries(commands ?? {}).flatMap(([name, t]) =>
      typeof t === 'object' && t !== null && 'local' in t ? [[name, t.local]] : [],
    ),
  );
  for (const [name, line] of local) {
    const program = (splitCommandLine(line ?? '')[0] ?? '').split('/').pop() ?? '';
    if (!Object.hasOwn(IMAGE_TOOLS, program))
      notes.push(
        `the lab profile's "${name}" command runs \`${program}\` in the job's pod, and the gameday image does not carry it (it has ${Object.keys(IMAGE_TOOLS).join(', ')}): build an image FROM it that adds ${program}, and pass that with --image.`,
      );
  }
  return profile;
}

export function buildManifests(
  given: readonly LoadedExperiment[],
  o: ScheduleOptions,
  registries: Registries = defaultRegistries,
): ScheduleManifests {
  const schedule = validateCron(o.cron);
  if (o.target === 'kind') {
    throw new InvalidInputError(
      '--target kind cannot run in a CronJob: it drives a kind cluster through the Docker engine of the machine running kind, which a pod in a cluster does not have. Schedule with --target lab (the cluster the job runs in) or --target sim.',
    );
  }
  const notes: string[] = [];
  const profile = o.target === 'lab' ? labProfileOf(o, notes) : undefined;
  const experiments: LoadedExperiment[] = [];
  for (const l of given) {
    const why = unsupportedReason(l, o.target, registries, profile);
    if (why) notes.push(`leaving out ${l.experiment.id} (${l.file}): ${why}.`);
    else experiments.push(l);
  }
  if (given.length > 0 && experiments.length === 0)
    throw new InvalidInputError(
      `None of the ${given.length} experiments can run on a scheduled --target ${o.target}:\n  ${notes.join('\n  ')}`,
    );
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
  if (o.timeZone !== undefined) checkTimeZone(o.timeZone);
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

  // Only the lab target acts on the cluster the Job runs in; sim runs in the pod.
  const inCluster = o.target === 'lab';
  const policy: DerivedPolicy = inCluster
    ? derivePolicy(experiments.map((l) => l.experiment))
    : { rules: [], namespaced: {}, ownNamespaces: [], unknown: [] };
  if (!inCluster)
    notes.push(
      'target sim: the drills run on the simulator inside the pod; the ServiceAccount gets no API access and no token.',
    );
  if (o.results === 'configmap')
    notes.push(
      'with --results configmap the journal lives in the pod: a run killed mid-drill cannot be rolled back by the next one; use --results pvc for scheduled drills that change the cluster.',
    );

  const journalDir = o.results === 'pvc' ? JOURNAL_DIR : '/work/journal';
  const runArgs = ['run', ...files, '--target', o.target, '--journal-dir', journalDir];
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

  const env: Record<string, unknown>[] = [
    { name: 'TMPDIR', value: '/work' },
    { name: 'HOME', value: '/work' },
    // The node the pod runs on: no fault may power it off, freeze it or cut it off (the drill would end
    // with its own process); a random pick of nodes leaves it out.
    { name: 'GAMEDAY_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
    ...(o.results === 'pvc' ? [{ name: 'GAMEDAY_KNOWN_CLUSTERS', value: KNOWN_CLUSTERS }] : []),
  ];
  const securityContext = {
    runAsNonRoot: true,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
  };
  // Before any drill, whatever an earlier run left changed (its pod killed mid-drill: a node drained, the
  // deadline, an eviction) is undone from its journal; when that fails, no drill starts.
  const rollbackFirst = {
    name: 'rollback-earlier-runs',
    image: o.image,
    imagePullPolicy: 'IfNotPresent',
    args: ['rollback', '--journal-dir', journalDir],
    workingDir: '/work',
    env,
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    securityContext,
    volumeMounts: mounts,
  };

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
              ...(o.results === 'pvc' && o.target !== 'sim' ? { initContainers: [rollbackFirst] } : {}),
              containers: [
                {
                  name: 'gameday',
                  image: o.image,
                  imagePullPolicy: 'IfNotPresent',
                  args: runArgs,
                  workingDir: '/work',
                  env,
                  resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '1Gi' } },
                  securityContext,
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
  return { docs, scheduled: experiments, unknownTypes: policy.unknown, notes };
}

/** Multi-document YAML, one object per document, in apply order (Namespace first). */
export function renderManifests(docs: readonly Record<string, unknown>[]): string {
  return docs.map((d) => stringify(d, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}
